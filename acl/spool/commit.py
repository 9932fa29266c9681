"""Group commit of received messages (``acl serve``).

One thread writes every message waiting for the spool in one batch: each
message's ``-D`` and ``-H`` files are written and fsynced, then committed
(the ``-H`` rename), and the ``input/`` directory is fsynced once for the
whole batch before any of them is acknowledged. Compared with a pool of
threads each storing one message:

* every file of the batch is written before the first fsync: on ext4 that
  first fsync commits the journal with all of them, and the others find
  their data already on disk;
* the directory fsync is shared by the batch (Exim pays one per message);
* fsyncs do not run in parallel from several threads, which on ext4 cost
  more kernel CPU per message than the same fsyncs in a row (measured with
  ``bench/serve_bench.py --threads``);
* the event loop is woken once per batch, not once per message.

At concurrency 1 a batch holds one message and this is the plain sequence
of :meth:`Spool.store`. Durability is the same: nothing is acknowledged
before its files and their directory entries are on disk.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from typing import Callable

from acl.spool import Envelope, Spool, SpoolError
from acl.threadname import kernel_name

MAX_BATCH = 64  # messages made durable by one directory fsync


class _Job:
    __slots__ = ("env", "message", "fut", "error")

    def __init__(self, env: Envelope, message: bytes, fut: asyncio.Future[None]) -> None:
        self.env, self.message, self.fut = env, message, fut
        self.error: str | None = None


class Committer:
    """``await committer.store(env, message)`` returns once the message is
    committed and durable, or raises SpoolError. ``on_commit(id)`` runs in
    the loop for each committed message, even when the session that stored
    it was cancelled meanwhile (its message is on disk all the same)."""

    def __init__(self, spool: Spool, loop: asyncio.AbstractEventLoop,
                 on_commit: Callable[[Envelope], None] | None = None) -> None:
        self.spool, self.loop, self.on_commit = spool, loop, on_commit
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="spool_commit", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Finish the jobs queued so far, then end the thread."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    async def store(self, env: Envelope, message: bytes) -> None:
        if self._thread is None:
            raise SpoolError("spool writer stopped")
        fut: asyncio.Future[None] = self.loop.create_future()
        self._jobs.put(_Job(env, message, fut))
        # Shielded: a session cancelled now leaves the write to finish.
        await asyncio.shield(fut)

    # -- the writer thread ---------------------------------------------------

    def _run(self) -> None:
        kernel_name()
        stop = False
        while not stop:
            first = self._jobs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            self._commit(batch)
            try:
                self.loop.call_soon_threadsafe(self._finish, batch)
            except RuntimeError:  # the loop is closed: nobody waits any more
                return

    def _commit(self, batch: list[_Job]) -> None:
        spool = self.spool
        staged: list[tuple[_Job, list[int]]] = []
        for job in batch:  # the files, written
            try:
                staged.append((job, spool.stage_unsynced(job.env, job.message)))
            except SpoolError as e:
                job.error = str(e)
        for job, fds in staged:  # and fsynced
            try:
                for fd in fds:
                    os.fsync(fd)
            except OSError as e:
                job.error = f"spool write for {job.env.id} failed: {e}"
                spool.discard(job.env.id)
            finally:
                for fd in fds:
                    os.close(fd)
        committed = []
        for job in batch:  # the commit points
            if job.error is None:
                try:
                    spool.publish(job.env.id)
                    committed.append(job)
                except SpoolError as e:
                    job.error = str(e)
        if committed:
            try:
                spool.sync_input()
            except OSError as e:
                for job in committed:
                    job.error = f"spool write for {job.env.id} failed: {e}"

    def _finish(self, batch: list[_Job]) -> None:
        for job in batch:
            if job.error is None and self.on_commit is not None:
                self.on_commit(job.env)
            if job.fut.done():
                continue
            if job.error is None:
                job.fut.set_result(None)
            else:
                job.fut.set_exception(SpoolError(job.error))

