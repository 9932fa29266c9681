#!/usr/bin/env python3
"""Print the golden cases on which `acl expand` differs from the recording:
id, expression, Exim's output and ours. Usage: tools/golden_diff.py [FAMILY|ID ...]"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

from acl.cli.expand import be_main
from tests.golden import test_golden as g


def main(argv: list[str]) -> int:
    sel = argv[1:]
    bad = 0
    for case in g.RECORDED:
        cid = case["id"]
        if sel and not any(cid == s or cid.startswith(s + "-") for s in sel):
            continue
        out, _err, _rc = be_main(g.argv_for(case), g.stdin_for(case))
        ok, want, got = g.check(case, out)
        if ok:
            continue
        bad += 1
        print(f"{cid}{'  [divergence listed]' if cid in g.DIVERGENCES else ''}\n  expr: {case['expr']!r}\n"
              f"  exim: {want!r}\n  ours: {got!r}")
    print(f"{bad} differing", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
