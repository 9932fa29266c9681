"""List matches without a trace take a shorter path (no Found objects): it
must decide exactly as the traced path does, set the same $domain_data-style
variable and $0..$9, raise the same errors and keep the same named-list caches.
Each case runs the same calls twice, once traced and once not, and compares."""

from __future__ import annotations

from typing import Any

import pytest

from acl.config import parse_config_text
from acl.runtime import lists
from acl.runtime.context import ExpansionContext
from acl.runtime.values import is_tainted, taint

NAMED = """\
domainlist local = @ : a.example : *.b.example : \\N^c(\\d+)\\.example$\\N
domainlist nd = !*.x.example : *
domainlist sub = +local : d.example
domainlist ld = ${if eq{1}{1}{a.example}} : *.b.example
domainlist subld = +ld : e.example
domainlist loop = +loop
hostlist relay = <; 127.0.0.1 ; ::1 ; 10.0.0.0/8
hostlist two = !192.0.2.0/24 : 10.0.0.0/8
hostlist named = mx.unresolvable.invalid : 192.0.2.0/24
localpartlist role = postmaster : abuse
localpartlist cf = +caseful : Foo : !bar : ^B(.*)
addresslist bad = *@spam.example : baduser@*.example.net : ^.*\\d{8,}@
"""

# (matcher, subject, list text, data variable)
CASES: list[tuple[str, str, str, str | None]] = [
    ("domain", "a.example", "+local", "domain_data"),
    ("domain", "mx.example", "+local", "domain_data"),
    ("domain", "C42.Example", "+local", "domain_data"),
    ("domain", "q.b.example", "!+local", "domain_data"),
    ("domain", "q.example", "!+local", "domain_data"),
    ("domain", "a.x.example", "+nd", "domain_data"),
    ("domain", "y.example", "+nd : z.example", "domain_data"),
    ("domain", "d.example", "+sub", "domain_data"),
    ("domain", "e.example", "+subld", "domain_data"),
    ("domain", "q.b.example", "+subld", "domain_data"),
    ("domain", "a.example", "+nosuch", "domain_data"),
    ("domain", "a.example", "+loop", "domain_data"),
    ("domain", "c7.example", "^c(\\d+)\\.example$ : +local", None),
    ("domain", "c7.example", "^c([0-9]+)[.](ex)ample : +local", "domain_data"),
    ("domain", "w.example", "*.example", "domain_data"),
    ("host", "10.1.2.3", "+relay", "host_data"),
    ("host", "192.0.2.1", "+two", "host_data"),
    ("host", "192.0.2.1", "!+two", "host_data"),
    ("host", "192.0.2.1", "+named", "host_data"),
    ("host", "192.0.2.1", ":", "host_data"),
    ("host", "", ":", "host_data"),
    ("localpart", "postmaster", "+role", "local_part_data"),
    ("localpart", "user1", "+role", "local_part_data"),
    ("localpart", "Foo", "+cf", "local_part_data"),
    ("localpart", "Baz", "+cf", "local_part_data"),
    ("localpart", "a.b", "^[.] : ^.*[@%!/|]", "local_part_data"),
    ("localpart", ".ab", "^[.] : ^.*[@%!/|]", "local_part_data"),
    ("localpart", "x|y", "^[./|] : ^.*[@%!] : ^.*/\\\\.\\\\./", "local_part_data"),
    ("address", "u@spam.example", "+bad", "sender_data"),
    ("address", "baduser@q.example.net", "+bad", "sender_data"),
    ("address", "a12345678@x.example", "+bad", "sender_data"),
    ("address", "ok@x.example", "+bad", "sender_data"),
]


def _context(config: Any) -> ExpansionContext:
    ctx = ExpansionContext(config=config)
    ctx.variables.update(local_part="u", domain="x.example")
    lists.new_message(ctx)
    return ctx


def _call(ctx: ExpansionContext, kind: str, subject: str, text: str, data_var: str | None) -> Any:
    try:
        if kind == "host":
            return lists.match_host(ctx, subject, None, text, expand=True, data_var=data_var)
        fn = {"domain": lists.match_domain, "localpart": lists.match_local_part,
              "address": lists.match_address}[kind]
        return fn(ctx, subject, text, expand=True, data_var=data_var)
    except lists.ListDefer as e:
        return ("defer", e.message, e.search_error, e.item)


def _state(ctx: ExpansionContext) -> tuple[Any, ...]:
    digits = {k: v for k, v in ctx.bindings.items() if k.isdigit()}
    data = {k: (v, is_tainted(v)) for k, v in ctx.variables.items() if k.endswith("_data")}
    caches = {k: v for k, v in ctx.extra.items() if k.startswith("lists.cache.")}
    return digits, data, caches


def _run(config: Any, traced: bool, calls: list[tuple[str, str, str, str | None]]) -> list[Any]:
    ctx = _context(config)
    if traced:
        ctx.extra["lists.trace"] = []
    return [(_call(ctx, *c), _state(ctx)) for c in calls]


@pytest.fixture(scope="module")
def config() -> Any:
    return parse_config_text("primary_hostname = mx.example\n" + NAMED)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}:{c[1]}:{c[2]}" for c in CASES])
def test_untraced_decides_as_traced(config: Any, case: tuple[str, str, str, str | None]) -> None:
    calls = [case, case]  # the second call finds the named-list result cached
    assert _run(config, False, calls) == _run(config, True, calls)


def test_a_sequence_shares_caches_and_digits_as_traced(config: Any) -> None:
    """Captures from one match are replaced (or cleared) by the next, and the
    caches built along the way are the same."""
    assert _run(config, False, CASES) == _run(config, True, CASES)


def test_tainted_list_text_gives_a_tainted_value(config: Any) -> None:
    for traced in (False, True):
        ctx = _context(config)
        if traced:
            ctx.extra["lists.trace"] = []
        assert lists.match_domain(ctx, "a.example", taint("a.example : b.example"))
        assert ctx.variables["domain_data"] == "a.example"
        assert is_tainted(ctx.variables["domain_data"])


def test_a_reloaded_configuration_gets_its_own_named_lists() -> None:
    """Facts about named lists are kept with the configuration: a new one
    (SIGHUP) with the same list name sees its own text and cacheability."""
    first = parse_config_text("domainlist local = a.example\n")
    second = parse_config_text("domainlist local = b.example\n")
    assert lists.match_domain(_context(first), "a.example", "+local")
    assert not lists.match_domain(_context(second), "a.example", "+local")
    assert lists.match_domain(_context(second), "b.example", "+local")
    assert lists.match_domain(_context(first), "a.example", "+local")
