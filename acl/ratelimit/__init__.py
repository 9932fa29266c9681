"""The ``ratelimit`` ACL condition: parsing, Exim's smoothed-rate computation,
and the persistent hints store it keeps in the spool directory.

Typical use by the ACL engine::

    limiter = RateLimiter(SqliteStore.in_spool(spool_directory))  # once per session
    spec = parse_ratelimit(expanded_value)
    res = limiter.check(spec, sender_host_address, time.time(), where="rcpt",
                        recipient=f"{local_part}@{domain}")
    # set $sender_rate, $sender_rate_limit, $sender_rate_period from res
"""

from acl.ratelimit.algorithm import RateLimiter, RateLimitResult, bloom_test_and_set, compute
from acl.ratelimit.spec import RateLimitDefer, RateLimitError, RateLimitSpec, parse_ratelimit
from acl.ratelimit.store import MemoryStore, RateRecord, SqliteStore, Store

__all__ = [
    "MemoryStore", "RateLimitDefer", "RateLimitError", "RateLimitResult", "RateLimitSpec",
    "RateLimiter", "RateRecord", "SqliteStore", "Store", "bloom_test_and_set", "compute",
    "parse_ratelimit",
]
