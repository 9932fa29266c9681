"""Bounded line reading over an asyncio StreamReader (commands and DATA share
one buffer, so nothing read ahead is lost between them)."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

READ_SIZE = 1 << 16


class LineReader:
    def __init__(self, reader: asyncio.StreamReader,
                 before_wait: Callable[[], Awaitable[None]] | None = None) -> None:
        self._reader = reader
        self._buf = b""
        self.eof = False
        self.reset = False  # the input ended by a connection error (RST), not a FIN
        # Called when the buffer is empty, before waiting for the client:
        # held replies must be on their way by then.
        self.before_wait = before_wait

    async def _more(self, n: int) -> None:
        if self.before_wait is not None:
            await self.before_wait()
        try:
            data = await self._reader.read(n)
        except (ConnectionError, OSError):
            # A reset ends the input like an EOF: the dialogue logs it as Exim does.
            data = b""
            self.reset = True
        if not data:
            self.eof = True
        self._buf += data

    async def getline(self, limit: int) -> bytes:
        """Up to and including the next LF, but at most ``limit`` bytes; less
        without LF only at end of input (b"" once input is exhausted)."""
        while True:
            nl = self._buf.find(b"\n", 0, limit)
            if nl >= 0:
                end = nl + 1
            elif len(self._buf) >= limit or self.eof:
                end = min(limit, len(self._buf))
            else:
                await self._more(READ_SIZE)
                continue
            line, self._buf = self._buf[:end], self._buf[end:]
            return line

    def pending(self) -> bool:
        """Is input already waiting (the client did not wait for our reply)?"""
        return bool(self._buf) or bool(getattr(self._reader, "_buffer", b""))

    async def read_exact(self, n: int) -> bytes:
        """The next ``n`` bytes (a BDAT chunk); fewer only at end of input."""
        while len(self._buf) < n and not self.eof:
            await self._more(max(READ_SIZE, min(n - len(self._buf), 1 << 20)))
        chunk, self._buf = self._buf[:n], self._buf[n:]
        return chunk
