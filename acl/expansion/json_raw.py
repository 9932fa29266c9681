"""JSON as Exim's extract json / forall_json read it: by scanning the text, not
by decoding it. Elements are the raw text between commas at depth zero (leading
white space skipped, trailing kept), strings keep their backslashes, and a
repeated key gives its first value."""

from __future__ import annotations

_WS = " \t\n\r\f\v"


def dewrap(s: str, wrap: str) -> str | None:
    """The text inside ``wrap[0]`` ... ``wrap[1]`` at the start of ``s`` (None if
    not so wrapped)."""
    i = 0
    n = len(s)
    while i < n and s[i] in _WS:
        i += 1
    if i >= n or s[i] != wrap[0]:
        return None
    start = i = i + 1
    if wrap[0] == '"':  # a string: up to the first quote not after a backslash
        while i < n and s[i] != '"':
            i += 2 if s[i] == "\\" else 1
        return s[start:i] if i < n else None
    quoted = False
    depth = 0
    while i < n:
        c = s[i]
        if c == "\\":
            i += 1
        elif not quoted and c in "{[":
            depth += 1
        elif c == '"':
            quoted = not quoted
        elif not quoted and c in "}]" and (c != wrap[1] or depth):
            depth -= 1
        elif c == wrap[1] and not quoted and depth == 0:
            return s[start:i]
        i += 1
    return None


def elements(s: str, limit: int = 1_000_000) -> list[str]:
    """The top-level elements of the inside of an array or object."""
    out: list[str] = []
    i, n = 0, len(s)
    for _ in range(limit):
        while i < n and s[i] in _WS:
            i += 1
        start = i
        depth = 0
        quoted = False
        while i < n and (s[i] != "," or depth or quoted):
            c = s[i]
            if quoted:
                if c == "\\":
                    i += 1
                elif c == '"':
                    quoted = False
            elif c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
            elif c == '"':
                quoted = True
            i += 1
        if i == start:
            break
        out.append(s[start:i])
        i = i + 1 if i < n else i
    return out


def member(obj: str, key: str) -> str | None:
    """The raw value of the first ``"key": value`` among an object's elements."""
    for el in elements(obj):
        name = dewrap(el, '""')
        if name is None or name != key:
            continue
        rest = el.lstrip(_WS)
        j = rest.index('"', 1) + 1 if '"' in rest[1:] else len(rest)
        while j < len(rest) and rest[j] in _WS:
            j += 1
        if j < len(rest) and rest[j] == ":":
            return rest[j + 1:].lstrip(_WS)
    return None
