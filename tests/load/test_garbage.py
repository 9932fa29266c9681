"""1 MiB command lines, 1 MiB of binary garbage and 1 MiB message lines, sent
while ordinary clients use the server: the abusers get error replies and are
disconnected, the message with a long line is kept whole, memory stays bounded."""

from __future__ import annotations

import asyncio
import random

from bench.smtpload import command, reply
from tests.load.support import MAX_RSS_MIB, LoadServer, connection, envelope, message_id, missing, normal_sessions, watched

MIB = 1 << 20
EACH = 8  # clients of each abusive kind
MAX_READ = 4 * MIB  # what one abusive client reads back, at most


async def replies_until_closed(reader: asyncio.StreamReader, timeout: float = 30) -> list[bytes]:
    """Every reply line until the server closes (bounded in bytes and time).
    A server that closes with our input unread makes the kernel send a reset:
    that counts as closed."""
    lines: list[bytes] = []
    got = 0
    async with asyncio.timeout(timeout):
        while got < MAX_READ:
            try:
                line = await reader.readline()
            except ConnectionResetError:
                return lines
            if not line:
                return lines
            got += len(line)
            lines.append(line)
    raise AssertionError("the server kept answering")


async def abuser(port: int, payload: bytes) -> list[bytes]:
    async with connection(port) as (reader, writer):
        assert (await reply(reader, 30))[0] == 220
        try:
            writer.write(payload + b"QUIT\r\n")
            await writer.drain()
            writer.write_eof()
        except (ConnectionResetError, BrokenPipeError):
            pass  # refused before it all went: the replies are still there to read
        return await replies_until_closed(reader)


async def long_message_line(port: int) -> str:
    async with connection(port) as (reader, writer):
        await envelope(reader, writer)
        await command(reader, writer, b"DATA\r\n", 354, 30)
        text = await command(reader, writer, b"Subject: long\r\n\r\n" + b"y" * MIB + b"\r\n.\r\n", 250, 30)
        await command(reader, writer, b"QUIT\r\n", 221, 30)
        return message_id(text)


def test_long_lines_and_garbage(server: LoadServer) -> None:
    rng = random.Random(5)
    long_line = b"EHLO " + b"a" * MIB + b"\r\n"
    garbage = [rng.randbytes(MIB) for _ in range(EACH)]

    async def go() -> tuple[list[list[bytes]], list[list[bytes]], list[str], object]:
        lines = asyncio.gather(*(abuser(server.port, long_line) for _ in range(EACH)))
        junk = asyncio.gather(*(abuser(server.port, g) for g in garbage))
        longs = asyncio.gather(*(long_message_line(server.port) for _ in range(EACH)))
        fast = await normal_sessions(server.port, 50, 5)
        return await lines, await junk, await longs, fast

    (lines, junk, longs, fast), watch = asyncio.run(watched(server, go()))
    assert fast.errors == {} and fast.messages == 50  # type: ignore[attr-defined]
    for got in lines + junk:
        codes = {x[:3] for x in got}
        assert codes and all(c.isdigit() for c in codes), got[:5]
        assert not any(c.startswith(b"2") and c != b"221" for c in codes), got[:5]
    # The overlong command is refused, not taken as a greeting.
    assert all(got[0][:1] == b"5" for got in lines), lines[0][:3]
    ids = longs + fast.ids  # type: ignore[attr-defined]
    assert missing(server, ids) == []
    data = (server.base / "spool" / "input" / f"{longs[0]}-D").read_bytes()
    assert b"y" * MIB + b"\n" in data
    print(f"replies to a 1 MiB command line: {lines[0][:4]}; to 1 MiB of garbage: {len(junk[0])} lines; "
          f"{watch}")
    assert watch.growth_mib < 150 and watch.peak_mib < MAX_RSS_MIB
    assert server.alive()
