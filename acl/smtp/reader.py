"""Bounded line reading over an asyncio StreamReader (commands and DATA share
one buffer, so nothing read ahead is lost between them)."""

from __future__ import annotations

import asyncio

READ_SIZE = 1 << 16


class LineReader:
    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._buf = b""
        self.eof = False

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
                data = await self._reader.read(READ_SIZE)
                if not data:
                    self.eof = True
                self._buf += data
                continue
            line, self._buf = self._buf[:end], self._buf[end:]
            return line

    def pending(self) -> bool:
        """Is input already waiting (the client did not wait for our reply)?"""
        return bool(self._buf) or bool(getattr(self._reader, "_buffer", b""))

    async def read_exact(self, n: int) -> bytes:
        """The next ``n`` bytes (a BDAT chunk); fewer only at end of input."""
        while len(self._buf) < n and not self.eof:
            data = await self._reader.read(max(READ_SIZE, min(n - len(self._buf), 1 << 20)))
            if not data:
                self.eof = True
            self._buf += data
        chunk, self._buf = self._buf[:n], self._buf[n:]
        return chunk
