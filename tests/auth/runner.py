"""One `exim -bh`-like session through the dialogue of `acl session`."""

from __future__ import annotations

import acl.auth
from acl.builtins import load_all
from acl.config import parse_config_text
from acl.engine import Engine
from acl.runtime.context import ExpansionContext
from acl.runtime.values import TaintedStr
from acl.smtp.policy import Policy
from acl.smtp.stdio import run_bytes


def run_session(config_text: str, host: str, data: bytes,
                challenge: str | None = None) -> tuple[str, list[str]]:
    """(what the server wrote, the log lines) for one -bh session."""
    load_all()
    config = parse_config_text(config_text)
    ctx = ExpansionContext(config=config)
    ctx.variables.update(sender_host_address=TaintedStr(host), sender_host_port=TaintedStr("0"))
    if challenge:  # CRAM-MD5's challenge as recorded (it holds a pid and a time)
        ctx.extra[acl.auth.CHALLENGE_KEY] = challenge
    logs: list[str] = []
    out: list[bytes] = []
    run_bytes(Policy(Engine(config), ctx, logs.append), data, out.append)
    return b"".join(out).decode("utf-8", "surrogateescape"), logs
