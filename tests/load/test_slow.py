"""Clients that trickle their commands and message a byte or a few at a time
do not hold up the others, and their messages arrive whole."""

from __future__ import annotations

import asyncio
import time

from bench.smtpload import reply
from tests.load.support import MAX_RSS_MIB, LoadServer, connection, message_id, missing, normal_sessions, watched

SLOW = 30
GAP = 0.01  # seconds between two pieces
BODY = b"".join(b"line %03d of a message sent slowly\r\n" % n for n in range(12))


async def trickle(writer: asyncio.StreamWriter, data: bytes, piece: int) -> None:
    for i in range(0, len(data), piece):
        writer.write(data[i:i + piece])
        await writer.drain()
        await asyncio.sleep(GAP)


async def slow_client(port: int) -> tuple[str, float]:
    """One session, commands one byte at a time, the message 3 bytes at a time."""
    t0 = time.perf_counter()
    async with connection(port) as (reader, writer):
        assert (await reply(reader, 30))[0] == 220
        for line, want in ((b"EHLO slow.load.example\r\n", 250), (b"MAIL FROM:<slow@load.example>\r\n", 250),
                           (b"RCPT TO:<b@load.example>\r\n", 250), (b"DATA\r\n", 354)):
            await trickle(writer, line, 1)
            assert (await reply(reader, 30))[0] == want, line
        await trickle(writer, b"Subject: slow\r\n\r\n" + BODY + b".\r\n", 3)
        code, text = await reply(reader, 30)
        assert code == 250, text
        await trickle(writer, b"QUIT\r\n", 1)
        assert (await reply(reader, 30))[0] == 221
        return message_id(text), time.perf_counter() - t0


def test_slow_clients_do_not_hold_up_others(server: LoadServer) -> None:
    async def go() -> tuple[list[tuple[str, float]], object, float]:
        slow = asyncio.gather(*(slow_client(server.port) for _ in range(SLOW)))
        await asyncio.sleep(0.2)  # the slow ones are all in the middle of their sessions
        t0 = time.perf_counter()
        fast = await normal_sessions(server.port, 100, 10)
        fast_done = time.perf_counter() - t0
        return await slow, fast, fast_done

    (slow, fast, fast_done), watch = asyncio.run(watched(server, go()))
    slowest = max(t for _, t in slow)
    print(f"100 normal sessions in {fast_done:.2f}s (p99 {fast.percentile(99) * 1000:.0f} ms) "
          f"beside {SLOW} trickling clients (slowest {slowest:.2f}s); {watch}")
    assert fast.errors == {} and fast.messages == 100
    assert fast.percentile(99) < 2.0
    assert fast_done < slowest  # served while the trickling sessions were still open
    ids = [i for i, _ in slow] + fast.ids
    assert missing(server, ids) == []
    # The trickled message arrived whole.
    data = (server.base / "spool" / "input" / f"{slow[0][0]}-D").read_bytes()
    assert BODY.replace(b"\r\n", b"\n") in data
    assert watch.growth_mib < 100 and watch.peak_mib < MAX_RSS_MIB
