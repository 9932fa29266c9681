"""Three `acl serve` processes behind a real HAProxy (PROXY v2, round robin)
sharing ratelimit state in a real Redis:

- the per-host connection limit (connect ACL, per_conn on
  $sender_host_address) and the per-sender limit (MAIL ACL, per_mail on
  $sender_address) decide exactly as one server with its file store does,
  for the same workload of concurrent sessions from 12 client addresses;
- the client addresses HAProxy reports reach the ACLs and the log;
- SIGKILL of one server and a restart of Redis during a stream of sessions
  lose no acknowledged message and deliver none twice."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from typing import Any

import pytest

from acl.ratelimit.redis_store import RETRY
from tests.cluster.client import (Outcome, Task, limit_workload, run_for, run_tasks, sources,
                                  tally)
from tests.cluster.support import Cluster

ADDRESSES = sources("127.0.0.2", 12)  # inside the connect ACL's 127.0.0.0/24 rule
PER_ADDRESS = 6  # sessions from each address; the limit lets 4 through (4.5 / 1h)
SENDERS = 3  # 4 addresses per sender: 16 MAILs each; the limit lets 10 through (10.5 / 1h)
CONCURRENCY = 12


def _run(c: Cluster) -> list[Outcome]:
    tasks = limit_workload(ADDRESSES, PER_ADDRESS, SENDERS)
    return asyncio.run(run_tasks("127.0.0.1", c.port, tasks, CONCURRENCY))


@pytest.fixture(scope="module")
def limit_runs(cluster: Cluster, reference: Cluster) -> dict[str, list[Outcome]]:
    """The same workload against one server and against the cluster."""
    return {"single": _run(reference), "cluster": _run(cluster)}


def _passed_connect(outcomes: list[Outcome]) -> dict[str, Counter[str]]:
    return {k: Counter("refused" if s == "connect-refused" else "passed" for s in v.elements())
            for k, v in tally(outcomes, lambda o: o.task.source).items()}


def test_no_session_failed(limit_runs: dict[str, list[Outcome]]) -> None:
    for name, outcomes in limit_runs.items():
        assert len(outcomes) == len(ADDRESSES) * PER_ADDRESS, name
        broken = [(o.task, o.detail) for o in outcomes if o.stage == "error"]
        assert not broken, (name, broken)


def test_connection_limit_per_host_holds_across_the_cluster(
        limit_runs: dict[str, list[Outcome]]) -> None:
    single, cluster = (_passed_connect(limit_runs[k]) for k in ("single", "cluster"))
    assert cluster == single
    assert single == {a: Counter(passed=4, refused=2) for a in ADDRESSES}


def test_sender_limit_holds_across_the_cluster(limit_runs: dict[str, list[Outcome]]) -> None:
    single, cluster = (tally(limit_runs[k], lambda o: o.task.sender) for k in ("single", "cluster"))
    assert cluster == single
    want = Counter({"accepted": 10, "mail-refused": 6, "connect-refused": 8})
    assert single == {f"s{i}@limited.example": want for i in range(SENDERS)}


def test_limits_live_in_redis_and_sessions_spread(cluster: Cluster,
                                                  limit_runs: dict[str, list[Outcome]]) -> None:
    assert cluster.redis is not None
    keys = {k.decode() for k in cluster.redis.client().scan_iter("acl:ratelimit:*", count=1000)}
    for addr in ADDRESSES:
        assert any(k.endswith(addr) for k in keys), (addr, sorted(keys)[:20])
    # Round robin: every server took part of the load, and each refused some.
    for node, log in cluster.logs():
        assert log.count("cluster-acl connect 127.0.0.") >= 10, node.name
        assert "rejected connection in \"connect\" ACL: too many connections" in log, node.name


def test_proxied_client_addresses_reach_the_acls(cluster: Cluster,
                                                 limit_runs: dict[str, list[Outcome]]) -> None:
    seen: Counter[str] = Counter()
    arrivals = 0
    for _, log in cluster.logs():
        seen.update(re.findall(r"cluster-acl connect (127\.0\.0\.\d+) proxy=yes$", log, re.M))
        for line in log.splitlines():
            if " <= s" in line and "@limited.example " in line:
                arrivals += 1
                # H= is the client HAProxy reported; PRX= the proxy itself.
                assert re.search(r" H=\(client\.example\) \[127\.0\.0\.(\d+)\]:\d+ ", line), line
                assert " PRX=127.0.0.1 " in line, line
    assert seen == {a: PER_ADDRESS for a in ADDRESSES}
    assert arrivals == sum(o.stage == "accepted" for o in limit_runs["cluster"])


# ---- failures under load ---------------------------------------------------

LOAD_SOURCES = sources("127.0.1.2", 8)  # outside the 127.0.0.0/24 rule: a limit never reached
LOAD_LIMIT = 60.0  # seconds: the stream normally stops ~9 s after it starts
AFTER_RECOVERY = 2.5  # seconds of load once every node is due to try Redis again


def _load_task(n: int) -> Task:
    return Task(LOAD_SOURCES[n % len(LOAD_SOURCES)], f"b{n % 5}@free.example")


async def _load_with_failures(cluster: Cluster) -> tuple[list[Outcome], dict[str, Any]]:
    assert cluster.redis is not None
    victim = cluster.nodes[1]
    marks: dict[str, Any] = {}
    stop = asyncio.Event()
    load = asyncio.create_task(run_for("127.0.0.1", cluster.port, _load_task, 8, LOAD_LIMIT, stop))
    await asyncio.sleep(1.0)
    victim.kill()
    marks["killed"] = time.monotonic()
    await asyncio.sleep(1.0)
    marks["keys_before"] = cluster.redis.client().dbsize()
    marks["redis_away"] = await asyncio.to_thread(cluster.redis.restart)
    marks["redis_back"] = time.monotonic()
    marks["keys_after"] = cluster.redis.client().dbsize()
    await asyncio.sleep(0.5)
    victim.spawn()
    await asyncio.to_thread(victim.wait)
    marks["restarted"] = time.monotonic()
    # A node retries Redis RETRY s after it lost it: load goes on past that.
    await asyncio.sleep(max(0.0, marks["redis_back"] + RETRY + AFTER_RECOVERY - time.monotonic()))
    stop.set()
    return await load, marks


def test_sigkill_and_redis_restart_lose_no_acknowledged_message(
        cluster: Cluster, limit_runs: dict[str, list[Outcome]]) -> None:
    outcomes, marks = asyncio.run(_load_with_failures(cluster))
    acked = [o for o in outcomes if o.stage == "accepted"]
    print(f"cluster under failures: {dict(Counter(o.stage for o in outcomes))}, "
          f"Redis away {marks['redis_away']:.2f} s")
    assert len(acked) > 50, Counter(o.stage for o in outcomes)
    assert all(o.message_id for o in acked)
    # The append-only file brought every ratelimit record back.
    assert marks["keys_after"] == marks["keys_before"] > 0
    # Service went on while one node was dead, and came back after Redis did.
    assert any(marks["killed"] < o.acked_at < marks["redis_back"] for o in acked)
    assert any(o.acked_at > marks["redis_back"] + RETRY for o in acked)
    # During the outage the defer policy answered 4xx at connect, with Exim's words.
    assert any(o.stage == "connect-deferred" for o in outcomes)
    assert any("ratelimit database not available" in log for _, log in cluster.logs())

    cluster.wait_delivered()
    delivered: Counter[str] = Counter()
    queued: Counter[str] = Counter()
    for node in cluster.nodes:
        delivered.update(node.delivered())
        queued.update(node.queued())
    twice = {m: n for m, n in delivered.items() if n > 1}
    assert not twice, f"delivered more than once: {twice}"
    assert sum(queued.values()) == 0, "the spools did not drain"
    lost = [o.message_id for o in acked if delivered[o.message_id] != 1]
    assert not lost, f"acknowledged but not in exactly one Maildir: {lost}"
    # The victim had acknowledged messages of its own before it was killed.
    victim_ids = set(cluster.nodes[1].delivered())
    assert any(o.message_id in victim_ids and o.acked_at < marks["killed"] for o in acked)
