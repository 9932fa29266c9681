"""Just enough of Exim's RFC 2822 address parser (``parse_extract_address``) for
``${srs_encode}``: a bare address, ``<address>`` or ``phrase <address>``, with
comments, quoted local parts and domain literals, and Exim's error texts."""

from __future__ import annotations

_SPECIALS = set('()<>@,;:\\".[]')


class AddressError(ValueError):
    pass


def _skip(s: str, i: int) -> int:
    """Past white space and (nested) comments."""
    n = len(s)
    while i < n:
        if s[i].isspace():
            i += 1
        elif s[i] == "(":
            depth = 0
            while i < n:
                if s[i] == "\\":
                    i += 1
                elif s[i] == "(":
                    depth += 1
                elif s[i] == ")":
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
        else:
            break
    return i


def _word(s: str, i: int) -> tuple[str, int]:
    """An atom or a quoted string at ``s[i]`` ("" when there is none)."""
    n = len(s)
    if i < n and s[i] == '"':
        j = i + 1
        while j < n and s[j] != '"':
            j += 2 if s[j] == "\\" else 1
        j = min(j + 1, n)
        return s[i:j], j
    j = i
    while j < n and not (s[j] in _SPECIALS or s[j].isspace() or ord(s[j]) < 32 or s[j] == "\x7f"):
        j += 1
    return s[i:j], j


def _dotted(s: str, i: int, domain: bool) -> tuple[str, int]:
    """Words joined by dots: a local part (empty words allowed, as Exim is
    lenient there) or a domain (atoms only, none empty)."""
    if domain:
        i = _skip(s, i)
        if i < len(s) and s[i] == "[":
            j = s.find("]", i)
            if j < 0:
                raise AddressError("domain missing or malformed")
            return s[i : j + 1], j + 1
    parts: list[str] = []
    while True:
        i = _skip(s, i)
        w, i = _word(s, i)
        if domain and (not w or w.startswith('"')):
            raise AddressError("domain missing or malformed")
        parts.append(w)
        j = _skip(s, i)
        if j < len(s) and s[j] == ".":
            parts.append(".")
            i = j + 1
            continue
        return "".join(parts), i


def extract_address(text: str) -> tuple[str, int]:
    """The address in ``text`` and the offset of its domain (0 when there is none)."""
    s = text
    i = _skip(s, 0)
    route = i < len(s) and s[i] == "<"
    if route:
        i += 1
    local, j = _dotted(s, i, False)
    k = _skip(s, j)
    if not route and k < len(s) and s[k] not in "@" and "<" in s[k:]:
        route = True  # "phrase <address>"
        local, j = _dotted(s, s.index("<", k) + 1, False)
        k = _skip(s, j)
    if not local:
        raise AddressError("no local part" if not route and k < len(s) and s[k] == "@"
                           else "missing or malformed local part")
    if not route and k < len(s) and s[k] not in "@":
        raise AddressError('missing or malformed local part (expected word or "<")')
    domain = ""
    if k < len(s) and s[k] == "@":
        domain, j = _dotted(s, k + 1, True)
        k = _skip(s, j)
    if route:
        if k >= len(s) or s[k] != ">":
            raise AddressError("'>' missing at end of address")
        k = _skip(s, k + 1)
    if k < len(s):
        raise AddressError(f"malformed address: {s[k:k + 32]} may not follow {s[:k]}")
    if domain:
        return f"{local}@{domain}", len(local) + 1
    return local, 0
