"""What the oracle recorders share: locating Exim, running the cases in
parallel, listing differences and rewriting a test file's CASES list."""

from __future__ import annotations

import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Sequence


def record(script: str, test_file: Path, cases: Sequence[tuple[Any, ...]], check: bool,
           run: Callable[[str, str, tuple[Any, ...]], Any]) -> int:
    """Run every case through ``run(exim, conf, case)`` under an empty
    configuration; the case's last field is the expected value."""
    exim = shutil.which("exim") or "/usr/sbin/exim"
    if not Path(exim).exists():
        sys.exit(f"{script}: Exim is not installed (apt-get install exim4-daemon-heavy)")
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda c: run(exim, conf.name, c), cases))
    diffs = [(c, g) for c, g in zip(cases, got) if c[-1] != g]
    for case, new in diffs:
        print(f"{case[:-1]!r}: file has {case[-1]!r}, exim prints {new!r}")
    print(f"{len(cases)} cases, {len(diffs)} differ from Exim", file=sys.stderr)
    if check:
        return 1 if diffs else 0
    text = test_file.read_text()
    head, rest = text.split("CASES = [\n", 1)
    tail = rest[rest.index("\n]\n"):]
    rows = "".join(f"    {(*c[:-1], g)!r},\n" for c, g in zip(cases, got))
    test_file.write_text(head + "CASES = [\n" + rows.rstrip("\n") + tail)
    return 0
