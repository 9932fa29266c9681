"""The DNS layer against NSD: outcomes kept apart, cache, async API, host-name
lookup, configuration."""

from __future__ import annotations

import asyncio
import time

import dns.flags
import dns.message
import dns.rdatatype
import pytest

from acl.dns import (
    ResolverConfig, Status, ahost_name_lookup, aresolve, clear_cache, config_for, host_name_lookup, resolve,
    use_server,
)
from acl.dns.config import ENV_SERVER, base_config, parse_servers
from acl.dns.resolver import _interpret, build_reverse
from acl.runtime.context import ExpansionContext
from acl.runtime.values import is_tainted
from tests.dnsserver import free_port


def cfg_of(srv, **kw) -> ResolverConfig:
    return srv.config(timeout=2.0, attempts=1, **kw)


@pytest.mark.parametrize("name, rtype, status", [
    ("mail.example.test", "A", Status.SUCCEED),
    ("nope.example.test", "A", Status.NOMATCH),  # NXDOMAIN
    ("mail.example.test", "MX", Status.NODATA),  # the name exists, not the type
    ("x.broken.test", "A", Status.AGAIN),  # SERVFAIL
    ("x.unserved.test", "A", Status.AGAIN),  # REFUSED
    ("loop1.example.test", "A", Status.FAIL),  # CNAME loop
])
def test_outcomes_kept_apart(zones_server, name, rtype, status) -> None:
    assert resolve(None, name, rtype, cfg=cfg_of(zones_server)).status is status


def test_records_and_cname_following(zones_server) -> None:
    ans = resolve(None, "alias2.example.test", "A", cfg=cfg_of(zones_server))
    assert [str(r.rdata) for r in ans.of_type(dns.rdatatype.A)] == ["192.0.2.10", "192.0.2.11"]
    assert ans.ttl() == 300 and not ans.secure and ans.aa
    out = resolve(None, "outside.example.test", "A", cfg=cfg_of(zones_server))
    assert out.status is Status.AGAIN and out.name == "host.nowhere.example"


def test_dead_server_is_a_bounded_temporary_failure() -> None:
    cfg = ResolverConfig(nameservers=("127.0.0.1",), port=free_port(), timeout=0.2, attempts=2)
    t0 = time.monotonic()
    assert resolve(None, "a.example", "A", cfg=cfg).status is Status.AGAIN
    assert time.monotonic() - t0 < 3


def test_no_system_resolver_under_pytest(monkeypatch) -> None:
    monkeypatch.delenv(ENV_SERVER, raising=False)
    cfg = base_config()
    assert cfg.nameservers == ()
    ans = resolve(None, "example.com", "A", cfg=cfg)
    assert ans.status is Status.AGAIN and ans.reason == "no DNS server configured"


def test_cache_honours_ttl_and_negative_answers(dns_server) -> None:
    srv = dns_server({"cache.test": "short 1 IN A 192.0.2.5\nlong IN A 192.0.2.6\n"})
    cfg = cfg_of(srv)
    clear_cache()
    for name in ("short", "long", "none"):
        resolve(None, f"{name}.cache.test", "A", cfg=cfg)
    srv.stop()  # from now on only the cache can answer
    assert resolve(None, "long.cache.test", "A", cfg=cfg).status is Status.SUCCEED
    assert resolve(None, "none.cache.test", "A", cfg=cfg).status is Status.NOMATCH  # SOA minimum 60 s
    time.sleep(1.1)
    assert resolve(None, "short.cache.test", "A", cfg=cfg).status is Status.AGAIN  # expired


def test_async_api(zones_server) -> None:
    cfg = cfg_of(zones_server)

    async def both():
        return await asyncio.gather(aresolve(None, "example.test", "MX", cfg=cfg),
                                    aresolve(None, "x.broken.test", "A", cfg=cfg),
                                    ahost_name_lookup("192.0.2.10", cfg=cfg))

    mx, broken, host = asyncio.run(both())
    assert [str(r.rdata) for r in mx.records] == ["10 mail.example.test.", "20 mail2.example.test."]
    assert broken.status is Status.AGAIN
    assert host.status == "ok" and host.name == "mail.example.test"


# Outcomes checked with Exim 4.96 (-bh, host_lookup = *, same zones in a namespace).
@pytest.mark.parametrize("ip, status, name", [
    ("192.0.2.10", "ok", "mail.example.test"),  # mail-alias has no address: not an alias
    ("192.0.2.11", "ok", "mail.example.test"),
    ("2001:db8::10", "ok", "mail.example.test"),  # confirmed by its AAAA record
    ("192.0.2.1", "ok", "example.test"),
    ("192.0.2.66", "fail", None),  # forged.example.test does not resolve back
    ("192.0.2.99", "fail", None),  # no PTR
    ("192.0.3.1", "defer", None),  # reverse zone not served: REFUSED
])
def test_host_name_lookup(zones_server, ip, status, name) -> None:
    got = host_name_lookup(ip, cfg=cfg_of(zones_server))
    assert (got.status, got.name) == (status, name)
    if name:
        assert is_tainted(got.name) and got.aliases == () and got.dnssec is False


def test_again_means_nonexist(zones_server) -> None:
    cfg = cfg_of(zones_server, again_means_nonexist="*.broken.test")
    assert resolve(None, "x.broken.test", "A", cfg=cfg).status is Status.NOMATCH
    assert resolve(None, "x.unserved.test", "A", cfg=cfg).status is Status.AGAIN


def test_ad_flag_is_reported() -> None:
    q = dns.message.make_query("example.test", "A")
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AD
    r.answer.append(dns.rrset.from_text("example.test.", 60, "IN", "A", "192.0.2.1"))
    ans = _interpret("example.test", dns.rdatatype.A, r)
    assert ans is not None and ans.secure and ans.found


def test_configuration(monkeypatch) -> None:
    assert parse_servers("127.0.0.1:5353") == (("127.0.0.1",), 5353)
    assert parse_servers("[::1]:54 127.0.0.2") == (("::1", "127.0.0.2"), 54)
    monkeypatch.setenv(ENV_SERVER, "127.0.0.9:5300")
    assert base_config().nameservers == ("127.0.0.9",) and base_config().port == 5300
    ctx = ExpansionContext()
    use_server(ctx, "127.0.0.3", 5301)
    assert config_for(ctx).nameservers == ("127.0.0.3",)
    assert build_reverse("192.0.2.10") == "10.2.0.192.in-addr.arpa"
    assert build_reverse("2001:db8::10").startswith("0.1.0.0.0.0.0.0") and build_reverse("::1").endswith(".ip6.arpa")
