"""Match details for tracers, named-list caching, the DNS hook and the shape
of compiled large lists. Outcomes and trace texts are those Exim 4.96 gave for
the same lists (tests/lists/recorded.json); the resolver cases mirror the
recorded -oMs (known host name) session."""

from __future__ import annotations

import gc
from types import SimpleNamespace
from typing import Any

from acl.errors import LookupDefer
from acl.runtime import lists, lists_dns
from acl.runtime.context import ExpansionContext


def ctx_with(**named: dict[str, str]) -> ExpansionContext:
    cfg = SimpleNamespace(options={"primary_hostname": "mail.example"}, named_lists={
        kind: {k: SimpleNamespace(value=v, cache=k.endswith("_c")) for k, v in named.get(kind, {}).items()}
        for kind in lists.KINDS})
    return ExpansionContext(config=cfg)


def test_found_tells_which_item_decided(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = ExpansionContext()
    f = lists.check_list(ctx, "host", lists.host_subject("192.0.2.1"), "!192.0.2.99 : 192.0.2.0/24")
    assert f is not None and (f.item, f.value) == ("192.0.2.0/24", None)
    assert lists.outcome(True, f) == 'yes (matched "192.0.2.0/24")'
    doms = tmp_path / "doms"
    doms.write_text("a.example\n!d.example\n*.wild.example\n")
    f = lists.check_list(ctx, "domain", lists.domain_subject("x.wild.example"), str(doms))
    assert f is not None and (f.item, f.where, f.value) == ("*.wild.example", str(doms), "*.wild.example")
    f = lists.check_list(ctx, "domain", lists.domain_subject("q.example"), "!a.example")
    assert f is not None and f.end and lists.outcome(True, f) == "yes (end of list)"


def test_trace_lines_as_exim_prints_them() -> None:
    ctx = ctx_with(host={"relay": "127.0.0.1 : 10.0.0.0/8", "ok": "192.0.2.0/24"})
    trace: list[str] = []
    ctx.extra["lists.trace"] = trace
    lists.new_message(ctx)
    for listtext in ("+relay", "+ok", "+ok", "!+relay : 198.51.100.0/24", "!192.0.2.99 : 192.0.2.0/24"):
        lists.match_host(ctx, "192.0.2.1", None, listtext)
    lists.match_host(ctx, "192.0.2.99", None, "!192.0.2.99 : 192.0.2.0/24")
    assert trace == [
        'host in "127.0.0.1 : 10.0.0.0/8"? no (end of list)',
        'host in "+relay"? no (end of list)',
        'host in "192.0.2.0/24"? yes (matched "192.0.2.0/24")',
        'host in "+ok"? yes (matched "+ok")',
        'host in "+ok"? yes (matched "+ok" - cached)',
        'host in "!+relay : 198.51.100.0/24"? no (end of list)',
        'host in "!192.0.2.99 : 192.0.2.0/24"? yes (matched "192.0.2.0/24")',
        'host in "!192.0.2.99 : 192.0.2.0/24"? no (matched "!192.0.2.99")',
    ]


def test_named_cache_scopes() -> None:
    ctx = ctx_with(domain={"local": "a.example : *.b.example", "dyn": "${if eq{1}{1}{a.example}}",
                           "dyn_c": "${if eq{1}{1}{a.example}}"})
    trace: list[str] = []
    ctx.extra["lists.trace"] = trace
    for name in ("local", "local", "dyn", "dyn", "dyn_c", "dyn_c"):
        assert lists.match_domain(ctx, "a.example", "+" + name)
    cached = [t for t in trace if t.endswith("- cached)")]
    assert cached == ['a.example in "+local"? yes (matched "+local" - cached)',
                      'a.example in "+dyn_c"? yes (matched "+dyn_c" - cached)']
    assert ctx.variables["domain_data"] == "a.example"  # restored from the cache
    lists.new_recipient(ctx)
    trace.clear()
    lists.match_domain(ctx, "a.example", "+local")
    assert trace[-1] == 'a.example in "+local"? yes (matched "+local")'
    # recipients= keeps no cache
    trace.clear()
    for _ in range(2):
        lists.match_address(ctx, "u@a.example", "*@+local", data_var="recipient_data")
    assert not any("cached" in t for t in trace)


class FakeDns:
    def __init__(self, names: dict[str, str], addrs: dict[str, list[str]],
                 mx: dict[str, list[tuple[int, str]]]) -> None:
        self.names, self.addrs, self.mxs = names, addrs, mx
        self.asked: list[str] = []

    def host_name(self, ctx: Any, ip: str) -> str | None:
        self.asked.append(ip)
        if ip == "192.0.2.66":
            raise LookupDefer("DNS timeout")
        return self.names.get(ip)

    def addresses(self, ctx: Any, name: str) -> list[str] | None:
        return self.addrs.get(name)

    def mx(self, ctx: Any, domain: str) -> list[tuple[int, str]] | None:
        return self.mxs.get(domain)


def test_without_dns_host_names_end_the_list() -> None:
    ctx = ctx_with()
    trace: list[str] = []
    ctx.extra["lists.trace"] = trace
    assert not lists.match_host(ctx, "192.0.2.1", None, "*.example.com : 192.0.2.0/24")
    assert not lists.match_host(ctx, "192.0.2.1", None, "!mx1.example.com : 192.0.2.0/24")
    assert lists.match_host(ctx, "192.0.2.1", None, "192.0.2.0/24 : *.example.com")
    assert trace == [
        'host in "*.example.com : 192.0.2.0/24"? no (failed to find host name for 192.0.2.1)',
        'host in "!mx1.example.com : 192.0.2.0/24"? no (failed to find IP address for mx1.example.com)',
        'host in "192.0.2.0/24 : *.example.com"? yes (matched "192.0.2.0/24")',
    ]
    assert not lists.match_domain(ctx, "x.example", "@mx_any")
    assert lists.match_domain(ctx, "x.example", "@mx_primary : x.example")


def test_resolver_hook() -> None:
    dns = FakeDns({"192.0.2.1": "mx1.Example.com"}, {"mx1.example.com": ["192.0.2.1"], "mail.example": ["127.0.0.1"],
                                                     "backup.example": ["192.0.2.7"]},
                  {"p.example": [(10, "mail.example")], "s.example": [(5, "backup.example"), (10, "mail.example")]})
    ctx = ctx_with()
    ctx.extra["resolver"] = dns
    assert lists.match_host(ctx, "192.0.2.1", None, "10.0.0.0/8 : *.example.com")
    assert ctx.variables["host_data"] == "*.example.com"
    assert ctx.variables["sender_host_name"] == "mx1.Example.com"
    assert lists.match_host(ctx, "192.0.2.1", None, "mx1.example.com")
    assert not lists.match_host(ctx, "192.0.2.2", None, "mx1.example.com")
    assert lists.match_host(ctx, "127.0.0.1", None, "@")
    assert [lists.match_domain(ctx, d, "@mx_any") for d in ("p.example", "s.example", "n.example")] == [True, True, False]
    assert [lists.match_domain(ctx, d, "@mx_primary") for d in ("p.example", "s.example")] == [True, False]
    assert [lists.match_domain(ctx, d, "@mx_secondary") for d in ("p.example", "s.example")] == [False, True]
    try:
        lists.match_host(ctx, "192.0.2.66", None, "*.example.com")
        raise AssertionError("a resolver's temporary failure must defer the list")
    except lists.ListDefer as exc:
        assert exc.message == "DNS timeout"
    lists_dns.set_resolver(dns)  # process-wide
    try:
        assert lists.match_host(ctx_with(), "192.0.2.1", None, "^mx\\d\\.")
    finally:
        lists_dns.set_resolver(None)


def test_large_lists_hold_no_objects_the_collector_walks() -> None:
    names = ":".join(f"h{i}.example" for i in range(200_000))
    nets = ":".join(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32" for i in range(200_000))
    gc.collect()
    for kind, text in (("domain", names), ("host", nets)):
        block = lists.compile_list(kind, text).entries[0]
        gc.collect()  # a collection looks at the new tuple once and stops tracking it
        tables = [block.exact, block.suffix, block.items, *block.nets.values()]
        assert not any(gc.is_tracked(t) for t in tables), kind
