"""The ratelimit hints store as the daemon's ACL threads need it.

acl.engine.ratelimit keeps one SqliteStore per process and spool, and an
SQLite connection refuses use from any thread but its creator's. The daemon
runs ACLs in a pool of threads, so it puts in that table a store that opens
one connection per thread to the same file: SQLite's own locking
(BEGIN IMMEDIATE) then serialises updates across threads as it does across
processes."""

from __future__ import annotations

import os
import threading
from typing import Any, TypeVar

from acl.ratelimit import RateRecord, SqliteStore
from acl.ratelimit.store import Updater

T = TypeVar("T")


class ThreadStore:
    def __init__(self, spool_directory: str) -> None:
        self.spool_directory = spool_directory
        self._local = threading.local()
        # Opening switches the file to WAL mode, which SQLite refuses (busy,
        # without waiting) while another connection opens it: one at a time.
        self._opening = threading.Lock()

    def _store(self) -> SqliteStore:
        store = getattr(self._local, "store", None)
        if store is None:
            with self._opening:
                store = self._local.store = SqliteStore.in_spool(self.spool_directory)
        return store

    def get(self, key: str) -> RateRecord | None:
        return self._store().get(key)

    def update(self, key: str, fn: Updater[T]) -> T:
        return self._store().update(key, fn)


def install(ctx: Any) -> None:
    """Make the session's ratelimit store usable from every ACL thread."""
    from acl.engine import ratelimit

    spool = ratelimit._spool(ctx)  # noqa: SLF001 - the table is keyed by it
    if not spool:
        return  # a store in memory: plain dict operations
    key = (os.getpid(), spool)
    if not isinstance(ratelimit._STORES.get(key), ThreadStore):  # noqa: SLF001
        ratelimit._STORES[key] = ThreadStore(spool)  # noqa: SLF001
