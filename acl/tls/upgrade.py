"""STARTTLS on a stream protocol (aiosmtpd's SMTP, hence acl.smtp's EximSMTP):
the socket transport is moved under the TLS layer and the protocol's stream
reader and writer are pointed at the TLS transport, as aiosmtpd does for its
own STARTTLS."""

from __future__ import annotations

import asyncio
from typing import Any

from acl.tls.bridge import TlsTransport
from acl.tls.server import ServerTLS


def _stream_reader(protocol: Any) -> asyncio.StreamReader | None:
    reader = getattr(protocol, "_reader", None)
    # acl.serve wraps the reader for its timeouts; the real one is inside.
    return getattr(reader, "inner", reader)


async def starttls(protocol: Any, tls: ServerTLS, *, greeting: str = "220 TLS go ahead",
                   timeout: float | None = None) -> TlsTransport:
    """Reply ``greeting``, run the handshake and switch ``protocol`` to TLS;
    the $tls_in_* variables are then set in the session's context.

    Plaintext the client pipelined after STARTTLS is discarded (Exim does the
    same); a line reader of the caller's own must be emptied by the caller.
    Raises TlsUnavailable (before anything is sent: reply 454) or
    TlsHandshakeError (the connection is unusable: drop it)."""
    if tls.conn is None:
        tls.prepare()
    raw = protocol.transport
    reader = _stream_reader(protocol)
    if reader is not None:
        reader._buffer.clear()  # noqa: SLF001 - what aiosmtpd's STARTTLS does too
    tls_transport = await tls.start(raw, protocol, timeout, (greeting + "\r\n").encode() if greeting else b"")
    protocol._original_transport = raw  # aiosmtpd closes it when the connection goes
    protocol.transport = tls_transport
    writer = getattr(protocol, "_writer", None)
    if writer is not None:
        writer._transport = tls_transport
    if reader is not None:
        reader._transport = tls_transport
    tls.apply()
    return tls_transport
