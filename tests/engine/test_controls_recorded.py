"""Every control in every SMTP phase, and control options, against what
``exim -bh`` did (data/controls.json, written by record.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from acl.engine import Result

CASES = json.loads((Path(__file__).parent / "data" / "controls.json").read_text())
_MESSAGE = re.compile(r'(?:: |returned ERROR: )(cannot use "control=.*" in .* ACL|'
                      r'syntax error in "control=.*"|bad option value for control=\S+)$')


def _expected(logs: list[str]) -> tuple[Result, str | None]:
    if "OK" in logs:
        return Result.OK, None
    for line in logs:
        if m := _MESSAGE.search(line):
            return Result.ERROR, m.group(1)
    return Result.ERROR, None  # control=error: no message at all


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['where']}-{c['control']}")
def test_control_as_exim(make, case: dict) -> None:
    if case["control"].startswith("dmarc_"):
        # DIVERGENCES.md: Debian's Exim is built without DMARC and calls these
        # syntax errors; exim-acl has DMARC (a seed feature) and its controls.
        pytest.skip("DMARC controls: Debian's Exim build has no DMARC support")
    h = make(f"a:\n  accept control = {case['control']}\n         logwrite = OK\n")
    v = h.run("a", where=case["where"], local_part="x", domain="y.z")
    result, message = _expected(case["logs"])
    assert (v.result, v.log_message if result != Result.OK else None) == (result, message)
    if result == Result.OK:
        assert v.controls and [ln.text for ln in v.logs] == ["OK"]
