"""Evaluation helpers shared by the compiler and the core items: variable and
header resolution, scoped bindings, and Exim lists (through acl.runtime.lists)."""

from __future__ import annotations

import re
from typing import Any, Callable

from acl.errors import ExpansionError
from acl.runtime.lists import iter_list, list_separator
from acl.runtime.values import TaintedStr, taint

_MISSING = object()
ACL_VAR = re.compile(r"acl_[cm](?:[0-9_][A-Za-z0-9_]*)?\Z")


def unknown_hint(name: str) -> str:
    """Exim's hint after an unknown variable name that looks like an ACL variable."""
    if not name.startswith("acl_") or ACL_VAR.match(name):
        return ""
    if name[4:5] not in ("c", "m"):
        return " (user-defined ACL variables must start acl_c or acl_m)"
    return " (6th character of a user-defined ACL variable must be a digit or underscore)"


def unknown_variable(name: str, braced: bool = False) -> str:
    msg = f'unknown variable in "${{{name}}}"' if braced else f'unknown variable name "{name}"'
    return msg + unknown_hint(name)
_ADDRESS_HEADERS = frozenset({"bcc", "cc", "from", "reply-to", "sender", "to"})
HEADER_MAXLEN = 64 * 1024


def bound(ctx: Any, name: str, value: str, fn: Callable[[Any], Any]) -> Any:
    """Run ``fn(ctx)`` with ``ctx.bindings[name] = value``, restoring afterwards."""
    b = ctx.bindings
    old = b.get(name, _MISSING)
    b[name] = value
    try:
        return fn(ctx)
    finally:
        if old is _MISSING:
            b.pop(name, None)
        else:
            b[name] = old  # type: ignore[assignment]


_CAPTURE_KEYS = ("value",) + tuple(str(i) for i in range(10))  # $value: set by the acl condition


def saved_captures(ctx: Any) -> dict[str, str] | None:
    """$value and $0..$9 as they are now (None: no binding at all, the usual case)."""
    b = ctx.bindings
    if not b:
        return None
    return {k: b[k] for k in _CAPTURE_KEYS if k in b}


def restore_captures(ctx: Any, saved: dict[str, str] | None) -> None:
    """Put back $0..$9 as they were: Exim restores them after ${if} and ${sg}."""
    b = ctx.bindings
    if saved is None:
        if b:
            for k in _CAPTURE_KEYS:
                b.pop(k, None)
        return
    for k in _CAPTURE_KEYS:
        if k in saved:
            b[k] = saved[k]
        else:
            b.pop(k, None)


def variable(ctx: Any, name: str) -> str | None:
    """The value of ``$name``, "" when known but unset, None when unknown."""
    if name in ("item", "value"):
        return ctx.bindings.get(name, "")
    if ACL_VAR.match(name):
        return ctx.acl_vars.get(name, "")
    return other_variable(ctx, name)


def other_variable(ctx: Any, name: str) -> str | None:
    """``variable()`` for a name known not to be $item, $value or an ACL
    variable (decided once, when the expansion is compiled)."""
    reg = ctx.registry.variables
    spec = reg.get(name)
    if spec is None:
        for p in reg.values():
            if p.prefix and name.startswith(p.name):
                spec = p
                break
        else:
            v = ctx.variables.get(name)
            if v is None and name.startswith("r_"):  # router variables: unset here
                return ""
            return v
    v = spec.getter(ctx) if spec.getter is not None else ctx.variables.get(name)
    if v is None:
        return ""
    if spec.tainted and type(v) is not TaintedStr:
        return TaintedStr(v)
    return v


def known_variable(ctx: Any, name: str) -> bool:
    """Whether ``$name`` names a variable (set or not), without reading it."""
    if name in ("item", "value") or ACL_VAR.match(name) or name in ctx.variables or name.startswith("r_"):
        return True
    reg = ctx.registry.variables
    if name in reg:
        return True
    return any(p.prefix and name.startswith(p.name) for p in reg.values())


_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(?==\?)")


def _word_bytes(enc: str, text: str) -> bytes | None:
    import base64
    import binascii
    import quopri

    try:
        if enc in "Bb":
            return base64.b64decode(text + "=" * (-len(text) % 4))
        return quopri.decodestring(text.replace("_", " ").encode("ascii", "surrogateescape"), header=True)
    except (binascii.Error, ValueError):
        return None


def _decode_2047(s: str, translate: bool = True) -> str:
    """RFC 2047 encoded words decoded as Exim does: into UTF-8 (``translate``),
    or left as the raw bytes for ``$bh_``; an unknown charset gives the raw bytes."""
    if "=?" not in s:
        return s
    s = _BETWEEN_WORDS.sub(r"\1", s)

    def word(m: re.Match[str]) -> str:
        raw = _word_bytes(m.group(2), m.group(3))
        if raw is None:
            return m.group()
        if translate:
            try:
                return raw.decode(m.group(1))
            except (LookupError, UnicodeDecodeError):
                pass
        return raw.decode("utf-8", "surrogateescape")

    return _ENCODED_WORD.sub(word, s)


def header(ctx: Any, kind: str, name: str, exists_only: bool = False) -> str | None:
    """All instances of header ``name`` combined as Exim's ``$<kind>_name:``;
    None when there is none."""
    want = name.lower()
    raw = kind == "rh"
    as_list = kind == "lh"
    found = False
    pieces: list[str] = []
    total = 0
    comma = want in _ADDRESS_HEADERS
    for hname, value in ctx.headers:
        if hname.lower() != want:
            continue
        if exists_only:
            return ""
        found = True
        text = value + "\n"
        if as_list:
            text = text.rstrip("\n")
            text = text.replace(":", "::")
        elif not raw:
            text = text.strip(" \t\r\n\f\v")
        if total + len(text) > HEADER_MAXLEN:
            text = text[: HEADER_MAXLEN - total]
        pieces.append(text)
        total += len(text)
        if total >= HEADER_MAXLEN:
            break
    if not found:
        return None
    if raw:
        out = "".join(pieces)
    elif as_list:
        out = ":".join(pieces)
    else:
        out = (",\n" if comma else "\n").join(p for p in pieces if p)
        out = _decode_2047(out, kind != "bh")  # $bh_ decodes without charset translation
    return TaintedStr(out)


# ---- lists




def list_items(ctx: Any, text: str) -> list[str]:
    limit = ctx.limits.max_list_items
    out: list[str] = []
    for item in iter_list(text):
        if len(out) >= limit:
            raise ExpansionError(f"too many list items (more than {limit})")
        out.append(item)
    if type(text) is TaintedStr:
        return [taint(x) for x in out]
    return out


def list_sep(text: str) -> str:
    """The separator of an Exim list (``<x`` at the start changes it)."""
    return list_separator(text)[0]


def list_join(items: list[str], sep: str) -> str:
    """Items joined as Exim builds an output list: separators inside doubled, and
    an empty item after the first written as one space so that it is not lost."""
    from acl.runtime.values import join

    parts: list[str] = []
    for i, it in enumerate(items):
        if i:
            parts.append(sep)
            if not it:
                parts.append(" ")
                continue
        parts.append(type(it)(it.replace(sep, sep + sep)) if sep in it else it)
    return join(parts)
