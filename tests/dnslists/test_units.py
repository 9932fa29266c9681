"""The pieces under the goldens: list item syntax, the per-connection answer
cache, the resolver host and domain lists use, and @mx_* with /ignore=
(outcomes as the recorded Exim sessions show them)."""

from __future__ import annotations

from typing import Any

import pytest

from acl.dns import clear_cache, use_server
from acl.dnslists.dnsbl import MT_ALL, MT_NOT, check_dnsbl, parse_item
from acl.dnslists.resolver import DnsResolver
from acl.errors import LookupDefer
from acl.runtime import lists_dns
from acl.runtime.context import ExpansionContext
from acl.runtime.values import is_tainted
from tests.dnslists.zones import ZONES


def _ctx(srv: Any, ip: str = "192.0.2.1") -> ExpansionContext:
    ctx = ExpansionContext()
    use_server(ctx, srv.host, srv.port, timeout=2.0, attempts=1)
    ctx.variables["sender_host_address"] = ip
    return ctx


@pytest.mark.parametrize("text, domain, txt, iplist, bitmask, mt, key", [
    ("bl.test", "bl.test", "bl.test", None, False, 0, None),
    ("bl.test=127.0.0.2,127.0.0.3", "bl.test", "bl.test", "127.0.0.2,127.0.0.3", False, 0, None),
    ("bl.test==127.0.0.3", "bl.test", "bl.test", "127.0.0.3", False, MT_ALL, None),
    ("bl.test&0.0.0.1", "bl.test", "bl.test", "0.0.0.1", True, 0, None),
    ("bl.test=&0.0.0.4", "bl.test", "bl.test", "0.0.0.4", True, MT_ALL, None),
    ("bl.test!=127.0.0.2", "bl.test", "bl.test", "127.0.0.2", False, MT_NOT, None),
    ("bl.test!=&0.0.0.4", "bl.test", "bl.test", "0.0.0.4", True, MT_NOT | MT_ALL, None),
    ("bl.test=127.0.0.2/a.example", "bl.test", "bl.test", "127.0.0.2", False, 0, "a.example"),
    ("bl.test,merged.test=127.0.0.10", "merged.test", "bl.test", "127.0.0.10", False, 0, None),
    ("bl.test/", "bl.test", "bl.test", None, False, 0, ""),
])
def test_item_syntax(text: str, domain: str, txt: str, iplist: str | None, bitmask: bool, mt: int,
                     key: str | None) -> None:
    it = parse_item(text)
    assert (it.domain, it.domain_txt, it.iplist, it.match_type, it.key) == (domain, txt, iplist, mt, key)
    assert it.iplist is None or it.bitmask == bitmask


def test_variables_and_taint(zones_server: Any) -> None:
    ctx, logs = _ctx(zones_server, "192.0.2.2"), []
    assert check_dnsbl(ctx, "bl.test", lambda t, w: logs.append(t)) == "ok"
    v = ctx.variables
    assert (v["dnslist_domain"], v["dnslist_matched"], v["dnslist_value"], v["dnslist_text"]) == \
        ("bl.test", "192.0.2.2", "127.0.0.3, 127.0.0.5", "two values")
    assert is_tainted(v["dnslist_text"]) and is_tainted(v["dnslist_value"]) and logs == []


def test_non_127_discarded_and_logged(zones_server: Any) -> None:
    ctx, logs = _ctx(zones_server, "192.0.2.3"), []
    assert check_dnsbl(ctx, "bl.test", lambda t, w: logs.append(t)) == "fail"
    assert logs == ["DNS list lookup for 192.0.2.3 at bl.test returned 10.0.0.1; not in 127.0/8 and discarded"]


def test_defer_switches(zones_server: Any) -> None:
    logs: list[str] = []
    log = lambda t, w: logs.append(t)  # noqa: E731
    assert check_dnsbl(_ctx(zones_server), "broken.test", log) == "fail"
    assert check_dnsbl(_ctx(zones_server), "+defer_unknown : broken.test", log) == "defer"
    assert check_dnsbl(_ctx(zones_server), "+include_unknown : broken.test", log) == "ok"
    assert logs[0] == "DNS list lookup defer (probably timeout) for 1.2.0.192.broken.test: assumed not in list"
    assert logs[1].endswith(": returned DEFER") and logs[2].endswith(": assumed in list")


def test_answers_kept_for_the_connection(dns_server: Any) -> None:
    srv = dns_server({"bl.test": ZONES["bl.test"]})
    ctx = _ctx(srv)
    assert check_dnsbl(ctx, "bl.test", lambda t, w: None) == "ok"
    srv.stop()
    clear_cache()  # the DNS layer's cache too: only the connection's remains
    ctx.variables.pop("dnslist_text")
    assert check_dnsbl(ctx, "bl.test", lambda t, w: None) == "ok"
    assert ctx.variables["dnslist_text"] == "Listed: see http://bl.test/?192.0.2.1"
    other = _ctx(srv)  # another connection asks again, and the server is gone
    assert check_dnsbl(other, "+defer_unknown : bl.test", lambda t, w: None) == "defer"


def test_resolver_for_lists(zones_server: Any) -> None:
    ctx, r = _ctx(zones_server), DnsResolver()
    assert r.host_name(ctx, "192.0.2.1") == "good.hosts.test"
    assert ctx.variables["sender_host_name"] == "good.hosts.test"
    assert r.host_name(ctx, "192.0.2.2") is None  # forged: the name's address differs
    assert sorted(r.addresses(ctx, "good.hosts.test") or []) == ["192.0.2.1", "2001:db8::19"]
    assert r.addresses(ctx, "nowhere.hosts.test") is None
    assert r.mx(ctx, "loopmx.hosts.test") == [(10, "mx1.hosts.test"), (20, "mx2.hosts.test")]
    with pytest.raises(LookupDefer, match='DNS lookup of "x.broken.test" deferred'):
        r.addresses(ctx, "x.broken.test")
    assert isinstance(lists_dns.resolver(ctx), DnsResolver)


@pytest.mark.parametrize("item, loopmx, secmx", [
    ("@mx_any", True, True), ("@mx_primary", True, False), ("@mx_secondary", False, True),
    ("@mx_any/ignore=127.0.0.1", False, False), ("@mx_any/ignore=<;10.0.0.0/8;::1", True, True),
])
def test_mx_items(zones_server: Any, item: str, loopmx: bool, secmx: bool) -> None:
    ctx = _ctx(zones_server)
    local = {"127.0.0.1", "::1"}
    assert lists_dns.is_mx_item(item)
    assert lists_dns.match_mx(ctx, item, "loopmx.hosts.test", local) is loopmx
    assert lists_dns.match_mx(ctx, item, "secmx.hosts.test", local) is secmx
