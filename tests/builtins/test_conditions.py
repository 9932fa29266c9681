"""The simple ${if} conditions. Every expected value and error text was
checked with Exim 4.96 (`exim -be`)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import acl.builtins.conditions  # noqa: F401  (registers the conditions)
from acl.builtins.registry import REGISTRY
from acl.errors import ExpansionError
from acl.runtime.context import ExpansionContext
from acl.runtime.values import TaintedStr

DATA = "tests/golden/data"


def cond(name: str, *args: str, ctx: ExpansionContext | None = None) -> bool:
    return REGISTRY.conditions[name].func(ctx or ExpansionContext(), *args)


def error(name: str, *args: str) -> str:
    with pytest.raises(ExpansionError) as info:
        cond(name, *args)
    return info.value.message


# The numeric comparisons and crypteq are recorded from Exim in
# test_expansions_oracle.py (tests/builtins/record_expansions.py).


def test_exists(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cond("exists", str(tmp_path))
    assert not cond("exists", str(tmp_path / "nonexist"))
    assert not cond("exists", "relative")
    # Exim 4.96 does not refuse a tainted name in this condition.
    assert cond("exists", TaintedStr(str(tmp_path)))


def test_delivery_state_and_unsupported() -> None:
    assert not cond("first_delivery")
    assert not cond("queue_running")
    assert error("radius", "a") == 'support for "radius" not compiled'
    assert error("pwcheck", "a:b") == 'support for "pwcheck" not compiled'
    assert not cond("pam", "user:pass")  # no PAM service: authentication fails
    assert not cond("inbound_srs", "a", "b")
    assert error("ldapauth", "") == "malformed parameter setting precedes LDAP URL"
    assert error("ldapauth", "ldap:///bogus") == "ldapauth lookups must specify the username and password"
    assert not cond("ldapauth", "user=x pass= ldap:///x")


def test_saslauthd_without_daemon() -> None:
    ctx = ExpansionContext()
    ctx.extra["saslauthd_socket"] = "/nonexistent/mux"
    with pytest.raises(ExpansionError) as info:
        cond("saslauthd", "user", "pass", ctx=ctx)
    assert info.value.message == "cannot connect to saslauthd daemon at /nonexistent/mux: No such file or directory"


def test_match_is_bytewise_like_pcre2_without_utf() -> None:
    assert not cond("match", "café", "caf.$")
    assert cond("match", "café", "^.{5}$")
    ctx = ExpansionContext()
    assert cond("match", "abcdefghij", "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", ctx=ctx)
    assert ctx.bindings["9"] + ctx.bindings["10"] == "ij"


@pytest.mark.parametrize("name,s,lst,value", [
    ("inlist", "a", "b:a", "a"), ("inlisti", "A", "b:a", "a"), ("inlist", "", "a::b", None),
    ("inlist", "", ":", ""), ("inlist", "a:b", "a::b", "a:b"), ("inlist", "b", "<;a;b", "b"),
    ("inlist", " a", " a :b", None),
])
def test_inlist(name: str, s: str, lst: str, value: str | None) -> None:
    ctx = ExpansionContext()
    assert cond(name, s, lst, ctx=ctx) is (value is not None)
    if value is not None:
        assert ctx.bindings["value"] == value


def named_ctx() -> ExpansionContext:
    nl = lambda v: SimpleNamespace(value=v, cache=False)  # noqa: E731
    cfg = SimpleNamespace(options={}, named_lists={
        "domain": {"dl": nl(r"a.b : *.c.d : ^x(\d+)"), "neg": nl("!a.b")},
        "host": {"hl": nl("1.2.3.0/24")},
        "address": {"al": nl("x@y.z : *@q.r")},
        "localpart": {"ll": nl("alice : Bob")},
    })
    return ExpansionContext(config=cfg)


@pytest.mark.parametrize("name,s,lst,want", [
    ("match_ip", "1.2.3.4", "1.2.3.0/24", ""), ("match_ip", "1.2.3.4", "!1.2.3.4:*", None),
    ("match_ip", "1.2.3.4", "!1.2.3.5", ""), ("match_ip", "", ":1.2.3.4", ""), ("match_ip", "1.2.3.4", "foo.bar", None),
    ("match_ip", "::1", "<; ::1", ""), ("match_ip", "::1", "::::1", ""), ("match_ip", "1.2.3.4", "1.2.3.4/33", ""),
    ("match_ip", "1.2.3.4", "1.2.3/24", None), ("match_ip", "127.0.0.1", "@[]", ""), ("match_ip", "1.2.3.4", "@[]", None),
    ("match_ip", "::ffff:1.2.3.4", "1.2.3.4", ""), ("match_ip", "1.2.3.4", "::ffff:1.2.3.4", None),
    ("match_ip", "1.2.3.4", "foo:1.2.3.4", None), ("match_ip", "1.2.3.4", "!foo:1.2.3.4", None),
    ("match_ip", "1.2.3.4", f"lsearch;{DATA}/lsearch.txt:1.2.3.4", ""),
    ("match_ip", "1.2.3.4", f"iplsearch;{DATA}/ip.txt", "everything v4"),
    ("match_ip", "10.1.2.3", f"net-lsearch;{DATA}/ip.txt", "exact ten"),
    ("match_ip", "1.2.3.9", "+hl", ""),
    ("match_domain", "A.b", "a.B", "a.B"), ("match_domain", "a.b", "*.b", "*.b"), ("match_domain", "a.b", "!c.d", ""),
    ("match_domain", "[127.0.0.1]", "@[]", "@[]"), ("match_domain", "[1.2.3.4]", "@[]", None),
    ("match_domain", "alpha", f"lsearch;{DATA}/lsearch.txt", "first value"), ("match_domain", "a", "*", "*"),
    ("match_domain", "", ":", ""), ("match_domain", "ABC", "^abc", "^abc"), ("match_domain", "a.b", "+dl", "a.b"),
    ("match_domain", "z", "!+dl", ""), ("match_domain", "a.b", "!+dl", None), ("match_domain", "z", "+neg", ""),
    ("match_domain", "a.b", "+neg:a.b", "a.b"), ("match_domain", "x12", "+dl", None),  # the named list is expanded: \\d becomes d
    ("match_address", "a@A.b", "a.b", "@a.b"), ("match_address", "a@a.b", "*.b", "@*.b"),
    ("match_address", "abc@a.b", "a*@a.b", None), ("match_address", "abc@a.b", "^ab", ""),
    ("match_address", "abc", "abc", None), ("match_address", "", ":", ""), ("match_address", "a@x.b", "a@*.b", "a@*.b"),
    ("match_address", "a@A.B", "A@a.b", "A@a.b"), ("match_address", "a@ab", "*@^a", "*@^a"),
    ("match_address", "a@alpha", f"a@lsearch;{DATA}/lsearch.txt", "a@first value"),
    ("match_address", "@a.b", "@a.b", "@a.b"), ("match_address", "a@a.b", "@a.b", None),
    ("match_address", "a@", "a@", None), ("match_address", "A@a.b", "+caseful:a@a.b", None),
    ("match_address", "X@y.z", "+al", "x@y.z"), ("match_address", "a@q.r", "+al", "*@q.r"),
    ("match_address", "a@a.b", "*@+dl", "*@a.b"), ("match_address", "a@x.c.d", "a@+dl", "a@*.c.d"),
    ("match_local_part", "ABC", "+caseful:abc", None), ("match_local_part", "ABC", "^abc", "^abc"),
    ("match_local_part", "ALPHA", f"lsearch;{DATA}/lsearch.txt", "first value"),
    ("match_local_part", "bob", "+ll", "Bob"), ("match_local_part", "abc", "@", None),
])
def test_list_conditions(name: str, s: str, lst: str, want: str | None) -> None:
    ctx = named_ctx()
    assert cond(name, s, lst, ctx=ctx) is (want is not None)
    if want is not None:
        assert ctx.bindings["value"] == want


def test_list_condition_captures() -> None:
    ctx = ExpansionContext()
    assert cond("match_domain", "xa.b", "^(.)a", ctx=ctx)
    assert (ctx.bindings["0"], ctx.bindings["1"]) == ("xa.b", "x")
    assert cond("match_local_part", "abc", "*c", ctx=ctx)
    assert (ctx.bindings["0"], ctx.bindings["1"]) == ("abc", "ab")
    assert cond("match_domain", "ABC", "*bc", ctx=ctx)
    assert (ctx.bindings["0"], ctx.bindings["1"]) == ("abc", "a")


@pytest.mark.parametrize("name,s,lst,msg", [
    ("match_ip", "foo", "1.2.3.4", '"foo" is not an IP address'),
    ("match_ip", "01.2.3.4", "1.2.3.4", '"01.2.3.4" is not an IP address'),
    ("match_ip", "1.2.3.4", "+foo", 'unable to complete match against "+foo": NULL'),
    ("match_domain", "a.b", "+hl", 'unable to complete match against "+hl": NULL'),
])
def test_list_condition_errors(name: str, s: str, lst: str, msg: str) -> None:
    with pytest.raises(ExpansionError) as info:
        cond(name, s, lst, ctx=named_ctx())
    assert info.value.message == msg
