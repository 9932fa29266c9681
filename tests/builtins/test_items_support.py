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
