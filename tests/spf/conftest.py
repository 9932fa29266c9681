"""NSD serving the SPF zones, one server per test module."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from acl.config import parse_config_text
from acl.dns import use_server
from acl.engine import Engine, Verdict
from acl.runtime.context import ExpansionContext
from tests.dnsserver import DnsServer, serving
from tests.spf.zones import BROKEN, ZONES


@pytest.fixture(scope="module")
def spf_server() -> Iterator[DnsServer]:
    yield from serving(ZONES, BROKEN)


def session_ctx(srv: DnsServer, ip: str, helo: str | None, sender: str) -> ExpansionContext:
    """A context as the SMTP dialogue leaves it after EHLO and MAIL."""
    ctx = ExpansionContext()
    use_server(ctx, srv.host, srv.port, timeout=2.0, attempts=1)
    ctx.variables.update(sender_host_address=ip, sender_address=sender,
                         sender_address_domain=sender.rpartition("@")[2])
    if helo is not None:
        ctx.variables["sender_helo_name"] = helo
    return ctx


def run(conf: str, ctx: ExpansionContext, where: str) -> Verdict:
    engine = Engine(parse_config_text(conf))
    return engine.run_acl(engine.acl_for(where), ctx, where=where)


def log_texts(verdict: Any) -> list[str]:
    return [line.text for line in verdict.effects.logs]
