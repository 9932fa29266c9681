#!/usr/bin/env python3
"""Re-record the expected values of tests/builtins/test_operators_oracle.py from
the real Exim 4.96: each case (operator, subject) runs as `${operator:subject}`
through `exim -C <empty config> -be`, and the file's CASES list is rewritten
with what Exim printed. With --check, nothing is written: differences are listed
and the exit status is 1 if there are any. Needs Exim; the tests do not."""

from __future__ import annotations

import argparse
import subprocess
import sys
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
    from tests.builtins._recording import record
    from tests.builtins.test_operators_oracle import CASES

    return record("record_operators.py", TEST_FILE, CASES, args.check, lambda exim, conf, case: exim_result(exim, conf, case[0], case[1]))


if __name__ == "__main__":
    sys.exit(main())
