"""Drive the dialogue over plain bytes instead of a socket, as ``exim -bh``
does with standard input: the client's bytes are fed to the protocol's own
stream reader, and what it writes is collected."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Iterable

from acl.smtp.policy import Policy
from acl.smtp.server import EximSMTP


class CollectingTransport(asyncio.Transport):
    """A transport that keeps what is written (the server's replies)."""

    def __init__(self, write: Callable[[bytes], None], peer: tuple[str, int]) -> None:
        super().__init__()
        self._write = write
        self._closing = False
        self._peer = peer

    def write(self, data: bytes) -> None:
        if not self._closing:
            self._write(bytes(data))

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._peer if name == "peername" else default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def can_write_eof(self) -> bool:
        return False


async def _run(policy: Policy, chunks: Iterable[bytes] | None, read: Callable[[], Any] | None,
               write: Callable[[bytes], None], peer: tuple[str, int]) -> None:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    proto = EximSMTP(policy, host_checking=True, loop=loop,
                     on_done=lambda: done.done() or done.set_result(None))
    transport = CollectingTransport(write, peer)
    proto.connection_made(transport)
    if chunks is not None:
        for chunk in chunks:
            proto.data_received(chunk)
        proto.eof_received()
    else:
        assert read is not None
        while not done.done():
            data = await loop.run_in_executor(None, read)
            if not data:
                proto.eof_received()
                break
            proto.data_received(data)
    await done
    task = proto._handler_coroutine
    if task is not None:
        await asyncio.gather(task, return_exceptions=True)


def run_bytes(policy: Policy, data: bytes, write: Callable[[bytes], None],
              peer: tuple[str, int] = ("127.0.0.1", 0)) -> None:
    """The whole input at once (tests, batch use)."""
    asyncio.run(_run(policy, [data], None, write, peer))


def run_stream(policy: Policy, read: Callable[[], bytes], write: Callable[[bytes], None],
               peer: tuple[str, int] = ("127.0.0.1", 0)) -> None:
    """Input read as it comes (``read`` blocks; b"" at end)."""
    asyncio.run(_run(policy, None, read, write, peer))
