"""The ratelimit hints store. Each key's read-modify-write is atomic across
processes; keys are remote-controlled data, so they only ever travel as bound
parameters, never inside SQL text."""

from __future__ import annotations

import os
import sqlite3
import struct
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Callable, Protocol, TypeVar

from acl.ratelimit.spec import RateLimitDefer

T = TypeVar("T")


@dataclass
class RateRecord:
    """dbdata_ratelimit (+ the Bloom filter of dbdata_ratelimit_unique)."""

    time_stamp: int  # seconds
    time_usec: int
    rate: float
    bloom_epoch: int = 0
    bloom: bytearray | None = None  # None: a record without a filter

    _HEAD = struct.Struct("<qqdqI")

    def pack(self) -> bytes:
        bloom = bytes(self.bloom) if self.bloom is not None else b""
        flag = 0 if self.bloom is None else 1
        return self._HEAD.pack(self.time_stamp, self.time_usec, self.rate, self.bloom_epoch,
                               flag) + bloom

    @classmethod
    def unpack(cls, data: bytes) -> RateRecord | None:
        if len(data) < cls._HEAD.size:
            return None  # damaged: behave as if absent
        ts, us, rate, epoch, flag = cls._HEAD.unpack_from(data)
        bloom = bytearray(data[cls._HEAD.size:]) if flag else None
        return cls(ts, us, rate, epoch, bloom)

    def copy(self) -> RateRecord:
        return RateRecord(self.time_stamp, self.time_usec, self.rate, self.bloom_epoch,
                          None if self.bloom is None else bytearray(self.bloom))


# The updater receives the stored record (or None) and returns the record to
# write (None: leave the store as it is) with the caller's result.
Updater = Callable[[RateRecord | None], tuple[RateRecord | None, T]]


class Store(Protocol):
    def get(self, key: str) -> RateRecord | None: ...

    def update(self, key: str, fn: Updater[T]) -> T:
        """Run ``fn`` on the key's record with the key locked against every
        other process, and write what it returns."""
        ...


class MemoryStore:
    """A store for one process (tests, ``acl`` runs without a spool)."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> RateRecord | None:
        raw = self._data.get(key)
        return None if raw is None else RateRecord.unpack(raw)

    def update(self, key: str, fn: Updater[T]) -> T:
        new, result = fn(self.get(key))
        if new is not None:
            self._data[key] = new.pack()
        return result


class SqliteStore:
    """The default store: ``<spool>/db/ratelimit.sqlite`` in WAL mode. Each
    update is one IMMEDIATE transaction, which takes SQLite's write lock before
    reading, so concurrent read-modify-writes of one key serialise across
    threads and processes. An SQLite connection belongs to one thread, so each
    thread that uses the store gets its own; a process that forks gets new
    ones (a connection must not cross a fork)."""

    def __init__(self, path: str, *, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()  # the table of connections below
        self._conns: list[sqlite3.Connection] = []
        _OPEN.add(self)
        try:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            db = self._connect()
            _retry_locked(lambda: _set_wal(db), timeout)
            _retry_locked(lambda: db.execute("CREATE TABLE IF NOT EXISTS ratelimit "
                                             "(key BLOB PRIMARY KEY, value BLOB NOT NULL)"),
                          timeout)
        except (OSError, sqlite3.Error):
            self.close()
            raise RateLimitDefer("ratelimit database not available") from None

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread off only so that close() may run anywhere; each
        # connection is otherwise used by the thread that made it.
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                             check_same_thread=False)
        with self._lock:
            self._conns.append(db)
        self._local.db = db
        return db

    def _forked(self) -> None:
        """In a child of a fork: the parent's connections are not ours to use
        (nor to close)."""
        self._local, self._lock, self._conns = threading.local(), threading.Lock(), []

    @property
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                db = self._connect()
            except (OSError, sqlite3.Error):
                raise RateLimitDefer("ratelimit database not available") from None
        return db

    @classmethod
    def in_spool(cls, spool_directory: str) -> SqliteStore:
        return cls(os.path.join(spool_directory, "db", "ratelimit.sqlite"))

    @staticmethod
    def _k(key: str) -> bytes:
        # Bytes, so that any text (quotes, NULs, odd UTF-8) is stored verbatim.
        return key.encode("utf-8", "surrogateescape")

    def get(self, key: str) -> RateRecord | None:
        try:
            row = self._db.execute("SELECT value FROM ratelimit WHERE key = ?",
                                   (self._k(key),)).fetchone()
        except sqlite3.Error:
            raise RateLimitDefer("ratelimit database not available") from None
        return None if row is None else RateRecord.unpack(row[0])

    def update(self, key: str, fn: Updater[T]) -> T:
        k = self._k(key)
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:
            raise RateLimitDefer("ratelimit database not available") from None
        try:
            row = self._db.execute("SELECT value FROM ratelimit WHERE key = ?", (k,)).fetchone()
            new, result = fn(None if row is None else RateRecord.unpack(row[0]))
            if new is not None:
                self._db.execute("INSERT OR REPLACE INTO ratelimit (key, value) VALUES (?, ?)",
                                 (k, new.pack()))
            self._db.execute("COMMIT")
            return result
        except sqlite3.Error:
            self._rollback()
            raise RateLimitDefer("ratelimit database not available") from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the transaction was already gone

    def close(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for db in conns:
            db.close()
        self._local = threading.local()


_OPEN: "weakref.WeakSet[SqliteStore]" = weakref.WeakSet()
os.register_at_fork(after_in_child=lambda: [store._forked() for store in list(_OPEN)])


def _set_wal(db: sqlite3.Connection) -> None:
    """WAL is kept in the file: switched once, by the first store to open it."""
    if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        db.execute("PRAGMA journal_mode=WAL")


def _retry_locked(fn: Callable[[], object], timeout: float) -> None:
    """SQLite answers "database is locked" at once, without its busy timeout,
    when the journal mode changes while another connection opens the file
    (two processes starting on one spool): try again for up to ``timeout``."""
    deadline = time.monotonic() + timeout
    for _ in range(100_000):
        try:
            fn()
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)
