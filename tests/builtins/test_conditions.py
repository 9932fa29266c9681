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


@pytest.mark.parametrize("op,a,b,want", [
    ("<", "1", "2", True), ("<", "1k", "2", False), ("<", "", "2", True), ("<", " 1", "2", True),
    ("<", "1 ", "2", True), ("<", "9G", "2", False), ("<", "-1", "2", True), ("<", "+1", "2", True),
    ("=", "010", "10", True), ("<", " ", "2", True), ("==", "9223372036854775807", "1", False),
    ("<", "-9223372036854775808", "2", True), ("<", "1k ", "2", False), ("=", "1g", "1073741824", True),
    ("=", "1M", "1048576", True), ("<", "\t5", "6", True), ("<", "5\n", "6", True),
    (">=", "5", "5", True), (">", "5", "5", False), ("<=", "5", "5", True),
])
def test_numeric(op: str, a: str, b: str, want: bool) -> None:
    assert cond(op, a, b) is want


@pytest.mark.parametrize("a,msg", [
    ("abc", 'integer expected but "abc" found'),
    ("1x", 'invalid integer "1x"'),
    ("99999999999999999999", 'absolute value of integer "99999999999999999999" is too large (overflow)'),
    ("0x10", 'invalid integer "0x10"'),
    ("1kk", 'invalid integer "1kk"'),
    ("- 1", 'integer expected but "- 1" found'),
    ("8796093022208G", 'absolute value of integer "8796093022208G" is too large (overflow)'),
    (" abc", 'integer expected but "abc" found'),
    (" 1 x", 'invalid integer "1 x"'),
    ("1 k", 'invalid integer "1 k"'),
    ("-9223372036854775809", 'absolute value of integer "-9223372036854775809" is too large (overflow)'),
    ("9007199254740992k", 'absolute value of integer "9007199254740992k" is too large (overflow)'),
])
def test_numeric_errors(a: str, msg: str) -> None:
    assert error("<", a, "2") == msg


@pytest.mark.parametrize("op,a,b,want", [
    ("eq", "a", "a", True), ("eqi", "a", "A", True), ("lt", "a", "B", False), ("lti", "a", "B", True),
    ("gei", "a", "A", True), ("gt", "é", "z", True), ("lti", "[", "a", True), ("le", "abc", "abd", True),
    ("lei", "ABD", "abc", False), ("gti", "b", "A", True), ("ge", "", "", True), ("eqi", "é", "É", False),
])
def test_strings(op: str, a: str, b: str, want: bool) -> None:
    assert cond(op, a, b) is want


@pytest.mark.parametrize("name,s,want", [
    ("bool", "true", True), ("bool", " YES ", True), ("bool", "00", False), ("bool", "-1", True),
    ("bool", "", False), ("bool", "  ", False), ("bool", "99999999999999999999", True), ("bool", " 1 ", True),
    ("bool", "-", False), ("bool", "-0", False), ("bool", "4294967296", False),
    ("bool", "18446744073709551616", True), ("bool", "-99999999999999999999", False),
    ("bool_lax", "00", True), ("bool_lax", " no ", False), ("bool_lax", "FALSE", False), ("bool_lax", "", False),
    ("bool_lax", " ", False), ("bool_lax", " 0 ", False), ("bool_lax", "n", True), ("bool_lax", "-", False),
    ("bool_lax", "-0", True), ("bool_lax", "yes no", True),
])
def test_bool(name: str, s: str, want: bool) -> None:
    assert cond(name, s) is want


@pytest.mark.parametrize("s,shown", [
    ("maybe", "maybe"), ("1x", "1x"), (" maybe ", "maybe"), ("0x1", "0x1"), ("+0", "+0"), ("1k", "1k"), ("tru", "tru"),
])
def test_bool_errors(s: str, shown: str) -> None:
    assert error("bool", s) == f'unrecognised boolean value "{shown}"'


@pytest.mark.parametrize("s,v4,v6", [
    ("1.2.3.4", True, False), ("01.2.3.4", False, False), ("1.2.3.04", False, False), ("256.1.1.1", False, False),
    ("1.2.3", False, False), (" 1.2.3.4", False, False), ("::1", False, True), ("::ffff:1.2.3.4", False, True),
    ("1::2::3", False, False), ("1:2:3:4:5:6:7:8:9", False, False), ("1:2:3:4:5:6:7::", False, True),
    ("1:2:3:4:5:6:7:1.2.3.4", False, False), ("fe80::1%eth0", False, True), ("1.2.3.4/24", False, False),
    ("00001::", False, False), ("0001::", False, True), (":1::", False, False), ("::1.2.3.4", False, True),
])
def test_isip(s: str, v4: bool, v6: bool) -> None:
    assert cond("isip4", s) is v4
    assert cond("isip6", s) is v6
    assert cond("isip", s) is (v4 or v6)


def test_match_sets_captures() -> None:
    ctx = ExpansionContext()
    assert cond("match", "abc", "^(a)(b)(c)", ctx=ctx)
    assert [ctx.bindings[str(i)] for i in range(4)] == ["abc", "a", "b", "c"]
    assert not cond("match", "abc", "B")
    assert cond("match", "abc", "(?i)B")
    assert error("match", "a", "(") == 'regular expression error in "(": missing closing parenthesis at offset 1'


def test_exists(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cond("exists", str(tmp_path))
    assert not cond("exists", str(tmp_path / "nonexist"))
    assert not cond("exists", "relative")
    # Exim 4.96 does not refuse a tainted name in this condition.
    assert cond("exists", TaintedStr(str(tmp_path)))


@pytest.mark.parametrize("pw,enc,want", [
    ("test", "{md5}CY9rzUYh03PK3k6DJie09g==", True), ("test", "{MD5}098f6bcd4621d373cade4e832627b4f6", True),
    ("test", "{md5}098F6BCD4621D373CADE4E832627B4F6", True), ("test", "{sha1}qUqP5cyxm6YcTAhz05Hph5gvu9M=", True),
    ("test", "{sha1}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", True), ("test", "aaqPiZY5xR5l.", True),
    ("test", "{crypt}aaqPiZY5xR5l.", True), ("test", "$1$salt$No6gqynaE4urT3jScs91F/", True),
    ("test", "$1$salt$No6gqynaE4urT3jScs91Fx", False), ("test", "", False), ("test", "{md5}", False),
    ("test", "{Crypt16}aaqPiZY5xR5l.", True), ("", "{md5}1B2M2Y8AsgTpgAmY7PhCfg==", True),
])
def test_crypteq(pw: str, enc: str, want: bool) -> None:
    assert cond("crypteq", pw, enc) is want


@pytest.mark.parametrize("enc", ["{foo}x", "{md5x", "{sha256}x", "{}abc"])
def test_crypteq_unknown(enc: str) -> None:
    assert error("crypteq", "test", enc) == f'unknown encryption mechanism in "{enc}"'


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
