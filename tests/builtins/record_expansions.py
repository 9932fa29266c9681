#!/usr/bin/env python3
"""Re-record tests/builtins/test_expansions_oracle.py from the real Exim 4.96:
each case is a whole expansion string run through `exim -C <empty config> -be`
(a failure recorded as Exim prints it, `Failed: ...`), and the file's CASES list
is rewritten with what Exim printed. With --check nothing is written: the
differences are listed, exit status 1 if any. Needs Exim; the tests do not."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEST_FILE = HERE / "test_expansions_oracle.py"
sys.path.insert(0, str(HERE.parent.parent))


def exim_result(exim: str, conf: str, expr: str) -> str:
    p = subprocess.run([exim, "-C", conf, "-be", expr.encode("utf-8", "surrogateescape")],
                       capture_output=True, timeout=30)
    out = p.stdout.decode("utf-8", "surrogateescape")
    return out[:-1] if out.endswith("\n") else out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = ap.parse_args()
    from tests.builtins._recording import record
    from tests.builtins.test_expansions_oracle import CASES

    return record("record_expansions.py", TEST_FILE, CASES, args.check, lambda exim, conf, case: exim_result(exim, conf, case[0]))


if __name__ == "__main__":
    sys.exit(main())
