"""Exim's backslash sequences (``string_interpret_escape``), shared by quoted
option values, lsearch keys and the items that unescape their arguments."""

from __future__ import annotations

_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_OCTAL = "01234567"
_HEX = "0123456789abcdefABCDEF"


def interpret_escape(s: str, i: int) -> tuple[str, int]:
    """``s[i]`` is a backslash: the character the sequence stands for and the
    index just after it. Up to three octal digits (the value taken modulo 256),
    ``\\x`` with up to two hex digits (none gives NUL, as in Exim), the C letters,
    otherwise the character itself; a backslash at the very end stands for itself."""
    if i + 1 >= len(s):
        return "\\", i + 1
    ch = s[i + 1]
    j = i + 2
    if ch in _OCTAL:
        val = int(ch)
        for _ in range(2):
            if j < len(s) and s[j] in _OCTAL:
                val = val * 8 + int(s[j])
                j += 1
            else:
                break
        return chr(val & 0xFF), j
    if ch == "x":
        val = 0
        for _ in range(2):
            if j < len(s) and s[j] in _HEX:
                val = val * 16 + int(s[j], 16)
                j += 1
            else:
                break
        return chr(val), j
    return _SIMPLE.get(ch, ch), j


def unescape_until(s: str, i: int, stop: str = "") -> tuple[str, int]:
    """From ``s[i]`` up to the first unescaped ``stop`` character (or the end),
    backslash sequences interpreted: the text and the index of the stop (or
    ``len(s)``). Reads quoted option values and lsearch keys (stop '"'), and
    whole strings for the items that unescape them (no stop)."""
    out: list[str] = []
    n = len(s)
    while i < n and s[i] != stop:
        if s[i] == "\\":
            ch, i = interpret_escape(s, i)
            out.append(ch)
        else:
            out.append(s[i])
            i += 1
    return "".join(out), i
