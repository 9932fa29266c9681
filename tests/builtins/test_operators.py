"""Operators whose result depends on the context (options, named lists, taint,
the file system, a second expansion). Expected values were recorded from
``exim -be`` with the matching configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest

import acl.builtins.operators  # noqa: F401
from acl.builtins.operators._common import from_bytes, to_bytes
from acl.builtins.registry import REGISTRY
from acl.errors import ExpansionError, ForcedFail
from acl.runtime.context import ExpansionContext
from acl.runtime.values import is_tainted, taint


@dataclass
class NamedList:
    value: str


@dataclass
class Config:
    options: dict[str, Any] = field(default_factory=dict)
    named_lists: dict[str, dict[str, NamedList]] = field(default_factory=dict)


def op(name: str, subject: str, ctx: ExpansionContext | None = None, *params: str) -> str:
    spec = REGISTRY.operators[name]
    if spec.ctx:
        return spec.func(ctx or ExpansionContext(), subject, *params)
    return spec.func(subject, *params)


def ctx_with(**options: Any) -> ExpansionContext:
    return ExpansionContext(config=Config(options=options))


# -- named lists (exim -be with the same lists in its configuration)

NAMED = {
    "domain": {"dl": NamedList("a.com : b.com : +dl2"), "dl2": NamedList("<; c.com ; d:e.com ; f;;g"),
               "same": NamedList("dom"), "empty": NamedList("")},
    "host": {"hl": NamedList("1.2.3.4 : ::::1"), "same": NamedList("host")},
    "address": {"al": NamedList("x@y")},
    "localpart": {"ll": NamedList("<, p , q,, r")},
}


@pytest.fixture
def lists_ctx() -> ExpansionContext:
    return ExpansionContext(config=Config(named_lists=NAMED))


@pytest.mark.parametrize("name,params,expected", [
    ("dl", (), "a.com : b.com : c.com : d::e.com : f;g"),
    ("+dl", (), "a.com : b.com : c.com : d::e.com : f;g"),
    ("dl", ("d",), "a.com : b.com : c.com : d::e.com : f;g"),
    ("dl", ("dx",), "a.com : b.com : c.com : d::e.com : f;g"),
    ("al", ("a",), "x@y"),
    ("ll", ("l",), "p : q, r"),
    ("hl", (), "1.2.3.4 : ::1"),
    ("same", (), "dom"),
    ("same", ("h",), "host"),
    ("empty", (), ""),
])
def test_listnamed(lists_ctx: ExpansionContext, name: str, params: tuple[str, ...], expected: str) -> None:
    assert op("listnamed", name, lists_ctx, *params) == expected


@pytest.mark.parametrize("name,params,message", [
    ("dl", ("h",), '"dl" is not a host named list'),
    ("nope", (), '"nope" is not a named list'),
    ("", (), '"" is not a named list'),
    ("dl", ("x",), 'bad suffix on "list" operator'),
    ("nope", ("l",), '"nope" is not a localpart named list'),
    ("nope", ("a",), '"nope" is not a address named list'),
])
def test_listnamed_errors(lists_ctx: ExpansionContext, name: str, params: tuple[str, ...], message: str) -> None:
    with pytest.raises(ExpansionError) as exc:
        op("listnamed", name, lists_ctx, *params)
    assert exc.value.message == message


def test_listnamed_self_reference_is_bounded() -> None:
    ctx = ExpansionContext(config=Config(named_lists={"domain": {"loop": NamedList("+loop")}}))
    with pytest.raises(ExpansionError):
        op("listnamed", "loop", ctx)


# -- options


def test_escape_print_topbitchars() -> None:
    subject = from_bytes(b"\x01\x7f\x80\xff\xc3\xa9")
    assert op("escape", subject) == "\\001\\177\\200\\377\\303\\251"
    assert to_bytes(op("escape", subject, ctx_with(print_topbitchars=True))) == b"\\001\\177\x80\xff\xc3\xa9"
    assert to_bytes(op("escape", subject, ctx_with(print_topbitchars="true"))) == b"\\001\\177\x80\xff\xc3\xa9"


def test_rfc2047_headers_charset() -> None:
    ctx = ctx_with(headers_charset="ISO-8859-1")
    assert op("rfc2047", from_bytes(b"caf\xe9 au lait"), ctx) == "=?ISO-8859-1?Q?caf=E9_au_lait?="
    assert to_bytes(op("rfc2047d", "=?utf-8?q?=C3=A9?=", ctx)) == b"\xe9"
    # iconv stops at the euro sign, the rest is copied unconverted
    assert to_bytes(op("rfc2047d", "=?utf-8?q?a=E2=82=ACb?=", ctx)) == b"a\xe2\x82\xacb"


def test_rfc2047d_length_check_option() -> None:
    word = "=?utf-8?q?" + "a" * 77 + "?="
    assert op("rfc2047d", word) == word
    assert op("rfc2047d", word, ctx_with(check_rfc2047_length="false")) == "a" * 77


# -- randomness, files, taint


def test_randint_range() -> None:
    seen = {op("randint", "3") for _ in range(200)}
    assert seen == {"0", "1", "2"}
    assert op("randint", "1") == "0"
    assert op("randint", "2147483648") == "0"  # truncated to a C int, as Exim does


def test_stat_device_and_errors() -> None:
    out = dict(kv.split("=", 1) for kv in op("stat", "/dev/null").split(" "))
    assert out["mode"] == "20666" and out["smode"] == "crw-rw-rw-"
    assert list(out) == ["mode", "smode", "inode", "device", "links", "uid", "gid", "size",
                         "atime", "mtime", "ctime"]
    with pytest.raises(ExpansionError) as exc:
        op("stat", "/nonexistent")
    assert exc.value.message == "stat(/nonexistent) failed: No such file or directory"
    with pytest.raises(ExpansionError) as exc:
        op("stat", "")
    assert exc.value.message == "stat() failed: No such file or directory"


def test_stat_directory_mode(tmp_path: Any) -> None:
    d = tmp_path / "d"
    d.mkdir()
    os.chmod(d, 0o1775)
    out = op("stat", str(d))
    assert out.startswith("mode=41775 smode=drwxrwxr-t ")


def test_stat_refuses_tainted_name() -> None:
    with pytest.raises(ExpansionError) as exc:
        op("stat", taint("/etc/hostname"))
    assert exc.value.message == "Tainted filename '/etc/hostname'"


# -- expand (uses the expansion core)


def test_expand() -> None:
    from acl.builtins import load_all

    load_all()
    ctx = ExpansionContext()
    assert op("expand", "${eval:1+1}", ctx) == "2"
    assert op("expand", "abc", ctx) == "abc"
    with pytest.raises(ExpansionError) as exc:
        op("expand", "${foo:x}", ctx)
    assert exc.value.message == 'internal expansion of "${foo:x}" failed: unknown expansion operator "foo"'
    with pytest.raises(ForcedFail) as ff:
        op("expand", "${if eq{1}{2}{a}fail}", ctx)
    assert ff.value.message == 'internal expansion of "${if eq{1}{2}{a}fail}" failed: "if" failed and "fail" requested'


def test_expand_refuses_tainted() -> None:
    with pytest.raises(ExpansionError) as exc:
        op("expand", taint("${uc:x}"))
    assert exc.value.message == (
        "internal expansion of \"${uc:x}\" failed: attempt to expand tainted string '${uc:x}'")


def test_results_are_plain_strings() -> None:
    # the core propagates taint; operators must not drop or invent it themselves
    assert not is_tainted(op("lc", "ABC"))


# -- abbreviations registered under their own names keep Exim's wording


@pytest.mark.parametrize("name", ["l", "s", "h", "nh"])
def test_abbreviation_without_values(name: str) -> None:
    with pytest.raises(ExpansionError) as exc:
        op(name, "abc")
    assert exc.value.message == f"missing values after {name}"


def test_nhash_zero_divisor_is_an_error_not_a_crash() -> None:
    # Exim 4.96 dies with SIGFPE here; we fail the expansion instead
    with pytest.raises(ExpansionError):
        op("nhash", "abc", None, "0")
    with pytest.raises(ExpansionError):
        op("hash", "abcdef", None, "2", "0")
