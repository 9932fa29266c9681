"""Run a message through what exim -bh does around DKIM, without the SMTP
dialogue: the RCPT ACL (for its controls), verification, the DKIM ACL per
signer and the DATA ACL, through Engine. Returns the log lines the way Exim
writes them (newlines as \\n) and the reply Exim gives to the message."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from acl.config import load_config
from acl.dkim import log_lines, run_dkim_acl, verify_message
from acl.dns import use_server
from acl.engine import Engine, Result
from acl.runtime.context import ExpansionContext


def _escape(text: str) -> str:
    return text.replace("\n", "\\n")


def run_session(config_text: str, raw: bytes, server: Any) -> tuple[list[str], str, Any]:
    """(log lines, reply summary, ctx). The reply is ``250``, ``550 <message>``
    (DKIM ACL refusal) or ``451 <log message>`` (an ACL error)."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "exim.conf"
        path.write_text(config_text)
        config = load_config(str(path))
    ctx = ExpansionContext(config=config)
    ctx.variables.update(sender_host_address="192.0.2.1", sender_helo_name="client.example",
                         sender_address="alice@dkim.test", primary_hostname="mx.example.org")
    use_server(ctx, server.host, server.port)
    engine = Engine(config)
    engine.begin_connection(ctx)
    logs: list[str] = []
    rcpt = engine.run_acl(engine.acl_for("rcpt"), ctx, where="rcpt")
    logs += [_escape(line.text) for line in rcpt.effects.logs]
    sigs = verify_message(ctx, raw, controls=rcpt.effects.controls)
    logs += log_lines(ctx)
    verdict = run_dkim_acl(engine, ctx, sigs)
    if verdict is not None:
        logs += [_escape(line.text) for line in verdict.effects.logs]
        if verdict.result is not Result.OK:
            return logs, f"550 {verdict.user_message}", ctx
    data = engine.run_acl(engine.acl_for("data"), ctx, where="data")
    logs += [_escape(line.text) for line in data.effects.logs]
    if data.result is Result.ERROR:
        return logs, f"451 {data.log_message}", ctx
    return logs, "250", ctx
