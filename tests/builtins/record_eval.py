#!/usr/bin/env python3
"""Re-record tests/builtins/test_eval_oracle.py from the real Exim 4.96: each
case is an ${eval}/${eval10} string run through `exim -C <empty config> -be`
(a failure as Exim prints it). With --check nothing is written: differences are
listed, exit status 1 if any. Needs Exim; the tests do not."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = ap.parse_args()
    from tests.builtins._recording import record
    from tests.builtins.record_expansions import exim_result
    from tests.builtins.test_eval_oracle import CASES

    return record("record_eval.py", HERE / "test_eval_oracle.py", CASES, args.check,
                  lambda exim, conf, case: exim_result(exim, conf, case[0]))


if __name__ == "__main__":
    sys.exit(main())
