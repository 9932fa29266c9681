#!/usr/bin/env python3
"""Cluster benchmark (issue 6): ratelimit decisions per second with the file
store and with Redis, then messages per second through HAProxy to one, two
and three `acl serve` processes sharing their ratelimits in Redis.

The cluster is tests/cluster/support.py's: NSD for the host-name lookups a
PROXY header triggers, redis-server with an append-only file synced at every
write, HAProxy (PROXY v2, round robin, SMTP health checks) and the nodes,
each delivering to its own Maildirs. A session is EHLO, MAIL, one RCPT, a
small DATA and QUIT, from 8 loopback addresses; its connect ACL makes one
Redis ratelimit decision. Clients, HAProxy, Redis and every node share this
machine's CPUs (printed), so more nodes than cores cannot add throughput.

Usage: python3 bench/cluster_bench.py [--seconds 5] [--concurrency 24]
       [--decisions 3000] [--nodes 1,2,3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acl.lookups.redis import parse_server  # noqa: E402
from acl.ratelimit import RateLimiter, SqliteStore  # noqa: E402
from acl.ratelimit.redis_store import RedisRateLimiter, RedisStore  # noqa: E402
from bench.ratelimit_bench import run as decisions_per_second  # noqa: E402
from tests.cluster.client import Task, run_for, sources  # noqa: E402
from tests.cluster.support import Cluster, Redis, missing  # noqa: E402

LOAD_SOURCES = sources("127.0.1.2", 8)  # outside the connect ACL's tight 127.0.0.0/24 limit


def ratelimit_figures(decisions: int, keys: int = 200) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(str(Path(tmp) / "db" / "ratelimit.sqlite"))
        rate = decisions_per_second(lambda: RateLimiter(store), decisions, keys)
        print(f"  {'file store (SQLite in the spool):':<38}{rate:8.0f} decisions/s")
        for fsync in (None, "everysec", "always"):
            redis = Redis(Path(tmp) / f"redis-{fsync}", appendfsync=fsync).start()
            try:
                remote = RedisStore(parse_server(f"127.0.0.1:{redis.port}/0/"))
                rate = decisions_per_second(lambda: RedisRateLimiter(remote), decisions, keys)
            finally:
                redis.stop()
            how = "in memory only" if fsync is None else f"appendfsync {fsync}"
            print(f"  {'Redis, ' + how + ':':<38}{rate:8.0f} decisions/s")


def _task(n: int) -> Task:
    return Task(LOAD_SOURCES[n % len(LOAD_SOURCES)], f"bench{n % 5}@free.example")


def cluster_figure(nodes: int, seconds: float, concurrency: int, proxy: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(Path(tmp), nodes, proxy=proxy).start()
        try:
            time.sleep(1.0)  # HAProxy's first health checks mark every node up
            t0 = time.perf_counter()
            got = asyncio.run(run_for("127.0.0.1", cluster.port, _task, concurrency, seconds))
            elapsed = time.perf_counter() - t0
        finally:
            cluster.close()
    accepted = sum(o.stage == "accepted" for o in got)
    label = f"{nodes} node{'s' if nodes > 1 else ''} " + ("behind HAProxy:" if proxy else "direct, no HAProxy:")
    print(f"  {label:<28}{accepted / elapsed:8.1f} messages/s  ({accepted} in {elapsed:.1f} s, "
          f"{len(got) - accepted} sessions without a message)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--concurrency", type=int, default=24)
    ap.add_argument("--decisions", type=int, default=3000)
    ap.add_argument("--nodes", default="1,2,3")
    a = ap.parse_args()
    why = missing()
    if why:
        sys.exit(f"cluster_bench: {why}")
    print(f"machine: {os.cpu_count()} CPUs, shared by the clients, HAProxy, Redis and the nodes")
    print("ratelimit decisions (100 / 1h / per_rcpt / strict, 200 keys, one process):")
    ratelimit_figures(a.decisions)
    print(f"cluster, concurrency {a.concurrency}, {a.seconds:g} s each, Maildir delivery on:")
    cluster_figure(1, a.seconds, a.concurrency, proxy=False)
    for n in (int(x) for x in a.nodes.split(",")):
        cluster_figure(n, a.seconds, a.concurrency)


if __name__ == "__main__":
    main()
