"""Ratelimit hints in Redis, shared by every server of a cluster.

Each decision is one server-side Lua script: read the record, apply exactly
the computation of acl.ratelimit.algorithm.compute (same doubles, same libm
exp, the Bloom filter of unique= kept as a byte string in the record), write
it when Exim would (strict always, leaky only under the limit, readonly never)
and set its expiry. Redis runs a script alone, so N processes updating one key
count every event exactly once. The MD5 of a unique= event is computed here
and the script receives the eight filter positions' hashes.

A record is a hash: ts, us, rate (%.17g), epoch, bloom, ver. It expires when
its rate has decayed below any count that could matter (TTL_PERIODS periods
plus the log of the rate), so an absent key gives the same result.

Outage policy (``ratelimit_redis_outage``): ``defer`` makes the condition
defer with Exim's 'ratelimit database not available'; ``local`` uses the
process's own store (the spool's file store) instead. Either way the outage
and the recovery are logged once, and Redis is retried after RETRY seconds.

Options read from the configuration (exim-acl's own):
``ratelimit_store = redis`` (default ``file``), ``ratelimit_redis_server``
(one ``redis_servers`` item; default the first item of ``redis_servers``),
``ratelimit_redis_outage = defer|local``."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import time
from typing import Any, TypeVar

from acl.lookups.base import Defer
from acl.lookups.redis import Server, command, parse_server
from acl.ratelimit.algorithm import RateLimiter, _bloom_size, _Plan, updater
from acl.ratelimit.spec import RateLimitDefer, RateLimitSpec
from acl.ratelimit.store import RateRecord, Store, Updater
from acl.runtime.lists import iter_list

T = TypeVar("T")
PREFIX = "acl:ratelimit:"
TTL_PERIODS = 40  # exp(-40) ~ 4e-18: a decayed rate no longer changes any outcome
RETRY = 5.0  # seconds between attempts to reach Redis during an outage
CAS_TRIES = 100  # bound on optimistic retries of a generic update
DEFER_TEXT = "ratelimit database not available"  # Exim's wording (acl.c)
_LOG = logging.getLogger("acl.ratelimit.redis")

# The decision. KEYS[1]: record. ARGV: sec, usec, period, limit, count,
# readonly, strict, leaky, bloom size (0: no unique=), then 8 hashes.
DECIDE = r"""
local k = KEYS[1]
local sec, usec = tonumber(ARGV[1]), tonumber(ARGV[2])
local period, limit, count = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local readonly, strict, leaky = ARGV[6] == '1', ARGV[7] == '1', ARGV[8] == '1'
local bsize = tonumber(ARGV[9])
local old = redis.call('HMGET', k, 'ts', 'us', 'rate', 'epoch', 'bloom', 'ver')
local have = old[1] ~= false
local ts, us, rate, epoch, bloom = sec, usec, count, 0, false
if have then
  ts, us, rate = tonumber(old[1]), tonumber(old[2]), tonumber(old[3])
  epoch, bloom = tonumber(old[4]) or 0, old[5]
end
if bsize > 0 then
  if not have or not bloom or sec > epoch + period then
    epoch, bloom = sec, string.rep('\0', bsize)
  end
  if not readonly then
    local size, seen = string.len(bloom), true
    for i = 10, 17 do
      local h = tonumber(ARGV[i])
      local bitv = bit.lshift(1, h % 8)
      local idx = math.floor(h / 8) % size
      local byte = string.byte(bloom, idx + 1)
      if bit.band(byte, bitv) == 0 then
        seen = false
        bloom = string.sub(bloom, 1, idx) .. string.char(bit.bor(byte, bitv)) .. string.sub(bloom, idx + 2)
      end
    end
    if seen then count = 0.0 end
  end
end
if not have then
  rate = count
else
  local interval = (sec + usec / 1000000.0) - (ts + us / 1000000.0)
  if interval <= 0.0 then interval = 1e-9 end
  local i_over_p = interval / period
  local a = math.exp(-i_over_p)
  ts, us = sec, usec
  rate = (1 - a) * count / i_over_p + a * rate
  if rate < count then rate = count end
end
local text = string.format('%.17g', rate)
if (rate < limit and leaky) or strict then
  redis.call('HSET', k, 'ts', ts, 'us', us, 'rate', text, 'epoch', epoch,
             'ver', (tonumber(old[6]) or 0) + 1)
  if bloom then redis.call('HSET', k, 'bloom', bloom) end
  local ttl = math.ceil(period * (TTL_PERIODS + math.log(math.max(rate, 1)))) + 1
  redis.call('EXPIRE', k, ttl)
end
return text
""".replace("TTL_PERIODS", str(TTL_PERIODS))

# Compare-and-set for a generic update: ARGV[1] the version read ('' when
# absent), ARGV[2] the TTL, then field/value pairs.
CAS = r"""
local ver = redis.call('HGET', KEYS[1], 'ver')
if (ver or '') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'ver', (tonumber(ver) or 0) + 1, unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


def _sha(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()


def bloom_hashes(event: str) -> list[int]:
    """The eight successive hashes bloom_test_and_set() walks for ``event``."""
    digest = hashlib.md5(event.encode("utf-8", "surrogateescape")).digest()
    h = int.from_bytes(digest[0:4], "little")
    inc = int.from_bytes(digest[4:8], "little")
    out = []
    for _ in range(8):
        out.append(h)
        h = (h + inc) & 0xFFFFFFFF
    return out


def ttl(period: float, rate: float) -> int:
    return int(math.ceil(period * (TTL_PERIODS + math.log(max(rate, 1.0))))) + 1


def _period_of(key: str) -> float:
    """A store key starts with the period as written (``1h/per_rcpt/...``)."""
    from acl.config.options import read_time

    return float(read_time(key.partition("/")[0]) or 86400)


def _num(x: float) -> str:
    """A double as text that Lua's tonumber reads back exactly."""
    return repr(x) if math.isfinite(x) else ("1e999" if x > 0 else "-1e999")


class RedisStore:
    """The Store protocol (get/update, for any caller) plus :meth:`decide`,
    the one-round-trip Lua decision that RedisRateLimiter uses."""

    def __init__(self, server: Server, *, outage: str = "defer", fallback: Store | None = None,
                 clock: Any = time.monotonic) -> None:
        self.server, self.outage, self.fallback, self.clock = server, outage, fallback, clock
        self._down_until: float | None = None  # set during an outage

    # -- plumbing ---------------------------------------------------------

    def _call(self, argv: list[str]) -> Any:
        return command(self.server, argv)

    def _script(self, script: str, keys: list[str], args: list[str]) -> Any:
        head = [str(len(keys)), *keys, *args]
        try:
            return self._call(["EVALSHA", _sha(script), *head])
        except Defer as d:
            if "NOSCRIPT" not in d.reason:
                raise
        return self._call(["EVAL", script, *head])

    def _available(self) -> bool:
        if self._down_until is None:
            return True
        return self.clock() >= self._down_until

    def _failed(self, reason: str) -> None:
        if self._down_until is None:
            _LOG.warning("ratelimit: Redis %s unavailable (%s); policy %s", self.server.ident,
                         reason, self.outage)
        self._down_until = self.clock() + RETRY

    def _recovered(self) -> None:
        if self._down_until is not None:
            _LOG.warning("ratelimit: Redis %s available again", self.server.ident)
            self._down_until = None

    def _run(self, remote: Any, local: Any) -> Any:
        """``remote()`` against Redis, or the outage policy."""
        if self._available():
            try:
                result = remote()
                self._recovered()
                return result
            except Defer as d:
                self._failed(d.reason)
        if self.outage == "local" and self.fallback is not None:
            return local()
        raise RateLimitDefer(DEFER_TEXT)

    # -- records ----------------------------------------------------------

    @staticmethod
    def _key(key: str) -> str:
        return PREFIX + key

    def _read(self, key: str) -> tuple[RateRecord | None, str]:
        raw = self._call(["HGETALL", self._key(key)])
        fields = {raw[i]: raw[i + 1] for i in range(0, len(raw or []) - 1, 2)}
        if b"ts" not in fields:
            return None, ""
        bloom = fields.get(b"bloom")
        rec = RateRecord(int(fields[b"ts"]), int(fields[b"us"]), float(fields[b"rate"]),
                         int(fields.get(b"epoch", b"0")), None if bloom is None else bytearray(bloom))
        return rec, fields.get(b"ver", b"").decode()

    def get(self, key: str) -> RateRecord | None:
        return self._run(lambda: self._read(key)[0],  # type: ignore[no-any-return]
                         lambda: self.fallback.get(key))  # type: ignore[union-attr]

    def update(self, key: str, fn: Updater[T]) -> T:
        """Read, run ``fn``, write if nobody wrote in between (else again)."""
        def remote() -> T:
            for _ in range(CAS_TRIES):
                old, ver = self._read(key)
                new, result = fn(None if old is None else old.copy())
                if new is None:
                    return result
                pairs = ["ts", str(new.time_stamp), "us", str(new.time_usec), "rate", repr(new.rate),
                         "epoch", str(new.bloom_epoch)]
                args: list[Any] = [ver, str(ttl(_period_of(key), new.rate)), *pairs]
                if new.bloom is not None:
                    args += ["bloom", bytes(new.bloom)]
                if self._script(CAS, [self._key(key)], args) == 1:
                    return result
            raise Defer("REDIS: too much contention on one ratelimit key")
        return self._run(remote, lambda: self.fallback.update(key, fn))  # type: ignore[union-attr]

    def decide(self, key: str, *, now: float, period: float, limit: float, count: float,
               unique: str | None, readonly: bool, strict: bool, leaky: bool) -> float:
        """The new rate of ``key`` after this event, stored as Exim would."""
        sec = math.floor(now)
        usec = min(int(round((now - sec) * 1_000_000)), 999_999)
        args = [str(sec), str(usec), _num(period), _num(limit), _num(count),
                "1" if readonly else "0", "1" if strict else "0", "1" if leaky else "0"]
        if unique is None:
            args += ["0"]
        else:
            args += [str(_bloom_size(limit))] + [str(h) for h in bloom_hashes(unique)]

        local = updater(now=now, period=period, limit=limit, count=count, unique=unique,
                        readonly=readonly, strict=strict, leaky=leaky)
        return self._run(  # type: ignore[no-any-return]
            lambda: float(self._script(DECIDE, [self._key(key)], args)),
            lambda: self.fallback.update(key, local))  # type: ignore[union-attr]


class RedisRateLimiter(RateLimiter):
    """RateLimiter whose store updates run as one Lua script each."""

    store: RedisStore

    def _rate(self, plan: _Plan, spec: RateLimitSpec, now: float) -> float:
        return self.store.decide(plan.key, now=now, period=spec.period, limit=spec.limit,
                                 count=plan.count, unique=plan.unique, readonly=plan.readonly,
                                 strict=plan.strict, leaky=plan.leaky)


# ---- selection from the configuration -----------------------------------

_STORES: dict[tuple[int, str, str], RedisStore] = {}
OUTAGE_POLICIES = ("defer", "local")


def server_for(ctx: Any) -> str | None:
    """The configured ratelimit server text: its own option, else the first
    redis_servers item."""
    own = ctx.option("ratelimit_redis_server", None)
    if own:
        return str(own)
    for item in iter_list(str(ctx.option("redis_servers", "") or ""), sep=":"):
        return item
    return None


def limiter_for(ctx: Any, local: Store) -> RateLimiter:
    """The connection's limiter: Redis-backed when ``ratelimit_store = redis``,
    else the given local store's. Raises RateLimitDefer on a bad setting."""
    if str(ctx.option("ratelimit_store", "file") or "file").strip().lower() != "redis":
        return RateLimiter(local)
    text = server_for(ctx)
    outage = str(ctx.option("ratelimit_redis_outage", "defer") or "defer").strip().lower()
    if text is None or outage not in OUTAGE_POLICIES:
        _LOG.warning("ratelimit: ratelimit_store = redis needs a server and outage defer or local")
        raise RateLimitDefer(DEFER_TEXT)
    k = (os.getpid(), text, outage)
    store = _STORES.get(k)
    if store is None:
        try:
            server = parse_server(text)
        except Defer as d:
            _LOG.warning("ratelimit: %s", d.reason)
            raise RateLimitDefer(DEFER_TEXT) from None
        store = _STORES[k] = RedisStore(server, outage=outage, fallback=local)
    return RedisRateLimiter(store)
