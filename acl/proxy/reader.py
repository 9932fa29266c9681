"""Reading a PROXY header off a connection, consuming no more than the
header itself: whatever follows stays in the stream for the SMTP dialogue
(or for a TLS-on-connect handshake), where input sent before the banner is
a synchronization error. Every read is bounded in size (MAX_HEADER octets)
and the whole negotiation in time (proxy_protocol_timeout)."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from acl.proxy.header import (INITIAL_READ, MAX_HEADER, V2_HEADER_SIZE, V2_SIGNATURE, ProxyError,
                              ProxyInfo, parse_v1, parse_v2, v2_size)

DEFAULT_TIMEOUT = 3.0  # proxy_protocol_timeout's default


class Reader(Protocol):
    async def read(self, n: int) -> bytes: ...


async def _exact(reader: Reader, n: int) -> bytes:
    out = b""
    while len(out) < n:
        got = await reader.read(n - len(out))
        if not got:
            raise ProxyError("Truncated or too large PROXYv2 header")
        out += got
    return out


async def _rest_of_line(reader: Reader, have: bytes) -> bytes:
    """swallow_until_crlf(): octet by octet through the octet after a CR,
    within Exim's buffer; none if a CR LF is already in ``have``."""
    cr = have.find(b"\r")
    if 0 <= cr < len(have) - 1:
        return b""
    last = cr == len(have) - 1
    out = b""
    while len(have) + len(out) < MAX_HEADER:
        c = await reader.read(1)
        if not c:
            raise ProxyError("connection closed inside the PROXY header")
        out += c
        if last:
            return out
        last = c == b"\r"
    raise ProxyError("PROXY header longer than Exim's buffer")


async def _read(reader: Reader) -> ProxyInfo:
    got = await reader.read(INITIAL_READ)  # one read, as Exim's: what has arrived
    if len(got) == INITIAL_READ and got.startswith(V2_SIGNATURE[:12]):
        got += await _exact(reader, V2_HEADER_SIZE - INITIAL_READ)
        size = v2_size(got)
        got += await _exact(reader, size - V2_HEADER_SIZE)
        return parse_v2(got)
    if len(got) >= 8 and got.startswith(b"PROXY"):
        return parse_v1(got + await _rest_of_line(reader, got))
    try:  # Exim tidies up to the end of the line before it gives up
        await _rest_of_line(reader, got)
    except ProxyError:
        pass
    raise ProxyError("Invalid proxy protocol version negotiation")


async def read_proxy_header(reader: Any, timeout: float = DEFAULT_TIMEOUT) -> ProxyInfo | ProxyError:
    """The header at the start of ``reader`` (anything with ``async read(n)``,
    such as an asyncio.StreamReader), or the reason negotiation failed. A
    timeout of 0 or less waits for ever, as Exim's alarm(0) would."""
    try:
        if timeout > 0:
            async with asyncio.timeout(timeout):
                return await _read(reader)
        return await _read(reader)
    except ProxyError as e:
        return e
    except TimeoutError:
        return ProxyError("Timeout while reading proxy header")
    except (OSError, asyncio.IncompleteReadError) as e:
        return ProxyError(f"connection error while reading proxy header: {e}")
