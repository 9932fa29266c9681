"""Replay the sessions recorded from Exim (tests/mime/record.py) through
acl.mime.run_mime_acl and the ACL engine: every LOG line the MIME and DATA
ACLs produced, and the reply/log line of a rejection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acl.config import parse_config_text
from acl.engine import Engine, Result, failure_reply
from acl.mime import run_mime_acl, unspool
from acl.runtime.context import ExpansionContext
from acl.runtime.message import apply_message, parse_message
from tests.mime.cases import CASES, config_text

GOLDEN = json.loads((Path(__file__).parent / "data" / "cases.json").read_text())
MID = "1aaaaa-000000-00"
HOST = "H=(x) [192.0.2.1] "


def replay(case: dict, spool: Path) -> tuple[list[str], list[str]]:
    engine = Engine(parse_config_text(config_text(case, str(spool)), filename="c.conf"))
    ctx = ExpansionContext(config=engine.config)
    ctx.variables.update(sender_address="a@b.example", sender_host_address="192.0.2.1",
                         sender_helo_name="x", received_protocol="esmtp",
                         primary_hostname="test.example", message_exim_id=MID,
                         recipients="c@d.example")
    engine.begin_connection(ctx)
    raw = case["message"].encode("utf-8", "surrogateescape")
    apply_message(ctx, parse_message(raw, smtp=True), recipients=["c@d.example"])
    logs: list[str] = []

    def collect(verdict) -> None:
        for line in verdict.effects.logs:
            logs.append((HOST if line.host_prefix else "") + line.text)

    verdict = run_mime_acl(engine, ctx, raw)
    replies: list[str] = []
    if verdict is not None:
        collect(verdict)
    if verdict is not None and verdict.result not in (Result.OK, Result.DISCARD):
        out = failure_reply("mime", verdict.result.value, verdict.user_message,
                            verdict.log_message, temp_details=verdict.temp_details)
        what = "rejected" if verdict.result in (Result.FAIL, Result.FAIL_DROP) else "temporarily rejected"
        logs.append(f"{HOST}F=<a@b.example> {what} during MIME ACL checks: {out.log_text}")
        replies = out.lines
    elif verdict is None or verdict.result == Result.OK:  # a discard skips the DATA ACL
        data = engine.run_acl(engine.acl_for("data"), ctx, where="data")
        collect(data)
        if not data.accepted:
            out = failure_reply("data", data.result.value, data.user_message, data.log_message,
                                temp_details=data.temp_details)
            logs.append(f"{HOST}F=<a@b.example> temporarily rejected after DATA: {out.log_text}")
            replies = out.lines
    unspool(ctx)
    norm = [f"MSGID {ln}".replace(str(spool), "SPOOL").replace(MID, "MSGID") for ln in logs]
    return norm, replies


def _expected(name: str) -> tuple[list[str], list[str]]:
    rec = GOLDEN[name]
    logs = [ln for ln in rec["logs"] if " <= " not in ln and " => " not in ln
            and not ln.endswith(" Completed")]
    after_data = rec["replies"][[r[:3] for r in rec["replies"]].index("354") + 1:]
    replies = [r for r in after_data if not r.startswith("250 OK id=")]
    return logs, replies


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recorded(case: dict, tmp_path: Path) -> None:
    logs, replies = replay(case, tmp_path / "spool")
    want_logs, want_replies = _expected(case["name"])
    assert logs == want_logs
    assert replies == want_replies
