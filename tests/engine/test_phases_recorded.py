"""Which conditions and modifiers each phase allows, and the error texts
when it does not: every case was run through ``exim -bh`` (record.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from acl.engine import Result

DATA = Path(__file__).parent / "data"
# Cases that need what exim-acl does not have (routers, reverse DNS), or that
# crash Exim itself (senders in the not-QUIT ACL dereferences a null sender).
_SKIP = re.compile(r"^(rcpt verify = recipient|\w+ verify = reverse_host_lookup|"
                   r"notquit (senders|sender_domains) = \*)$")
_REFUSED = re.compile(r"(cannot (?:test|use) \w+ condition in .* ACL|cannot verify \w+ in ACL for .*)$")
CASES = [c for c in json.loads((DATA / "conditions.json").read_text())
         if not _SKIP.match(f"{c['where']} {c['condition']}")]


def _expected(logs: list[str]) -> tuple[str, str | None]:
    if "OK" in logs:
        return "OK", None
    for line in logs:
        if m := _REFUSED.search(line):
            return "ERROR", m.group(1)
    return "not OK", None


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['where']}-{c['condition']}")
def test_phase_rules_as_exim(make, case: dict) -> None:
    h = make(f"a:\n  accept {case['condition']}\n         logwrite = OK\nr_ok:\n  accept\n")
    v = h.run("a", where=case["where"], local_part="x", domain="y.z", sender_address="a@b.c",
              recipients="x@y.z" if case["where"] == "data" else "")
    expected, message = _expected(case["logs"])
    got = "OK" if v.result == Result.OK else ("ERROR" if v.log_message and message else "not OK")
    assert (got, v.log_message if message else None) == (expected, message)
