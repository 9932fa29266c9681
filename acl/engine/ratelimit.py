"""The ``ratelimit`` condition in the engine: one RateLimiter per connection
(its per-connection, per-message and per-command caches), one hints store per
spool directory and process, and $sender_rate / $sender_rate_limit /
$sender_rate_period set from the outcome."""

from __future__ import annotations

import os
from typing import Any

from acl.config.model import Condition
from acl.engine.evaluate import CondError, Frame
from acl.engine.verdict import Result
from acl.errors import ExpansionError
from acl.expansion import expand
from acl.ratelimit import (MemoryStore, RateLimitDefer, RateLimiter, RateLimitError,
                           SqliteStore, Store, parse_ratelimit)

# Stores shared by every connection of this process, by process and spool
# directory: an SQLite connection must not cross a fork.
_STORES: dict[tuple[int, str], Store] = {}
_LIMITER = "acl_ratelimiter"


def _spool(ctx: Any) -> str | None:
    raw = ctx.option("spool_directory")
    if not raw:
        return None
    try:
        return expand(str(raw), ctx) or None
    except ExpansionError:
        return None


def store_for(ctx: Any) -> Store:
    """The hints store of the configuration's spool directory (``db/`` in it,
    as Exim keeps its hints); without a spool directory, a store in memory
    shared by this process."""
    spool = _spool(ctx)
    key = (os.getpid(), spool or "")
    store = _STORES.get(key)
    if store is None:
        store = SqliteStore.in_spool(spool) if spool else MemoryStore()
        _STORES[key] = store
    return store


def limiter(ctx: Any) -> RateLimiter:
    """The connection's limiter, created on first use."""
    lim = ctx.extra.get(_LIMITER)
    if lim is None:
        # The embedded file store, or Redis when ratelimit_store = redis.
        from acl.ratelimit.redis_store import limiter_for

        lim = ctx.extra[_LIMITER] = limiter_for(ctx, store_for(ctx))
    return lim  # type: ignore[no-any-return]


def new_connection(ctx: Any) -> None:
    ctx.extra.pop(_LIMITER, None)


def new_message(ctx: Any) -> None:
    lim = ctx.extra.get(_LIMITER)
    if lim is not None:
        lim.begin_message()


def new_command(ctx: Any) -> None:
    lim = ctx.extra.get(_LIMITER)
    if lim is not None:
        lim.begin_command()


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def ratelimit(frame: Frame, cb: Condition, arg: str) -> Result:
    """True (OK) when the client's rate is at or over the limit."""
    ctx = frame.state.ctx
    var = ctx.variables
    try:
        spec = parse_ratelimit(arg)
        lp, dom = var.get("local_part") or "", var.get("domain") or ""
        res = limiter(ctx).check(
            spec, var.get("sender_host_address") or None, ctx.clock(), where=frame.state.where,
            message_size=_int(var.get("message_size"), -1),
            recipient=f"{lp}@{dom}" if frame.state.where == "rcpt" else None,
            recipients_count=_int(var.get("recipients_count"), 0))
    except RateLimitError as e:
        raise CondError(Result.ERROR, e.message) from None
    except RateLimitDefer as e:
        raise CondError(Result.DEFER, e.message) from None
    var["sender_rate"] = res.sender_rate
    var["sender_rate_limit"] = res.sender_rate_limit
    var["sender_rate_period"] = res.sender_rate_period
    return Result.OK if res.over_limit else Result.FAIL

