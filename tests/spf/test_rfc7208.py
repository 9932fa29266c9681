"""The RFC 7208 test suite through the ``spf`` ACL condition, each scenario's
DNS data served by NSD. Tests listed in SUITE_GAPS.md are expected to fail
(xfail, strict: one that starts passing must leave the list)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.dnsserver import MISSING, NSD, DnsServer
from tests.spf.conftest import run, session_ctx
from tests.spf.rfc7208 import Scenario, load

SCENARIOS = load()
GAPS = dict(re.findall(r"^- `([\w.-]+)`: (.*)$", (Path(__file__).parent / "SUITE_GAPS.md").read_text(), re.M))
CASES = [(i, tid, t) for i, sc in enumerate(SCENARIOS) for tid, t in sorted(sc.tests.items())]
CONF = """primary_hostname = mx.recv.test
acl_smtp_mail = chk
begin acl
chk:
  accept spf = {names}
  deny
"""


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[int, DnsServer]]:
    if NSD is None:
        pytest.skip(MISSING)
    started: dict[int, DnsServer] = {}
    yield started
    for srv in started.values():
        srv.stop()


def _server(servers: dict[int, DnsServer], i: int) -> DnsServer:
    if i not in servers:
        sc: Scenario = SCENARIOS[i]
        servers[i] = DnsServer(sc.zones, broken=sc.broken).start()
    return servers[i]


def _params() -> list[Any]:
    out = []
    for i, tid, t in CASES:
        marks = [pytest.mark.xfail(reason=GAPS[tid], strict=True)] if tid in GAPS else []
        out.append(pytest.param(i, tid, t, id=tid, marks=marks))
    return out


@pytest.mark.parametrize(("scenario", "tid", "test"), _params())
def test_rfc7208(servers: dict[int, DnsServer], scenario: int, tid: str, test: dict[str, Any]) -> None:
    srv = _server(servers, scenario)
    expected = test["result"] if isinstance(test["result"], list) else [test["result"]]
    ctx = session_ctx(srv, test["host"], test["helo"], test.get("mailfrom") or "")
    verdict = run(CONF.format(names=":".join(expected)), ctx, "mail")
    got = ctx.variables.get("spf_result")
    assert verdict.result.name == "OK", f"{tid}: expected {expected}, got {got}"
    exp = test.get("explanation")
    if exp is not None and exp != "DEFAULT":
        assert ctx.extra.get("spf.explanation") == exp
