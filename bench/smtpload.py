#!/usr/bin/env python3
"""An asyncio SMTP load generator: many clients in lock-step SMTP sessions.

Each session is the benchmark's unit of work: connect, banner, EHLO, MAIL,
RCPT x N, DATA with a body of a fixed size, QUIT (then the client half-closes
and waits for 221). Its latency runs from connect() to the 221. A worker runs sessions back
to back; ``concurrency`` workers run at once. The run stops after ``sessions``
sessions in all, or when ``seconds`` have passed (whichever comes first), so
it is always bounded.

Usage: python3 bench/smtpload.py --port 2525 [-c 10] [-n 500] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from dataclasses import dataclass, field

MAX_REPLY_LINES = 100  # a multi-line reply longer than this is a broken server
_ID = re.compile(rb"id=(\S+)")


class SessionError(Exception):
    """An unexpected reply, a closed connection or a timeout in a session."""


@dataclass(frozen=True)
class Workload:
    helo: str = "client.bench.example"
    sender: str = "sender@client.bench.example"
    recipients: tuple[str, ...] = tuple(f"user{n}@bench.example" for n in range(1, 6))
    body_size: int = 2048
    sources: tuple[str, ...] = ("127.0.0.1",)  # client addresses, used in turn

    def message(self, n: int) -> bytes:
        """A message of about ``body_size`` bytes, dot-stuffing-safe, ending in CRLF.CRLF."""
        head = (f"From: <{self.sender}>\r\nTo: <{self.recipients[0]}>\r\n"
                f"Subject: load test {n}\r\nMessage-ID: <{n}.{time.time_ns()}@client.bench.example>\r\n\r\n")
        line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
        body = (line * (self.body_size // len(line) + 1))[: self.body_size - 2] + "\r\n"
        return (head + body + ".\r\n").encode()


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds per completed session
    messages: int = 0  # DATA answered 250
    ids: list[str] = field(default_factory=list)  # from "250 ... id=X"
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def sessions(self) -> int:
        return len(self.latencies)

    def error(self, why: str) -> None:
        self.errors[why] = self.errors.get(why, 0) + 1

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        got = sorted(self.latencies)
        return got[min(len(got) - 1, int(p / 100 * len(got)))]


async def reply(reader: asyncio.StreamReader, timeout: float) -> tuple[int, bytes]:
    """One SMTP reply, all its lines: (code, text of the last line)."""
    for _ in range(MAX_REPLY_LINES):
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            raise SessionError("connection closed")
        if len(line) < 4 or not line[:3].isdigit():
            raise SessionError(f"bad reply {line[:40]!r}")
        if line[3:4] != b"-":
            return int(line[:3]), line
    raise SessionError("reply too long")


async def command(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, line: bytes,
                  want: int, timeout: float) -> bytes:
    writer.write(line)
    code, text = await reply(reader, timeout)
    if code != want:
        raise SessionError(f"{line.split(b' ')[0].strip().decode(errors='replace')} -> {code}")
    return text


async def close(writer: asyncio.StreamWriter) -> None:
    """Close and wait for it; a connection the peer reset is closed too."""
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass


async def session(host: str, port: int, wl: Workload, n: int, result: Result,
                  timeout: float = 30.0) -> None:
    """One full session; its latency and message id go into ``result``."""
    start = time.perf_counter()
    source = wl.sources[n % len(wl.sources)]
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, local_addr=(source, 0), limit=1 << 16), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        result.error(f"connect: {type(e).__name__}")
        return
    try:
        code, _ = await reply(reader, timeout)
        if code != 220:
            raise SessionError(f"banner {code}")
        await command(reader, writer, f"EHLO {wl.helo}\r\n".encode(), 250, timeout)
        await command(reader, writer, f"MAIL FROM:<{wl.sender}>\r\n".encode(), 250, timeout)
        for rcpt in wl.recipients:
            await command(reader, writer, f"RCPT TO:<{rcpt}>\r\n".encode(), 250, timeout)
        await command(reader, writer, b"DATA\r\n", 354, timeout)
        text = await command(reader, writer, wl.message(n), 250, timeout)
        result.messages += 1
        found = _ID.search(text)
        if found:
            result.ids.append(found.group(1).decode())
        # QUIT then half-close, as an MTA client does: Exim corks its socket
        # after a message and holds 221 up to 200 ms for a pipelined command
        # unless it sees the end of input.
        writer.write(b"QUIT\r\n")
        if writer.can_write_eof():
            writer.write_eof()
        code, _ = await reply(reader, timeout)
        if code != 221:
            raise SessionError(f"QUIT -> {code}")
        result.latencies.append(time.perf_counter() - start)
    except SessionError as e:
        result.error(str(e))
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
        result.error(type(e).__name__)
    finally:
        await close(writer)


async def run_load(host: str, port: int, concurrency: int, sessions: int, seconds: float,
                   wl: Workload | None = None) -> Result:
    """``concurrency`` workers doing sessions until ``sessions`` are started or
    ``seconds`` are over."""
    wl = wl or Workload()
    result = Result()
    started = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal started
        while started < sessions and time.perf_counter() < deadline:
            started += 1
            await session(host, port, wl, started, result)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - t0
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("-c", "--concurrency", type=int, default=10)
    ap.add_argument("-n", "--sessions", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=30.0)
    a = ap.parse_args()
    r = asyncio.run(run_load(a.host, a.port, a.concurrency, a.sessions, a.seconds))
    print(f"{r.sessions} sessions, {r.messages} messages in {r.elapsed:.2f}s: "
          f"{r.sessions / r.elapsed:.1f} sessions/s, p50 {r.percentile(50) * 1000:.1f} ms, "
          f"p99 {r.percentile(99) * 1000:.1f} ms, errors {r.errors or 'none'}")


if __name__ == "__main__":
    main()
