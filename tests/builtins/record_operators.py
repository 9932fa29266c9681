#!/usr/bin/env python3
"""Re-record the expected values of tests/builtins/test_operators_oracle.py from
the real Exim 4.96: each case (operator, subject) runs as `${operator:subject}`
through `exim -C <empty config> -be`, and the file's CASES list is rewritten
with what Exim printed. With --check, nothing is written: differences are listed
and the exit status is 1 if there are any. Needs Exim; the tests do not."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEST_FILE = HERE / "test_operators_oracle.py"
sys.path.insert(0, str(HERE.parent.parent))


def literal(subject: bytes) -> bytes:
    """The subject written so that the expansion hands it to the operator as is."""
    for ch in (b"\\", b"$", b"{", b"}"):
        subject = subject.replace(ch, b"\\" + ch)
    return subject


def exim_result(exim: str, conf: str, name: str, subject: bytes) -> bytes:
    expr = b"${" + name.encode() + b":" + literal(subject) + b"}"
    p = subprocess.run([exim, "-C", conf, "-be", expr], capture_output=True, timeout=30)
    out = p.stdout
    return out[:-1] if out.endswith(b"\n") else out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = ap.parse_args()
    exim = shutil.which("exim") or "/usr/sbin/exim"
    if not Path(exim).exists():
        sys.exit("record_operators.py: Exim is not installed (apt-get install exim4-daemon-heavy)")
    from tests.builtins.test_operators_oracle import CASES

    with tempfile.NamedTemporaryFile("w", suffix=".conf") as conf:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda c: exim_result(exim, conf.name, c[0], c[1]), CASES))
    diffs = [(c, g) for c, g in zip(CASES, got) if c[2] != g]
    for (name, subject, old), new in diffs:
        print(f"{name} {subject!r}: file has {old!r}, exim prints {new!r}")
    print(f"{len(CASES)} cases, {len(diffs)} differ from Exim", file=sys.stderr)
    if args.check:
        return 1 if diffs else 0
    text = TEST_FILE.read_text()
    head, rest = text.split("CASES = [\n", 1)
    tail = rest[rest.index("\n]\n"):]
    rows = "".join(f"    ({c[0]!r}, {c[1]!r}, {g!r}),\n" for c, g in zip(CASES, got))
    TEST_FILE.write_text(head + "CASES = [\n" + rows.rstrip("\n") + tail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
