"""Regular expressions, PCRE2-compatible as far as the ``regex`` module allows,
every match bounded in time (a catastrophic pattern is an expansion error, never
a hang). Shared by the ``match`` condition, ``${sg}``, ``^regex`` list items and
the linter.

Interface (kept stable for the other modules):
    compile_regex(pattern, *, caseless=False) -> regex.Pattern   (ExpansionError on bad syntax)
    search(pattern_obj, subject, ctx) -> regex.Match | None      (ExpansionError on time-out)
    set_captures(ctx, match) -> None                              ($0..$9 in ctx.bindings)

PCRE2 syntax the ``regex`` module lacks (``\\Q..\\E``, ``\\x{hh}``, ``\\e``,
``\\cX``, ``\\o{}``, ``\\k<name>``, ``\\g{n}``, ``\\H``, ``\\v``, ``\\N``, ``\\Z``,
``{,n}`` as a literal) is rewritten first; compile errors are reported in
PCRE2's words and offsets where a mapping is known. Exim runs PCRE2 without
UTF, so character classes and caseless matching are ASCII-only (regex.ASCII).
"""

from __future__ import annotations

import functools
from typing import Any

import regex

from acl.errors import ExpansionError

DEFAULT_TIMEOUT = 1.0
CONCURRENT_FROM = 4096  # subject length from which a search releases the GIL
_FLAGS = regex.VERSION0 | regex.ASCII

# PCRE2 non-UTF vertical / horizontal white space.
_VSPACE = "\\n\\x0b\\f\\r\\x85"
_HSPACE = "\\t \\xa0"
_SIMPLE_ESCAPES = {
    "e": "\\x1b",
    "N": "[^\\n]",
    "H": f"[^{_HSPACE}]",
    "v": f"[{_VSPACE}]",
    "V": f"[^{_VSPACE}]",
    "Z": "(?=\\n?\\z)",
}
# The same inside a character class (no brackets).
_CLASS_ESCAPES = {"e": "\\x1b", "h": _HSPACE, "v": _VSPACE}
_QUANT = regex.compile(r"\{(\d*)(?:,(\d*))?\}")
_HEX = set("0123456789abcdefABCDEF")


class _PcreError(Exception):
    def __init__(self, msg: str, pos: int) -> None:
        super().__init__(msg)
        self.msg, self.pos = msg, pos


def _lit(ch: str) -> str:
    return regex.escape(ch, special_only=False) if ch not in "\n" else "\\n"


_CAPTURE = regex.compile(r"(?<!\\)\((?!\?)|\(\?P?<(?![=!])|\(\?'")


def _reference(before: str, ref: str, *, call: bool) -> str:
    """A back reference (or, for ``\\g<..>``, a subroutine call) in regex syntax."""
    if ref.lstrip("-").isdigit():
        num = int(ref)
        if num < 0:  # relative to the groups opened so far
            num = len(_CAPTURE.findall(before)) + num + 1
        return f"(?{num})" if call else f"(?:\\{num})"
    return f"(?&{ref})" if call else f"(?P={ref})"


def _translate(p: str) -> str:
    """Rewrite PCRE2-only constructs into the ``regex`` module's dialect."""
    out: list[str] = []
    i, n = 0, len(p)
    in_class = False
    names: set[str] = set()
    while i < n:
        c = p[i]
        if c == "\\" and i + 1 < n:
            e = p[i + 1]
            if e == "Q":  # literal text up to \E (or the end)
                j = p.find("\\E", i + 2)
                j = n if j < 0 else j
                out.append("".join(_lit(x) for x in p[i + 2:j]))
                i = j + 2
                continue
            if e == "E":
                i += 2
                continue
            if e == "x":
                if i + 2 < n and p[i + 2] == "{":
                    j = p.find("}", i + 3)
                    digits = p[i + 3:j] if j > 0 else ""
                    if j < 0 or not digits or not set(digits) <= _HEX:
                        bad = i + 3 + next((k for k, x in enumerate(p[i + 3:]) if x not in _HEX), 0)
                        raise _PcreError("non-hex character in \\x{} (closing brace missing?)", bad)
                    out.append(_lit(chr(int(digits, 16))))
                    i = j + 1
                    continue
                k = i + 2
                while k < n and k < i + 4 and p[k] in _HEX:
                    k += 1
                out.append(_lit(chr(int(p[i + 2:k] or "0", 16))))
                i = k
                continue
            if e == "o" and i + 2 < n and p[i + 2] == "{":
                j = p.find("}", i + 3)
                if j > 0 and p[i + 3:j].isdigit() and set(p[i + 3:j]) <= set("01234567"):
                    out.append(_lit(chr(int(p[i + 3:j], 8))))
                    i = j + 1
                    continue
            if e == "c":
                if i + 2 >= n:
                    raise _PcreError("\\c at end of pattern", n)
                out.append(_lit(chr(ord(p[i + 2].upper()) ^ 0x40)))
                i += 3
                continue
            if in_class and e in _CLASS_ESCAPES:
                out.append(_CLASS_ESCAPES[e])
                i += 2
                continue
            if not in_class and e in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[e])
                i += 2
                continue
            if not in_class and e in "kg":
                m = regex.match(r"[kg](?:<(\w+)>|'(\w+)'|\{(-?\w+)\}|(-?\d+))", p[i + 1:])
                if m is None or (e == "k" and m.group(4) is not None):
                    if e == "k":
                        raise _PcreError("\\k is not followed by a braced, angle-bracketed, or quoted name", i + 2)
                    raise _PcreError(
                        "\\g is not followed by a braced, angle-bracketed, or quoted name/number "
                        "or by a plain number", i + 2)
                ref = next(g for g in m.groups() if g is not None)
                out.append(_reference(p[:i], ref, call=e == "g" and m.lastindex in (1, 2)))
                i += 1 + m.end()
                continue
            if e in "pP" and p.startswith("{", i + 2):  # \p{Name}: keep the braces
                j = p.find("}", i + 2)
                j = n - 1 if j < 0 else j
                out.append(p[i:j + 1])
                i = j + 1
                continue
            out.append(p[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            elif c == "[" and p.startswith(("[:", "[=", "[."), i):
                j = p.find(":]", i + 2)
                if j > 0:
                    out.append(p[i:j + 2])
                    i = j + 2
                    continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            # A ']' straight after '[' or '[^' is a literal member.
            if p.startswith("^", i):
                out.append("^")
                i += 1
            if p.startswith("]", i):
                out.append("\\]")
                i += 1
            continue
        if c == "{":
            m = _QUANT.match(p, i)
            if m is None or m.group(1) == "":
                out.append("\\{")  # not a quantifier in PCRE2 10.42: a literal brace
                i += 1
                continue
            for g in m.groups():
                if g and int(g) > 65535:
                    raise _PcreError("number too big in {} quantifier", m.end() - 1)
        if c == "(" and p.startswith(("(?<", "(?P<", "(?'"), i):
            m = regex.match(r"\(\?P?[<'](\w+)[>']", p[i:])
            if m is not None:
                if m.group(1) in names:
                    raise _PcreError("two named subpatterns have the same name (PCRE2_DUPNAMES not set)",
                                     i + m.end())
                names.add(m.group(1))
                out.append(f"(?P<{m.group(1)}>")
                i += m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


# regex-module message -> PCRE2 message, and how to move the offset.
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing )": ("missing closing parenthesis", "end"),
    "unterminated character set": ("missing terminating ] for character class", "end"),
    "nothing to repeat": ("quantifier does not follow a repeatable item", "quant"),
    "multiple repeat": ("quantifier does not follow a repeatable item", "quant"),
    "missing group name": ("subpattern name expected", "same"),
    "missing >": ("syntax error in subpattern name (missing terminator?)", "same"),
    "bad escape (end of pattern)": ("\\ at end of pattern", "end"),
    "min repeat greater than max repeat": ("numbers out of order in {} quantifier", "quant"),
    "unbalanced parenthesis": ("unmatched closing parenthesis", "same"),
    "bad character range": ("range out of order in character class", "back"),
    "invalid group reference": ("reference to non-existent subpattern", "back"),
    "unknown group": ("reference to non-existent subpattern", "paren"),
    "unknown verb": ("(*VERB) not recognized or malformed", "paren"),
    "unknown property": ("unknown property after \\P or \\p", "same"),
}


def _pcre_message(pattern: str, msg: str, pos: int | None) -> tuple[str, int]:
    n = len(pattern)
    pos = n if pos is None else min(pos, n)
    if msg == "missing )":
        k = pattern.rfind("(?#")
        if k >= 0 and ")" not in pattern[k:]:
            return "missing ) after (?# comment", n
        k = pattern.rfind("(?R")
        if k >= 0 and ")" not in pattern[k:]:
            return "(?R (recursive pattern call) must be followed by a closing parenthesis", k + 3
        m = regex.search(r"\(\?P?(?:<|=|')\w*$", pattern)
        if m is not None and m.end() == n and not pattern.endswith("(?<"):
            return "syntax error in subpattern name (missing terminator?)", n
    if msg == "unknown extension":
        if pos >= n:
            return "missing closing parenthesis", n
        return "unrecognized character after (? or (?-", pos
    if msg == "unknown property":
        k = pattern.rfind("[:", 0, pos)
        if k >= 0 and not regex.search(r"\\[pP]\{?\w*\}?$", pattern[:pos]):
            return "unknown POSIX class name", k + 2
    if msg.startswith("bad escape \\") and len(msg) == 13:
        letter = msg[-1]
        if letter in "kg":
            return _translate_error(pattern)
    mapped = _MESSAGES.get(msg)
    if mapped is None:
        return msg, pos
    text, how = mapped
    if how == "end":
        pos = n
    elif how == "quant":  # PCRE2 points at the quantifier's last character
        if pos < n and pattern[pos] == "{" or "{" in pattern[max(pos - 1, 0):pos + 1]:
            close = pattern.find("}", pos)
            pos = close if close > 0 else pos
    elif how == "back":
        pos = max(pos - 1, 0)
    elif how == "paren":
        close = pattern.find(")", pos)
        pos = close if close > 0 else n
    return text, pos


def _translate_error(pattern: str) -> tuple[str, int]:
    try:
        _translate(pattern)
    except _PcreError as e:
        return e.msg, e.pos
    return "unrecognized escape", len(pattern)


@functools.lru_cache(maxsize=4096)
def _compile(pattern: str, flags: int) -> "regex.Pattern[str]":
    try:
        translated = _translate(pattern)
    except _PcreError as e:
        raise ExpansionError(f'regular expression error in "{pattern}": {e.msg} at offset {e.pos}') from None
    try:
        return regex.compile(translated, flags | _FLAGS)
    except regex.error as exc:
        if translated == pattern:
            msg, pos = _pcre_message(pattern, exc.msg, exc.pos)
        else:
            msg, pos = _pcre_message(translated, exc.msg, exc.pos)
            pos = min(pos, len(pattern))
        raise ExpansionError(f'regular expression error in "{pattern}": {msg} at offset {pos}') from None


def compile_regex(pattern: str, *, caseless: bool = False) -> "regex.Pattern[str]":
    return _compile(pattern, regex.IGNORECASE if caseless else 0)


def _to_bytes(s: str) -> str:
    """UTF-8 bytes as a str of code points 0-255, so that one char is one byte."""
    return s.encode("utf-8", "surrogateescape").decode("latin-1")


def _from_bytes(s: str) -> str:
    return s.encode("latin-1").decode("utf-8", "surrogateescape")


@functools.lru_cache(maxsize=1024)
def _byte_pattern(pattern: str, flags: int) -> "regex.Pattern[str]":
    return regex.compile(_to_bytes(pattern), flags)


class ByteMatch:
    """A match made on the UTF-8 bytes (as PCRE2 without UTF does), read back as
    text; offsets are converted to character offsets of the original subject."""

    def __init__(self, m: "regex.Match[str]") -> None:
        self._m = m

    def _text(self, g: str | None) -> str | None:
        return None if g is None else _from_bytes(g)

    def group(self, *idx: int | str) -> Any:
        got = self._m.group(*idx)
        return tuple(self._text(g) for g in got) if isinstance(got, tuple) else self._text(got)

    def __getitem__(self, idx: int | str) -> str | None:
        return self.group(idx)

    def groups(self, default: str | None = None) -> tuple[str | None, ...]:
        return tuple(self._text(g) if g is not None else default for g in self._m.groups())

    def groupdict(self, default: str | None = None) -> dict[str, str | None]:
        return {k: self._text(v) if v is not None else default for k, v in self._m.groupdict().items()}

    def _pos(self, byte_pos: int) -> int:
        return len(_from_bytes(self._m.string[:byte_pos])) if byte_pos > 0 else byte_pos

    def start(self, g: int | str = 0) -> int:
        return self._pos(self._m.start(g))

    def end(self, g: int | str = 0) -> int:
        return self._pos(self._m.end(g))

    def span(self, g: int | str = 0) -> tuple[int, int]:
        return self.start(g), self.end(g)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._m, name)


# Longest subject searched without a time limit, by the number of
# quantifiers of a pattern whose backtracking is polynomial (see _quantifiers):
# none is linear, one at worst quadratic, two cubic.
_UNTIMED_UP_TO = (65536, 2048, 256)


def class_end(pattern: str, i: int) -> int:
    """The index after the character class opened by the ``[`` at ``i`` (a
    ``]`` first in the class, after an optional ``^``, is a member)."""
    n = len(pattern)
    j = i + 1
    if j < n and pattern[j] == "^":
        j += 1
    if j < n and pattern[j] == "]":
        j += 1
    while j < n and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


@functools.lru_cache(maxsize=4096)
def _quantifiers(pattern: str) -> int:
    """How many quantifiers ``pattern`` has when it can only backtrack
    polynomially: no quantified group, back reference, lookaround or other
    ``(?`` construct (whose cost can grow exponentially); else a large number."""
    many = len(_UNTIMED_UP_TO)
    count, i, n = 0, 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 < n and (pattern[i + 1].isdigit() or pattern[i + 1] in "gkpPX"):
                return many  # references, properties: not worth judging
            i += 2
            continue
        if c == "[":  # a class is one atom
            i = class_end(pattern, i)
            continue
        if c == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                return many
            i += 3 if pattern.startswith("(?:", i) else 1
            continue
        if c == ")" and i + 1 < n and pattern[i + 1] in "*+?{":
            return many
        if c in "*+?{":
            count += 1
            if i + 1 < n and pattern[i + 1] in "?+":  # lazy or possessive: the same quantifier
                i += 1
        i += 1
    return count


def _time_limited(pat: "regex.Pattern[str]", subject: str) -> bool:
    """Whether a search needs the regex module's time limit, which reads the
    process's CPU clock (a system call summing every thread) twice per
    search: more than the search itself for a local part or an address."""
    q = _quantifiers(pat.pattern)
    return q >= len(_UNTIMED_UP_TO) or len(subject) > _UNTIMED_UP_TO[q]


def search(pat: "regex.Pattern[str]", subject: str, ctx: Any = None) -> "regex.Match[str] | ByteMatch | None":
    """Search ``subject``. Text that is not pure ASCII is matched byte by byte,
    as Exim does (``.`` is one byte of a UTF-8 character)."""
    timeout: float | None = ctx.limits.regex_timeout if ctx is not None else DEFAULT_TIMEOUT
    shown = pat.pattern
    text = subject if subject.isascii() and shown.isascii() else None
    if text is None:
        text = _to_bytes(subject)
        pat = _byte_pattern(shown, pat.flags)
    if not _time_limited(pat, text):
        timeout = None
    # Releasing the GIL costs two thread switches, more than a search of a
    # short subject (a local part, an address); long ones (headers, bodies)
    # let other threads run meanwhile.
    try:
        m = pat.search(text, timeout=timeout, concurrent=len(text) > CONCURRENT_FROM)
        return m if m is None or text is subject else ByteMatch(m)
    except TimeoutError:
        raise ExpansionError(
            f'regular expression "{shown}" took more than {timeout:g}s to match (limit exceeded)'
        ) from None


def set_captures(ctx: Any, m: Any) -> None:
    """$0 and every capture group ($1, ... $10 and beyond, as Exim allows)."""
    b = ctx.bindings
    for k in [k for k in b if k.isdigit()]:
        del b[k]
    groups = [m.group(0)] + list(m.groups())
    for i, g in enumerate(groups):
        b[str(i)] = g if g is not None else ""
