"""One SqliteStore shared by many threads (acl serve's ACL pool) and opened
by several processes at once on a fresh spool."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from acl.ratelimit import RateRecord, SqliteStore


def _bump(old: RateRecord | None) -> tuple[RateRecord, None]:
    return RateRecord(0, 0, (old.rate if old else 0.0) + 1.0), None


def test_threads_share_one_store(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "db" / "ratelimit.sqlite"))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                store.update("k", _bump)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    got = store.get("k")
    assert got is not None and got.rate == 400.0
    assert len(store._conns) >= 2  # noqa: SLF001 - one connection per thread
    store.close()
    assert store._conns == []  # noqa: SLF001


def _open_and_bump(path: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait(30)
    store = SqliteStore(path)
    for _ in range(20):
        store.update("k", _bump)
    store.close()


def test_processes_open_a_fresh_file_at_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    path = str(tmp_path / "db" / "ratelimit.sqlite")
    barrier = ctx.Barrier(6)
    procs = [ctx.Process(target=_open_and_bump, args=(path, barrier)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 6
    got = SqliteStore(path).get("k")
    assert got is not None and got.rate == 120.0


def test_forked_child_opens_its_own(tmp_path: Path) -> None:
    path = str(tmp_path / "ratelimit.sqlite")
    store = SqliteStore(path)
    store.update("k", _bump)
    ctx = multiprocessing.get_context("fork")
    p = ctx.Process(target=lambda: [store.update("k", _bump) for _ in range(5)])
    p.start()
    p.join(60)
    assert p.exitcode == 0
    got = store.get("k")
    assert got is not None and got.rate == 6.0
