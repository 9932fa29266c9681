"""Exim string expansions: ``parse`` -> nodes, ``compile_expansion`` -> cached
closures, ``expand`` -> str (or ExpansionError / ForcedFail)."""

from __future__ import annotations

from typing import Any

from acl.expansion.compiler import Compiled, compile_expansion as _compile
from acl.errors import ExpansionSyntaxError
from acl.expansion.parser import parse
from acl.expansion.prefix import first_error
from acl.source import Span


def compile_expansion(text: str, *, origin: Span | None = None) -> Compiled:
    """The compiled form of ``text`` (cached by string and origin)."""
    return _compile(text, origin)


def expand(text: str, ctx: Any, *, origin: Span | None = None) -> str:
    """Expand ``text`` in ``ctx``."""
    try:
        compiled = _compile(text, origin)
    except ExpansionSyntaxError as exc:
        first_error(exc, ctx)  # an error Exim meets in the text before this one
        raise
    return compiled(ctx)


def eval_condition_text(text: str, ctx: Any, *, origin: Span | None = None) -> bool:
    """Evaluate an ``${if}`` condition given on its own (as in ACL ``condition =``
    after expansion, or the linter's checks)."""
    return _compile("${if " + text + " {1}{}}", origin).fn(ctx) == "1"


__all__ = ["parse", "compile_expansion", "expand", "eval_condition_text", "Compiled"]
