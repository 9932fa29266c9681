"""The load tests' server and clients: `acl serve` as its own process (so
that its memory can be read from /proc), raw asyncio SMTP clients, and the
checks that every acknowledged message reached the spool."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Awaitable, Iterable, TypeVar

from bench.smtpload import Result, SessionError, Workload, close, command, reply, session
from tests.serve.support import Subprocess, free_port

T = TypeVar("T")
_ID = re.compile(rb"id=(\S+)")

CONF = """
primary_hostname = mx.load.example
spool_directory = {base}/spool
log_file_path = {base}/log/%slog
queue_only
smtp_accept_max = 0
smtp_accept_max_per_host = 0
smtp_connect_backlog = 2048
smtp_receive_timeout = 30s
domainlist local_domains = load.example
acl_smtp_rcpt = rcpt
acl_smtp_data = data

begin acl

rcpt:
  deny    local_parts = ^.*[@%!/|]
  accept  domains = +local_domains
          set acl_m_n = ${{eval:0$acl_m_n+1}}

data:
  accept
"""

# The server's resident memory never goes above this in any load test (it
# starts at about 35 MiB and peaked at about 75 MiB, with 1,000 connections).
MAX_RSS_MIB = 300

WORKLOAD = Workload(helo="client.load.example", sender="load@client.load.example",
                    recipients=("a@load.example", "b@load.example"), body_size=1024)


def kib(pid: int, field: str) -> int:
    """A VmRSS / VmHWM figure of /proc/PID/status, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class LoadServer:
    """`acl serve --foreground` on a loopback port, spooling with queue_only."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        (base / "log").mkdir(parents=True, exist_ok=True)
        self.conf = base / "configure"
        self.conf.write_text(CONF.format(base=base))
        self.proc = Subprocess(["-C", str(self.conf), "--listen", f"127.0.0.1:{self.port}",
                                "--state-dir", str(base)], cwd=base)

    def start(self) -> "LoadServer":
        self.proc.start(self.port)
        return self

    def stop(self) -> None:
        self.proc.stop()

    @property
    def pid(self) -> int:
        assert self.proc.proc is not None
        return self.proc.proc.pid

    def alive(self) -> bool:
        assert self.proc.proc is not None
        return self.proc.proc.poll() is None

    def rss(self) -> int:
        return kib(self.pid, "VmRSS")

    def open_fds(self) -> int:
        return len(list(Path(f"/proc/{self.pid}/fd").iterdir()))

    def spooled(self) -> set[str]:
        return {p.name[:-2] for p in (self.base / "spool" / "input").glob("*-H")}

    def tmp_files(self) -> list[Path]:
        return list((self.base / "spool" / "tmp").glob("*"))

    def mainlog(self) -> str:
        return (self.base / "log" / "mainlog").read_text(errors="replace")


class RssWatch:
    """Samples the server's RSS every 50 ms while a test's load runs."""

    def __init__(self, server: LoadServer) -> None:
        self.server = server
        self.base = server.rss()
        self.peak = self.base

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.peak = max(self.peak, self.server.rss())
            try:
                await asyncio.wait_for(stop.wait(), 0.05)
            except asyncio.TimeoutError:
                pass

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.base) / 1024

    @property
    def peak_mib(self) -> float:
        return self.peak / 1024

    def __str__(self) -> str:
        return f"RSS {self.base / 1024:.0f} MiB before, peak {self.peak_mib:.0f} MiB"


async def watched(server: LoadServer, work: Awaitable[T]) -> tuple[T, RssWatch]:
    """Run ``work`` while sampling the server's RSS."""
    watch = RssWatch(server)
    stop = asyncio.Event()
    sampler = asyncio.create_task(watch.run(stop))
    try:
        return await work, watch
    finally:
        stop.set()
        await sampler


async def normal_sessions(port: int, count: int, concurrency: int) -> Result:
    """``count`` ordinary full sessions, ``concurrency`` at a time."""
    result = Result()
    todo = iter(range(count))

    async def worker() -> None:
        for n in todo:
            await session("127.0.0.1", port, WORKLOAD, n, result, timeout=30)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - t0
    return result


@asynccontextmanager
async def connection(port: int, timeout: float = 30) -> AsyncIterator[tuple[asyncio.StreamReader,
                                                                             asyncio.StreamWriter]]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        yield reader, writer
    finally:
        await close(writer)


async def envelope(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout: float = 30) -> None:
    """Banner, EHLO, MAIL and one RCPT, each answered as it should be."""
    code, _ = await reply(reader, timeout)
    if code != 220:
        raise SessionError(f"banner {code}")
    await command(reader, writer, b"EHLO client.load.example\r\n", 250, timeout)
    await command(reader, writer, b"MAIL FROM:<load@client.load.example>\r\n", 250, timeout)
    await command(reader, writer, b"RCPT TO:<a@load.example>\r\n", 250, timeout)


def message_id(text: bytes) -> str:
    found = _ID.search(text)
    if not found:
        raise SessionError(f"no id in {text!r}")
    return found.group(1).decode()


def rst_close(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed client's kernel would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    writer.transport.abort()


def missing(server: LoadServer, ids: Iterable[str]) -> list[str]:
    """Acknowledged ids that are not in the spool (queue_only: nothing is delivered)."""
    have = server.spooled()
    return [i for i in ids if i not in have]
