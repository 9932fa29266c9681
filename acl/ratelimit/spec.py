"""Parsing the value of a ``ratelimit`` condition (acl.c acl_ratelimit):
``m / p / options / key``. Checks that depend on the ACL being run (which
per_* options make sense where) are made later, in the algorithm."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from acl.config.options import read_time
from acl.errors import AclError
from acl.runtime.lists import iter_list
from acl.runtime.values import like


class RateLimitError(AclError):
    """Malformed arguments: the condition yields ERROR with this message."""

    def __init__(self, detail: str) -> None:
        super().__init__(f'error in arguments to "ratelimit" condition: {detail}')


class RateLimitDefer(AclError):
    """The hints store could not be used: the condition defers."""


# Per-what modes; the names are the ones Exim puts into the store's key.
PER_MAIL, PER_RCPT, PER_ALLRCPTS = "per_mail", "per_rcpt", "per_allrcpts"
PER_CMD, PER_CONN, PER_ADDR, PER_BYTE = "per_cmd", "per_conn", "per_addr", "per_byte"
CLASH = "!"

_STRTOD = re.compile(
    r"[ \t\n\r\f\v]*[+-]?(?:"
    r"0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
    r"|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?"
    r"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)",
    re.IGNORECASE,
)


def strtod(s: str) -> tuple[float, str]:
    """C's strtod: the longest numeric prefix (0.0 if none) and the rest."""
    m = _STRTOD.match(s)
    if not m:
        return 0.0, s
    text = m.group(0).strip()
    body = text.lstrip("+-")
    if body[:2].lower() == "0x":
        if "p" not in body.lower():
            body += "p0"
        value = float.fromhex(body)
        value = -value if text.startswith("-") else value
    elif body[:3].lower() == "nan":
        value = math.nan
    else:
        try:
            value = float(text)
        except (ValueError, OverflowError):
            value = math.copysign(math.inf, -1.0 if text.startswith("-") else 1.0)
    return value, s[m.end():]


_SIZE_SUFFIX = {"k": 1024.0, "m": 1024.0 * 1024.0, "g": 1024.0 * 1024.0 * 1024.0}


@dataclass(frozen=True)
class RateLimitSpec:
    limit: float
    limit_text: str  # $sender_rate_limit: m as written
    period: float  # seconds, > 0
    period_text: str  # $sender_rate_period: p as written
    per: str | None  # PER_* as written (per_byte/per_addr kept distinct); None if absent
    leaky: bool = False
    strict: bool = False
    readonly: bool = False
    noupdate: bool = False
    count: float | None = None  # count=N; None when not given
    unique: str | None = None  # unique=X
    key: str | None = None  # None: the sender host address


def _per(current: str | None, new: str) -> str:
    # per_addr and per_rcpt are the same class of data, as are per_byte and per_mail.
    return new if current is None else CLASH


def parse_ratelimit(text: str) -> RateLimitSpec:
    """Parse the expanded condition value; raises RateLimitError with Exim's text."""
    items = iter_list(text, "/", fixed=True)
    limit_text = next(items, None)
    if limit_text is None:
        raise RateLimitError("sender rate limit not set")
    limit, rest = strtod(limit_text)
    factor = _SIZE_SUFFIX.get(rest[:1].lower())
    if factor is not None:
        limit, rest = limit * factor, rest[1:]
    if limit < 0.0 or rest:
        raise RateLimitError(f'"{limit_text}" is not a positive number')

    period_text = next(items, None)
    period = read_time(period_text) if period_text is not None else None
    if period is None or period <= 0:
        shown = "NULL" if period_text is None else period_text
        raise RateLimitError(f'"{shown}" is not a time value')

    flags = {"leaky": False, "strict": False, "noupdate": False, "readonly": False}
    per: str | None = None
    count: float | None = None
    unique: str | None = None
    key: str | None = None
    for item in items:
        low = item.lower()
        if low in flags:
            flags[low] = True
        elif low in (PER_CMD, PER_CONN, PER_MAIL, PER_RCPT, PER_BYTE, PER_ADDR):
            per = _per(per, low)
        elif low.startswith("count="):
            count, tail = strtod(item[6:])
            if count < 0.0 or tail:
                raise RateLimitError(f'"{item}" is not a positive number')
        elif low.startswith("unique="):
            unique = item[7:]
        else:
            key = item if key is None else like(f"{key}/{item}", key, item)
    if per == CLASH:
        raise RateLimitError("conflicting per_* options")
    if flags["leaky"] + flags["strict"] + flags["readonly"] > 1:
        raise RateLimitError("conflicting update modes")
    return RateLimitSpec(limit, limit_text, float(period), period_text, per, count=count,
                         unique=unique, key=key, **flags)
