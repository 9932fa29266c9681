"""Clients that vanish in the middle of their message data (closing
normally or with a reset): nothing of theirs is spooled, nothing is left in
the spool's tmp/, the others keep being served."""

from __future__ import annotations

import asyncio
import time


from bench.smtpload import command
from tests.load.support import MAX_RSS_MIB, LoadServer, connection, envelope, missing, normal_sessions, rst_close, watched

VANISH = 40
HALF = b"Subject: gone\r\n\r\n" + b"x" * 60_000 + b"\r\n"  # several reads' worth, never ended


async def vanishing_client(port: int, reset: bool) -> None:
    async with connection(port) as (reader, writer):
        await envelope(reader, writer)
        await command(reader, writer, b"DATA\r\n", 354, 30)
        writer.write(HALF)
        await writer.drain()
        await asyncio.sleep(0.05)
        if reset:
            rst_close(writer)


def wait_for(cond, timeout: float = 10) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


LOST = "lost while reading message data"


def test_clients_vanishing_mid_data(server: LoadServer) -> None:
    before = server.spooled()
    fds_before = server.open_fds()
    lost_before = server.mainlog().count(LOST)

    async def go() -> object:
        gone = asyncio.gather(*(vanishing_client(server.port, reset=n % 2 == 1) for n in range(VANISH)))
        fast = await normal_sessions(server.port, 60, 10)
        await gone
        return fast

    fast, watch = asyncio.run(watched(server, go()))
    assert fast.errors == {} and fast.messages == 60  # type: ignore[attr-defined]
    assert missing(server, fast.ids) == []  # type: ignore[attr-defined]
    # Only the acknowledged messages are new in the spool: the vanished left nothing.
    assert server.spooled() - before == set(fast.ids)  # type: ignore[attr-defined]
    # Every vanished session is closed: no descriptor kept, no partial file left.
    assert wait_for(lambda: server.open_fds() <= fds_before), (fds_before, server.open_fds())
    assert server.tmp_files() == []
    # Exim logs each as lost; those that closed normally at least must be (see below).
    assert wait_for(lambda: server.mainlog().count(LOST) - lost_before >= VANISH // 2), server.mainlog()[-2000:]
    print(f"{VANISH} vanished mid-DATA beside 60 normal sessions; {watch}")
    assert watch.growth_mib < 100 and watch.peak_mib < MAX_RSS_MIB
    assert server.alive()


# Exim 4.96's daemon logs a reset during DATA as lost too (checked with exim -bd).
def test_reset_mid_data_is_logged_as_lost(server: LoadServer) -> None:
    lost_before = server.mainlog().count(LOST)
    asyncio.run(vanishing_client(server.port, reset=True))
    assert wait_for(lambda: server.mainlog().count(LOST) > lost_before, timeout=3)
