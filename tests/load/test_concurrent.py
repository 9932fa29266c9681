"""1,000 clients connected at once, each then sending a message."""

from __future__ import annotations

import asyncio

from bench.smtpload import command, reply
from tests.load.support import MAX_RSS_MIB, LoadServer, connection, message_id, missing, normal_sessions, watched

WANTED = 1000
MAX_GROWTH_MIB = 200  # measured: about 40 MiB for 1,000 open sessions


def connections_possible(fd_limit: int) -> int:
    """As many as the descriptor limit leaves room for (the client process holds
    one per connection, and so does the server)."""
    return max(50, min(WANTED, fd_limit - 100))


async def one_client(port: int, all_connected: asyncio.Event, counter: list[int], total: int) -> str:
    async with connection(port, timeout=60) as (reader, writer):
        code, _ = await reply(reader, 60)
        assert code == 220
        counter[0] += 1
        if counter[0] == total:
            all_connected.set()
        await asyncio.wait_for(all_connected.wait(), 60)  # every session is open now
        await command(reader, writer, b"EHLO client.load.example\r\n", 250, 60)
        await command(reader, writer, b"MAIL FROM:<load@client.load.example>\r\n", 250, 60)
        await command(reader, writer, b"RCPT TO:<a@load.example>\r\n", 250, 60)
        await command(reader, writer, b"DATA\r\n", 354, 60)
        text = await command(reader, writer, b"Subject: hello\r\n\r\nbody\r\n.\r\n", 250, 60)
        await command(reader, writer, b"QUIT\r\n", 221, 60)
        return message_id(text)


def test_thousand_concurrent_connections(server: LoadServer, fd_limit: int) -> None:
    total = connections_possible(fd_limit)
    print(f"descriptor limit {fd_limit}: {total} concurrent connections")

    async def go() -> list[str | BaseException]:
        all_connected = asyncio.Event()
        counter = [0]
        return await asyncio.gather(*(one_client(server.port, all_connected, counter, total)
                                      for _ in range(total)), return_exceptions=True)

    results, watch = asyncio.run(watched(server, go()))
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, f"{len(failures)} failed, first: {failures[0]!r}"
    ids = [r for r in results if isinstance(r, str)]
    assert len(set(ids)) == total
    assert missing(server, ids) == []
    print(watch)
    assert watch.growth_mib < MAX_GROWTH_MIB and watch.peak_mib < MAX_RSS_MIB
    # Still serving normally afterwards.
    after = asyncio.run(normal_sessions(server.port, 20, 5))
    assert after.errors == {} and after.messages == 20
    assert missing(server, after.ids) == []
    assert server.alive()
