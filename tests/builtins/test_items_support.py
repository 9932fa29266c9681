"""Shared helpers for the items tests: an end-to-end expander with a fixed clock.

The fixed clock is the time the expected values were recorded with the
reference Exim (1795549858: day 20781)."""

from __future__ import annotations

from typing import Any

import pytest

from acl.builtins import load_all
from acl.errors import ExpansionError
from acl.runtime.context import ExpansionContext

CLOCK = 1795549858.0


def make_ctx(**kw: Any) -> ExpansionContext:
    load_all()
    ctx = ExpansionContext(**kw)
    ctx.clock = lambda: CLOCK
    return ctx


def expand(text: str, ctx: ExpansionContext | None = None) -> str:
    from acl.expansion import expand as _expand

    return _expand(text, ctx if ctx is not None else make_ctx())


def fails(text: str, ctx: ExpansionContext | None = None) -> str:
    with pytest.raises(ExpansionError) as info:
        expand(text, ctx)
    return info.value.message


class FakeArg:
    """An ItemArg whose expansion is a fixed value (tainted values included)."""

    def __init__(self, value: str, raw: str | None = None) -> None:
        self.value = value
        self.raw = value if raw is None else raw
        self.span = None

    def expand(self, ctx: Any) -> str:
        return self.value


class FakeCall:
    """An ItemCall for calling an item function directly."""

    def __init__(self, name: str, *args: str, options: tuple[str, ...] = (), fail: bool = False) -> None:
        self.name = name
        self.options = list(options)
        self.words: list[str] = []
        self.args = [a if isinstance(a, FakeArg) else FakeArg(a) for a in args]
        self.fail = fail
        self.span = None

    def yes_no(self, ctx: Any, found: bool, value: str | None, first: int) -> str:
        if found:
            return value or "" if len(self.args) <= first else self.args[first].expand(ctx)
        return self.args[first + 1].expand(ctx) if len(self.args) > first + 1 else ""

    def error(self, message: str) -> ExpansionError:
        return ExpansionError(message)


def call_item(name: str, *args: str, ctx: ExpansionContext | None = None, **kw: Any) -> str:
    ctx = ctx if ctx is not None else make_ctx()
    return ctx.registry.items[name].func(ctx, FakeCall(name, *args, **kw))  # type: ignore[no-any-return]
