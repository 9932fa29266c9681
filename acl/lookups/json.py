"""json: the key is a list (colon-separated unless changed with '<') of
selectors walking into the file's JSON structure: an all-digit selector indexes
an array, any other names an object member. A string result is given without
its quotes, an object or array as compact JSON text (as the jansson library
prints it), null counts as not found."""

from __future__ import annotations

import json
import math
from typing import Any

from acl.lookups.base import C_SPACE, SINGLE_KEY, Found, LookupSpec, RawFile, decode, file_memo, open_failed

INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1


class _Bad(ValueError):
    """The file is not JSON that jansson would accept."""


def open_json(ctx: Any, filename: str) -> str:
    try:
        with RawFile(filename) as f:
            return decode(f.read(file_memo(ctx)))
    except OSError as exc:
        raise open_failed(filename, "json search", exc) from None


def _reject_constant(name: str) -> Any:
    raise _Bad(name)


def _int(text: str) -> int:
    v = int(text)
    if not INT_MIN <= v <= INT_MAX:
        raise _Bad("too big integer")
    return v


def load(text: str) -> Any:
    """Parse as jansson does by default: the top level must be an object or array."""
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_int=_int)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, (dict, list)) else None


def selectors(key: str) -> list[str]:
    """Exim list items (string_nextinlist): '<' may change the separator, a
    doubled separator stands for itself, items are trimmed, nothing after a
    final separator counts as an item."""
    sep, i, n = ":", 0, len(key)
    while i < n and key[i] in C_SPACE:
        i += 1
    if i + 1 < n and key[i] == "<" and not key[i + 1].isalnum() and key[i + 1] not in C_SPACE:
        sep, i = key[i + 1], i + 2
    items: list[str] = []
    while True:
        while i < n and key[i] in C_SPACE:
            i += 1
        if i >= n:
            return items
        buf: list[str] = []
        while i < n:
            if key[i] == sep:
                if i + 1 < n and key[i + 1] == sep:
                    i += 1
                else:
                    break
            buf.append(key[i])
            i += 1
        i += 1  # past the separator
        items.append("".join(buf).rstrip(C_SPACE))


def dumps(value: Any) -> str:
    """json_dumps(value, 0): ', ' and ': ' separators, non-ASCII kept."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(k)}: {dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return _real(value)
    return str(value)


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _real(v: float) -> str:
    if not math.isfinite(v):
        return "null"
    text = "%.17g" % v
    if "e" in text:
        mant, _, exp = text.partition("e")
        exp = exp.lstrip("+")
        neg = exp.startswith("-")
        exp = exp.lstrip("-").lstrip("0") or "0"
        return f"{mant}e{'-' if neg else ''}{exp}"
    return text if "." in text else text + ".0"


def find_json(ctx: Any, text: str, filename: str | None, key: str, opts: str | None) -> Found:
    node = load(text)
    if node is None:
        return Found(None)
    for sel in selectors(key):
        if sel.isascii() and sel.isdigit() or sel == "":
            if not isinstance(node, list) or int(sel or "0") >= len(node):
                return Found(None)
            node = node[int(sel or "0")]
        else:
            if not isinstance(node, dict) or sel not in node:
                return Found(None)
            node = node[sel]
    if node is None:
        return Found(None)
    if isinstance(node, str):
        return Found(node)
    if isinstance(node, bool):
        return Found("true" if node else "false")
    if isinstance(node, int):
        return Found(str(node))
    if isinstance(node, float):
        return Found("%f" % node)
    return Found(dumps(node))


LOOKUPS = [
    LookupSpec(
        "json", SINGLE_KEY, True,
        "The key is a list of selectors (member names, or array indexes from 0) into a JSON file.",
        open_json, find_json,
    ),
]
