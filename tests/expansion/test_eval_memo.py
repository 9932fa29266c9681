"""${eval}'s memo of results: a remembered result is still tainted by a
tainted argument, and errors are never remembered as results."""

from __future__ import annotations

import pytest

from acl.builtins import load_all
from acl.errors import ExpansionError
from acl.expansion import expand
from acl.runtime.context import ExpansionContext
from acl.runtime.values import TaintedStr, is_tainted

load_all()


def test_memo_keeps_taint_of_each_argument() -> None:
    ctx = ExpansionContext()
    ctx.variables["sender_helo_name"] = "3"  # a tainted variable
    for _ in range(3):
        assert expand("${eval:3+1}", ctx) == "4" and not is_tainted(expand("${eval:3+1}", ctx))
        got = expand("${eval:$sender_helo_name+1}", ctx)
        assert got == "4" and type(got) is TaintedStr


def test_errors_are_raised_each_time() -> None:
    ctx = ExpansionContext()
    for _ in range(3):
        with pytest.raises(ExpansionError, match=r'divide by zero \(after processing "1/0"\)'):
            expand("${eval:1/0}", ctx)
