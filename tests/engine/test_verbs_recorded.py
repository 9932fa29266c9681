"""Verbs in each SMTP phase: the reply Exim sends, the text it logs for the
rejection, and its extra log lines (wrong-digit codes, discard where it is not
allowed, warn's log line and ignored message). Recorded with ``exim -bh``
(record.py, data/verbs.json)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from acl.engine import Result, accept_reply, failure_reply

CASES = json.loads((Path(__file__).parent / "data" / "verbs.json").read_text())
# Replies before the one for the phase's command (the greeting first).
_BEFORE = {"connect": 0, "helo": 1, "mail": 2, "rcpt": 3, "predata": 4, "data": 5, "vrfy": 1,
           "expn": 1, "etrn": 1}
_REJECTED = re.compile(r'(?:rejected (?:connection in "connect" ACL|EHLO or HELO x|MAIL <a@b.c>|'
                       r"RCPT <x@y.z>|DATA|after DATA|VRFY x@y.z|EXPN x@y.z|ETRN x.y)|"
                       r"discarded by RCPT ACL|DATA ACL discarded recipients\))(?:: (.*))?$")
_OTHER_LOGS = re.compile(r"^(configured error code|\"discard\" verb not allowed|"
                         r"H=\S+ \[10.0.0.1\] Warning: |ACL \"warn\" with)")


def _wanted(case: dict) -> bool:
    # An accepting ACL leaves the reply to routers (VRFY, EXPN), to ETRN
    # handling or to the dialogue (greeting, EHLO, message id): not ours.
    accepts = case["acl"].startswith(("accept message", "warn")) or case["acl"] == "discard"
    return not (accepts and (case["where"] in ("vrfy", "expn", "etrn", "connect", "helo")
                             or case["acl"] in ("discard", ) and case["where"] == "data"
                             or case["acl"].startswith("warn")))


@pytest.mark.parametrize("case", [c for c in CASES if _wanted(c)],
                         ids=lambda c: f"{c['where']}-{c['acl'].splitlines()[0]}")
def test_verb_as_exim(make, case: dict) -> None:
    where = case["where"]
    v = make(f"a:\n  {case['acl']}\n").run("a", where=where, local_part="x", domain="y.z")
    if v.result in (Result.OK, Result.DISCARD):
        reply = accept_reply(where, v.user_message)
    else:
        reply = failure_reply(where, v.result.value, v.user_message, v.log_message,
                              temp_details=v.temp_details)
    start = _BEFORE[where]
    assert reply.lines == case["replies"][start:start + len(reply.lines)]
    rejected = [m for ln in case["logs"] if (m := _REJECTED.search(ln))]
    if rejected:
        assert reply.log_text == rejected[0].group(1) or (
            v.result == Result.DISCARD and v.log_message == rejected[0].group(1))
    ours = [ln.text for ln in v.logs] + ([reply.panic] if reply.panic else [])
    theirs = [re.sub(r"^H=\S+ \[10.0.0.1\] ", "", ln) for ln in case["logs"]
              if _OTHER_LOGS.match(ln)]
    assert sorted(ours) == sorted(theirs)
