"""Linear searches of text files: lsearch, wildlsearch and nwildlsearch.

The file format is the traditional alias-file one. A key runs to a colon or
white space (or is a double-quoted string with escapes); the data is the rest of
the line after optional white space and one optional colon, joined with any
following lines that start with white space. Comment and blank lines are
skipped between entries but end a continuation. The scan is shared with
iplsearch, which only changes how a file key matches."""

from __future__ import annotations

from typing import Any, Callable

from acl.errors import ExpansionError, ForcedFail
from acl.runtime.escapes import unescape_until
from acl.lookups.base import (
    C_SPACE, SINGLE_KEY, Defer, Found, LookupSpec, ascii_lower, decode, file_memo, option,
    read_regular_file,
)

# match(file_key) -> True when the line's key matches; may raise Defer.
Matcher = Callable[[str], bool]


def open_lsearch(ctx: Any, filename: str) -> str:
    """The file's text (the handle of every linear search)."""
    return decode(read_regular_file(filename, "linear search", "lsearch", file_memo(ctx)))


def split_key(line: str) -> tuple[str, int]:
    """The key at the start of a line and the index just past it."""
    if line[0] != '"':
        i = 0
        while i < len(line) and line[i] != ":" and line[i] not in C_SPACE:
            i += 1
        return line[:i], i
    key, i = unescape_until(line, 1, '"')
    if i < len(line):
        i += 1  # past the closing quote
    return key, i


def scan(text: str, match: Matcher, full: bool = False) -> str | None:
    """The data for the first line whose key satisfies ``match``."""
    lines = text.split("\n")
    last = len(lines) - 1  # lines[last] had no newline after it
    i = 0
    while i <= last:
        line, eol = lines[i], i < last
        i += 1
        if eol:
            line = line.rstrip(C_SPACE)
        if not line or line[0] == "#" or line[0] in C_SPACE:
            continue
        key, pos = split_key(line)
        if not match(key):
            continue
        if full:
            parts = [key + line[pos:]]
        else:
            s = pos
            while s < len(line) and line[s] in C_SPACE:
                s += 1
            if s < len(line) and line[s] == ":":
                s += 1
                while s < len(line) and line[s] in C_SPACE:
                    s += 1
            parts = [line[s:]]
        while i <= last:  # continuation lines
            line = lines[i] if i == last else lines[i].rstrip(C_SPACE)
            if not line or line[0] not in C_SPACE:
                break
            i += 1
            parts.append(line.lstrip(C_SPACE))
        return " ".join(parts)
    return None


def find_lsearch(ctx: Any, text: str, filename: str | None, key: str, opts: str | None) -> Found:
    folded = ascii_lower(key)
    data = scan(text, lambda k: len(k) == len(key) and ascii_lower(k) == folded, _full(opts))
    return Found(data)


def _full(opts: str | None) -> bool:
    return option(opts, "ret") == "full"


# ---- wildlsearch / nwildlsearch


def match_wild_key(ctx: Any, subject: str, pattern: str, expand: bool) -> bool:
    """One line key used as a one-item string list (match_isinlist with no
    separator): optional expansion, '!' negation, '^regex', '*suffix', a nested
    'type;file' lookup, else a caseless literal."""
    if expand:
        from acl.expansion import expand as expand_string

        try:
            pattern = expand_string(pattern, ctx)
        except ForcedFail:
            return False
        except ExpansionError:
            raise Defer("") from None  # Exim logs the reason and leaves the message empty
    item = pattern.strip(C_SPACE)
    negated = item.startswith("!")
    if negated:
        item = item[1:].lstrip(C_SPACE)
    return _check_string(ctx, subject, item) != negated


def _check_string(ctx: Any, subject: str, pattern: str) -> bool:
    if pattern.startswith("^"):
        from acl.runtime.regex import compile_regex, search

        return search(compile_regex(pattern, caseless=True), subject, ctx) is not None
    if pattern.startswith("*"):
        tail = ascii_lower(pattern[1:])
        return ascii_lower(subject).endswith(tail)
    ltype, semi, source = pattern.partition(";")
    if not semi:
        return ascii_lower(subject) == ascii_lower(pattern)
    from acl.lookups import list_lookup

    return list_lookup(ctx, ltype, source.lstrip(C_SPACE), subject) is not None


def _wild_finder(expand: bool) -> Callable[..., Found]:
    def find(ctx: Any, text: str, filename: str | None, key: str, opts: str | None) -> Found:
        data = scan(text, lambda k: match_wild_key(ctx, key, k, expand), _full(opts))
        # A regex may have matched: Exim unsets the numeric variables.
        return Found(data, reset_numeric=data is not None)

    return find


LOOKUPS = [
    LookupSpec(
        "lsearch", SINGLE_KEY, True,
        "Linear search of a text file of 'key: data' lines; keys compared without regard to case.",
        open_lsearch, find_lsearch, options=("ret=full",),
    ),
    LookupSpec(
        "wildlsearch", SINGLE_KEY, True,
        "Like lsearch, but each file key is expanded, then matched as a pattern "
        "(*suffix, ^regex, !negation, type;file).",
        open_lsearch, _wild_finder(True), options=("ret=full",),
    ),
    LookupSpec(
        "nwildlsearch", SINGLE_KEY, True,
        "Like wildlsearch, but the file keys are not expanded.",
        open_lsearch, _wild_finder(False), options=("ret=full",),
    ),
]
