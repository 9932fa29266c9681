#!/usr/bin/env python3
"""Record Exim's verdict on every configuration under tests/config/data/bad/ into
tests/config/data/expected/<name>.txt (``line`` and ``message``; line is empty when
Exim gives none). Needs the real Exim: run by hand, commit the results."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent / "data"
HEADER = re.compile(r"Exim configuration error(?: in line (\d+) of \S+)?:$")


def verdict(conf: Path) -> tuple[str, str]:
    err = subprocess.run(["exim", "-C", str(conf), "-bV"], capture_output=True, text=True,
                         cwd=conf.parent, check=False).stderr
    lines = [re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", "", x) for x in err.splitlines()]
    for i, line in enumerate(lines):
        m = HEADER.search(line)
        if m:
            body = [x.strip() for x in lines[i + 1:] if x.startswith("  ")]
            return m.group(1) or "", " ".join(body)
    return "", ""


def main() -> None:
    out = HERE / "expected"
    out.mkdir(exist_ok=True)
    for conf in sorted((HERE / "bad").glob("*.conf")):
        line, message = verdict(conf)
        message = message.replace(str(conf.parent), "{dir}")
        (out / f"{conf.stem}.txt").write_text(f"line: {line}\nmessage: {message}\n")
        print(f"{conf.stem}: {line}: {message}")
    for conf in sorted(HERE.glob("*.conf")):
        line, message = verdict(conf)
        print(f"{conf.name}: {'accepted' if not message else message}")


if __name__ == "__main__":
    main()
