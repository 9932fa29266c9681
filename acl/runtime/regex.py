"""Regular expressions, PCRE2-compatible as far as the ``regex`` module allows,
every match bounded in time (a catastrophic pattern is an expansion error, never
a hang). Shared by the ``match`` condition, ``${sg}``, ``^regex`` list items and
the linter.

Interface (kept stable for the other modules):
    compile_regex(pattern, *, caseless=False) -> regex.Pattern   (ExpansionError on bad syntax)
    search(pattern_obj, subject, ctx) -> regex.Match | None      (ExpansionError on time-out)
    set_captures(ctx, match) -> None                              ($0..$9 in ctx.bindings)
"""

from __future__ import annotations

import functools
from typing import Any

import regex

from acl.errors import ExpansionError

DEFAULT_TIMEOUT = 1.0


@functools.lru_cache(maxsize=4096)
def _compile(pattern: str, flags: int) -> "regex.Pattern[str]":
    return regex.compile(pattern, flags | regex.VERSION0)


def compile_regex(pattern: str, *, caseless: bool = False) -> "regex.Pattern[str]":
    try:
        return _compile(pattern, regex.IGNORECASE if caseless else 0)
    except regex.error as exc:
        pos = exc.pos if exc.pos is not None else len(pattern)
        raise ExpansionError(
            f'regular expression error in "{pattern}": {exc.msg} at offset {pos}'
        ) from None


def search(pat: "regex.Pattern[str]", subject: str, ctx: Any = None) -> "regex.Match[str] | None":
    timeout = ctx.limits.regex_timeout if ctx is not None else DEFAULT_TIMEOUT
    try:
        return pat.search(subject, timeout=timeout)
    except TimeoutError:
        raise ExpansionError(
            f'regular expression "{pat.pattern}" took more than {timeout:g}s to match (limit exceeded)'
        ) from None


def set_captures(ctx: Any, m: "regex.Match[str]") -> None:
    b = ctx.bindings
    for i in range(10):
        b.pop(str(i), None)
    groups = [m.group(0)] + list(m.groups())
    for i, g in enumerate(groups[:10]):
        b[str(i)] = g if g is not None else ""
