#!/usr/bin/env python3
"""Re-record tests/cli/test_cli_oracle.py from the real Exim 4.96: each case
(arguments, standard input) runs as `exim -C tests/cli/data/fixed.conf ARGS -be`
and the file's CASES list is rewritten with Exim's standard output. In the
arguments @DATA@ stands for the absolute path of tests/cli/data (Exim wants
absolute message file names); in the output the caller's login name is stored
as @USER@. With --check nothing is written. Needs Exim; the tests do not."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEST_FILE = HERE / "test_cli_oracle.py"
DATA = HERE / "data"
sys.path.insert(0, str(HERE.parent.parent))


def exim_result(exim: str, case: tuple[tuple[str, ...], str, str]) -> str:
    from acl.cli.context_options import local_user

    args = [a.replace("@DATA@", str(DATA)) for a in case[0]]
    p = subprocess.run([exim, "-C", str(DATA / "fixed.conf"), *args, "-be"], input=case[1].encode(),
                       capture_output=True, timeout=30)
    return p.stdout.decode("utf-8", "surrogateescape").replace(local_user(), "@USER@")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = ap.parse_args()
    from tests.builtins._recording import record
    from tests.cli.test_cli_oracle import CASES

    return record("record_cli.py", TEST_FILE, CASES, args.check, lambda exim, conf, case: exim_result(exim, case))


if __name__ == "__main__":
    sys.exit(main())
