"""A small private registry so that these tests do not depend on the other
developers' built-ins (lc/uc/substr/eq/lt/match written here)."""

from __future__ import annotations

import pytest

from acl.builtins.registry import Registry
from acl.runtime import regex as rx
from acl.runtime.context import ExpansionContext, Limits


def make_registry() -> Registry:
    reg = Registry()

    @reg.operator("lc")
    def lc(s: str) -> str:
        return s.lower()

    @reg.operator("uc")
    def uc(s: str) -> str:
        return s.upper()

    @reg.operator("substr", params=(0, 2))
    def substr(s: str, a: str = "0", b: str | None = None) -> str:
        i = int(a)
        return s[i:] if b is None else s[i:i + int(b)]

    @reg.condition("eq")
    def eq(ctx: object, a: str, b: str) -> bool:
        return a == b

    @reg.condition("lt")
    def lt(ctx: object, a: str, b: str) -> bool:
        return a < b

    @reg.condition("match")
    def match(ctx: object, a: str, b: str) -> bool:
        m = rx.search(rx.compile_regex(b), a, ctx)
        if m:
            rx.set_captures(ctx, m)
        return m is not None

    reg.plain_variable("sender_host_name", tainted=True)
    reg.plain_variable("primary_hostname")
    return reg


@pytest.fixture
def ctx() -> ExpansionContext:
    return ExpansionContext(
        registry=make_registry(),
        variables={"sender_host_name": "Remote.Example", "primary_hostname": "mx.local"},
        headers=[("Subject", " hello =?utf-8?q?w=C3=B6rld?="), ("To", " a@b"), ("to", " c@d\n  e"),
                 ("X-A", " one"), ("X-A", "  two  ")],
        limits=Limits(),
    )
