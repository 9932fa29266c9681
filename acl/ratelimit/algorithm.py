"""The rate computation of acl.c acl_ratelimit: option defaults that depend on
the ACL, the store key, the per-session caches, the Bloom filter of unique=
and the exponentially weighted moving average."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Callable

from acl.ratelimit.spec import (PER_ADDR, PER_ALLRCPTS, PER_BYTE, PER_CONN, PER_MAIL,
                                PER_RCPT, RateLimitError, RateLimitSpec)
from acl.ratelimit.store import RateRecord, Store

# The ACLs that run inside a message transaction (acl_where <= ACL_WHERE_NOTSMTP
# in Exim's ordering).
_IN_MESSAGE = frozenset({"rcpt", "mail", "predata", "mime", "not_smtp_mime", "dkim", "data",
                         "prdr", "not_smtp"})
_AFTER_RCPT = _IN_MESSAGE - {"rcpt", "mail"}  # predata .. not_smtp

BLOOM_MIN = 40  # sizeof(dbdata_ratelimit_unique.bloom)
BLOOM_MAX = 1 << 24  # a bound of ours: limits are configuration, but stay sane


@dataclass(frozen=True)
class RateLimitResult:
    over_limit: bool  # the condition is true
    sender_rate: str  # "%.1f" of the computed rate
    sender_rate_limit: str
    sender_rate_period: str
    rate: float = 0.0
    store_key: str = ""


@dataclass(frozen=True)
class _Plan:
    """The spec resolved for one ACL: what Exim computes before touching the store."""

    mode: str  # key class: per_mail, per_rcpt, per_cmd, per_conn
    tree: str  # which cache: "cmd", "mail", "conn"
    readonly: bool
    leaky: bool
    strict: bool
    count: float
    unique: str | None
    key: str


def _plan(spec: RateLimitSpec, host_key: str | None, where: str, message_size: int,
          recipient: str | None, recipients_count: int) -> _Plan:
    count = 1.0
    badacl = False
    unique = spec.unique
    mode = spec.per or PER_MAIL
    per = spec.per
    if per == PER_CONN:
        badacl = where in ("not_smtp", "not_smtp_start")
    elif per == PER_MAIL:
        badacl = where not in _IN_MESSAGE
    elif per == PER_RCPT:
        if where == "rcpt":
            pass
        elif where in _AFTER_RCPT:
            mode, count = PER_ALLRCPTS, float(recipients_count)
        else:
            badacl = True
    elif per == PER_BYTE:
        mode = PER_MAIL
        if where not in _IN_MESSAGE:
            badacl = True
        else:
            count = 0.0 if message_size < 0 else float(message_size)
    elif per == PER_ADDR:
        mode = PER_RCPT
        if where != "rcpt":
            badacl, unique = True, "*"
        else:
            unique = recipient or "@"
    if spec.count is not None:
        count = spec.count
    if badacl and (spec.leaky or spec.strict) and not spec.noupdate:
        from acl.engine.messages import WHERE_NAMES  # late: the engine imports us

        shown = PER_RCPT if mode == PER_ALLRCPTS else mode
        raise RateLimitError(f'"{shown}" must not have /leaky or /strict option, or cannot '
                             f'be used in {WHERE_NAMES.get(where, where)} ACL')
    readonly = spec.readonly or spec.noupdate or badacl
    strict = spec.strict and not readonly
    leaky = not readonly and not strict
    if readonly:
        count = 0.0
    base = spec.key if spec.key is not None else (host_key or "")
    keyname = PER_RCPT if mode == PER_ALLRCPTS else mode
    key = f"{spec.period_text}/{keyname}/{'' if unique is None else 'unique/'}{base}"
    if readonly:
        tree = "cmd"
    else:
        tree = {PER_CONN: "conn", PER_MAIL: "mail", PER_ALLRCPTS: "mail"}.get(mode, "cmd")
    return _Plan(mode, tree, readonly, leaky, strict, count, unique, key)


def bloom_test_and_set(bloom: bytearray, event: str) -> bool:
    """Add ``event`` to the filter; True if all its bits were already set."""
    digest = hashlib.md5(event.encode("utf-8", "surrogateescape")).digest()
    h = int.from_bytes(digest[0:4], "little")
    inc = int.from_bytes(digest[4:8], "little")
    size = len(bloom)
    seen = True
    for _ in range(8):
        bit = 1 << (h % 8)
        byte = (h // 8) % size
        if not bloom[byte] & bit:
            bloom[byte] |= bit
            seen = False
        h = (h + inc) & 0xFFFFFFFF
    return seen


def _bloom_size(limit: float) -> int:
    whole = int(limit) if math.isfinite(limit) and limit < BLOOM_MAX else BLOOM_MAX
    return min(max(BLOOM_MIN, whole * 2), BLOOM_MAX)


def compute(old: RateRecord | None, *, now: float, period: float, limit: float,
            count: float, unique: str | None, readonly: bool) -> RateRecord:
    """The new record for an event at ``now`` (the heart of acl_ratelimit)."""
    sec = math.floor(now)
    usec = min(int(round((now - sec) * 1_000_000)), 999_999)
    have_rate = old is not None
    rec = old.copy() if old is not None else RateRecord(sec, usec, count)
    if unique is not None:
        if not have_rate or rec.bloom is None or sec > rec.bloom_epoch + period:
            # A new filter sized for the current limit; any rate data is kept.
            rec.bloom_epoch, rec.bloom = sec, bytearray(_bloom_size(limit))
        if not readonly and bloom_test_and_set(rec.bloom, unique):
            count = 0.0
    if not have_rate:
        rec.rate = count  # what the formula gives for an infinite interval
        return rec
    this_time = sec + usec / 1_000_000.0
    prev_time = rec.time_stamp + rec.time_usec / 1_000_000.0
    interval = this_time - prev_time
    if interval <= 0.0:
        interval = 1e-9
    i_over_p = interval / period
    a = math.exp(-i_over_p)
    rec.time_stamp, rec.time_usec = sec, usec
    rec.rate = (1 - a) * count / i_over_p + a * rec.rate
    if rec.rate < count:
        rec.rate = count
    return rec


def updater(*, now: float, period: float, limit: float, count: float, unique: str | None,
            readonly: bool, strict: bool, leaky: bool
            ) -> Callable[[RateRecord | None], tuple[RateRecord | None, float]]:
    """The read-modify-write of one check, for Store.update: the new rate, and
    the record to store (strict: always; leaky: only while under the limit)."""
    def update(old: RateRecord | None) -> tuple[RateRecord | None, float]:
        rec = compute(old, now=now, period=period, limit=limit, count=count, unique=unique,
                      readonly=readonly)
        return (rec if (rec.rate < limit and leaky) or strict else None), rec.rate

    return update


class RateLimiter:
    """One SMTP session's (or non-SMTP message's) rate limiter. Like Exim it
    remembers computed rates per key: per connection for per_conn, per message
    for per_mail/per_byte/all-recipient counts, per command otherwise and for
    readonly checks; a remembered rate is compared with the new limit but not
    recomputed. The SMTP layer calls :meth:`begin_command` and :meth:`begin_message`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._trees: dict[str, dict[str, float]] = {"cmd": {}, "mail": {}, "conn": {}}

    def begin_command(self) -> None:
        self._trees["cmd"].clear()

    def begin_message(self) -> None:
        self._trees["mail"].clear()

    def _rate(self, plan: _Plan, spec: RateLimitSpec, now: float) -> float:
        """The store's decision for one planned check (a subclass may have the
        store decide in one step, as the Redis store does)."""
        return self.store.update(plan.key, updater(
            now=now, period=spec.period, limit=spec.limit, count=plan.count, unique=plan.unique,
            readonly=plan.readonly, strict=plan.strict, leaky=plan.leaky))

    def check(self, spec: RateLimitSpec, key: str | None, now: float, *, where: str,
              message_size: int = -1, recipient: str | None = None,
              recipients_count: int = 0) -> RateLimitResult:
        """Evaluate the condition. ``key`` is the default key, the sender host
        address (None when there is none); a key in ``spec`` overrides it.
        ``recipient`` is ``local_part@domain`` in the RCPT ACL. Raises
        RateLimitError (condition error) or RateLimitDefer (store unavailable)."""
        plan = _plan(spec, key, where, message_size, recipient, recipients_count)
        tree = self._trees[plan.tree]
        rate = tree.get(plan.key)
        if rate is None:
            rate = tree[plan.key] = self._rate(plan, spec, now)
        return RateLimitResult(not rate < spec.limit, f"{rate:.1f}", spec.limit_text,
                               spec.period_text, rate, plan.key)
