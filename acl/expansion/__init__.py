"""Exim string expansions: ``parse`` -> nodes, ``compile_expansion`` -> cached
closures, ``expand`` -> str (or ExpansionError / ForcedFail).

The parser (and Lark) is imported on first need: a string with no ``$`` and no
backslash is its own value, and is expanded without it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from acl.source import Span

if TYPE_CHECKING:
    from acl.expansion.compiler import Compiled
    from acl.expansion.parser import parse


def literal(text: str) -> str | None:
    """The value of ``text`` when it holds no expansion at all (no ``$``, no
    backslash), as the parser would give it: exact str, cut at a NUL; else None."""
    if "$" in text or "\\" in text:
        return None
    if type(text) is not str:  # the parser reads the characters only, not the taint
        text = str.__str__(text)
    return text.partition("\0")[0] if "\0" in text else text


def compile_expansion(text: str, *, origin: Span | None = None) -> Compiled:
    """The compiled form of ``text`` (cached by string and origin)."""
    from acl.expansion.compiler import compile_expansion as compile_

    return compile_(text, origin)


def expand(text: str, ctx: Any, *, origin: Span | None = None) -> str:
    """Expand ``text`` in ``ctx``."""
    value = literal(text)
    if value is not None:
        return value
    return _expand(text, ctx, origin)


def _expand(text: str, ctx: Any, origin: Span | None) -> str:
    global _expand
    from acl.expansion.compiler import expand_text

    _expand = expand_text  # later calls go straight there
    return expand_text(text, ctx, origin)


def eval_condition_text(text: str, ctx: Any, *, origin: Span | None = None) -> bool:
    """Evaluate an ``${if}`` condition given on its own (as in ACL ``condition =``
    after expansion, or the linter's checks)."""
    from acl.expansion.compiler import compile_expansion as compile_

    return compile_("${if " + text + " {1}{}}", origin).fn(ctx) == "1"


def __getattr__(name: str) -> Any:  # the parser's names, imported when first used
    if name == "parse":
        from acl.expansion.parser import parse as value
    elif name == "Compiled":
        from acl.expansion.compiler import Compiled as value
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = ["parse", "compile_expansion", "expand", "eval_condition_text", "Compiled", "literal"]
