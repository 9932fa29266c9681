"""List operators: listcount and listnamed, with a private copy of Exim's list
splitting rules (string_nextinlist) so that counts match Exim byte for byte."""

from __future__ import annotations

from typing import Any

from acl.builtins.registry import operator
from acl.errors import ExpansionError

from ._common import c_iscntrl, c_ispunct, c_isspace, from_bytes, suffix, to_bytes

ANY = (0, 64)
_MAX_NESTING = 50  # named lists referring to named lists


def split_list(b: bytes, sep: int = 0) -> tuple[list[bytes], int]:
    """(items, separator) of an Exim list: optional ``<c`` separator change,
    leading white space skipped, doubled separators as data, trailing white space
    trimmed (unless escaped by a backslash)."""
    items: list[bytes] = []
    s = b + b"\0"
    p = 0

    def skip(p: int, sep: int) -> int:
        while c_isspace(s[p]) and s[p] != sep:
            p += 1
        return p

    p = skip(p, sep)
    if sep <= 0:
        if s[p] == 0x3C and (c_ispunct(s[p + 1]) or c_iscntrl(s[p + 1])):
            sep = s[p + 1]
            p += 1
            if s[p]:
                p += 1
            p = skip(p, sep)
        else:
            sep = -sep if sep else 0x3A
    special = c_iscntrl(sep)
    if sep == 0:  # "<" alone: Exim reads past the end and finds nothing
        return items, sep
    while s[p]:
        if len(items) > 10_000_000:
            break
        if s[p] == sep:
            p += 1
            if s[p] != sep or special:
                items.append(b"")
                p = skip(p, sep)
                continue
        item = bytearray()
        while True:
            q = p + 1
            while s[q] and s[q] != sep:
                q += 1
            item += s[p:q]
            p = q
            if not s[p]:
                break
            p += 1
            if s[p] != sep or special:
                break
        while item and c_isspace(item[-1]) and (len(item) == 1 or item[-2] != 0x5C):
            del item[-1]
        items.append(bytes(item))
        p = skip(p, sep)
    return items, sep


@operator("listcount", params=ANY)
def listcount(subject: str, *params: str) -> str:
    """The number of items in an Exim list."""
    return str(len(split_list(to_bytes(subject))[0]))


_KINDS = {"a": ("address", "address "), "d": ("domain", "domain "), "h": ("host", "host "),
          "l": ("localpart", "localpart ")}
_SEARCH_ORDER = ("address", "domain", "host", "localpart")


def _named(ctx: Any, kind: str, name: str) -> str | None:
    cfg = getattr(ctx, "config", None) if ctx is not None else None
    tables = getattr(cfg, "named_lists", None) or {}
    entry = (tables.get(kind) or {}).get(name)
    if entry is None:
        return None
    value = getattr(entry, "value", entry)
    return value if isinstance(value, str) else str(value)


def _listnamed(ctx: Any, name: str, arg: str | None, depth: int) -> str:
    if depth > _MAX_NESTING:
        raise ExpansionError(f'named list "{name}" refers to itself too deeply')
    if name.startswith("+"):
        name = name[1:]
    if arg is None:
        kinds: tuple[str, ...] = _SEARCH_ORDER
        label = ""
    elif arg[:1] in _KINDS:
        kinds = (_KINDS[arg[0]][0],)
        label = _KINDS[arg[0]][1]
    else:
        raise ExpansionError('bad suffix on "list" operator')
    raw = None
    for kind in kinds:
        raw = _named(ctx, kind, name)
        if raw is not None:
            break
    if raw is None:
        raise ExpansionError(f'"{name}" is not a {label}named list')
    items, sep = split_list(to_bytes(raw))
    out = []
    for item in items:
        if item[:1] == b"+":
            out.append(to_bytes(_listnamed(ctx, from_bytes(item), arg and arg[0], depth + 1)))
        elif sep != 0x3A:
            out.append(_requote(item, sep))
        else:
            out.append(item)
    return from_bytes(b" : ".join(out))


def _requote(item: bytes, sep: int) -> bytes:
    """An item of a non-colon list, made fit for a colon list: colons doubled,
    a doubled separator emitted once."""
    out = bytearray()
    i = 0
    while i < len(item):
        c = item[i]
        i += 1
        if c == 0x3A:
            out += b"::"
        elif c == sep:
            out.append(c)
            if i < len(item) and item[i] == sep:
                i += 1
        else:
            out.append(c)
    return bytes(out)


@operator("listnamed", params=ANY, ctx=True, pure=False)
def listnamed(ctx: Any, subject: str, *params: str) -> str:
    """The content of a named list (``_a``/``_d``/``_h``/``_l`` select the kind),
    nested named lists expanded, re-quoted for colon separation."""
    return _listnamed(ctx, subject, suffix(params), 0)

