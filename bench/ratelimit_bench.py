#!/usr/bin/env python3
"""Ratelimit benchmark: decisions per second with the file store (SQLite in
the spool) and with Redis (a redis-server started here on loopback).

Each decision is a fresh RateLimiter check, as one RCPT of a new session,
of ``ratelimit = 100 / 1h / per_rcpt / strict`` on keys from N client
addresses (no per-session cache hit). With ``--procs P`` the Redis figure is
also taken with P processes on the same keys (the shared-cluster case).

Usage: python3 bench/ratelimit_bench.py [--decisions 5000] [--keys 200] [--procs 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acl.lookups.redis import parse_server  # noqa: E402
from acl.ratelimit import RateLimiter, SqliteStore, parse_ratelimit  # noqa: E402
from acl.ratelimit.redis_store import RedisRateLimiter, RedisStore  # noqa: E402
from tests.redis import server as redis_server  # noqa: E402

SPEC = parse_ratelimit("100 / 1h / per_rcpt / strict")


def run(make_limiter, n: int, keys: int) -> float:  # type: ignore[no-untyped-def]
    """Decisions per second over ``n`` checks."""
    hosts = [f"10.{i // 250}.{i % 250}.1" for i in range(keys)]
    start = time.perf_counter()
    for i in range(n):
        make_limiter().check(SPEC, hosts[i % keys], time.time(), where="rcpt")
    return n / (time.perf_counter() - start)


def _redis_worker(spec: str, n: int, keys: int, q) -> None:  # type: ignore[no-untyped-def]
    store = RedisStore(parse_server(spec))
    q.put(run(lambda: RedisRateLimiter(store), n, keys))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--decisions", type=int, default=5000)
    ap.add_argument("--keys", type=int, default=200)
    ap.add_argument("--procs", type=int, default=2)
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        file_store = SqliteStore(str(Path(tmp) / "db" / "ratelimit.sqlite"))
        rate = run(lambda: RateLimiter(file_store), a.decisions, a.keys)
        print(f"file store (SQLite WAL):   {rate:9.0f} decisions/s")

    if redis_server.available() is None:
        print("redis: skipped (redis-server not installed)")
        return
    srv = redis_server.start(password=None)
    try:
        spec = f"127.0.0.1:{srv.port}/0/"
        store = RedisStore(parse_server(spec))
        print(f"redis, 1 process (Lua):    {run(lambda: RedisRateLimiter(store), a.decisions, a.keys):9.0f} decisions/s")
        print(f"redis, 1 process (CAS):    {run(lambda: RateLimiter(store), a.decisions, a.keys):9.0f} decisions/s")
        sock = RedisStore(parse_server(f"({srv.socket_path})/0/"))
        print(f"redis, unix socket (Lua):  {run(lambda: RedisRateLimiter(sock), a.decisions, a.keys):9.0f} decisions/s")
        if a.procs > 1:
            ctx = multiprocessing.get_context("fork")
            q = ctx.Queue()
            procs = [ctx.Process(target=_redis_worker, args=(spec, a.decisions, a.keys, q))
                     for _ in range(a.procs)]
            for p in procs:
                p.start()
            for p in procs:
                p.join(600)
            total = sum(q.get(timeout=10) for _ in procs)
            print(f"redis, {a.procs} processes (Lua): {total:9.0f} decisions/s together")
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
