"""TLS over an existing asyncio connection with pyOpenSSL.

asyncio's ``start_tls`` only accepts ``ssl.SSLContext``, which cannot staple
OCSP proofs; so the TLS layer here is an ``OpenSSL.SSL.Connection`` with memory
BIOs: the raw socket transport gets :class:`_RecordLayer` as its protocol
(ciphertext in), and the application protocol gets :class:`TlsTransport`
(plaintext out). The application protocol itself is not replaced: whatever
stream reader it feeds keeps working, now with decrypted bytes."""

from __future__ import annotations

import asyncio
from typing import Any

from OpenSSL import SSL

from acl.errors import AclError

READ_CHUNK = 1 << 16
MAX_RECORDS_PER_CALL = 4096  # bound on the decrypt loop of one data_received()


class TlsHandshakeError(AclError):
    """The handshake failed; ``message`` is what follows Exim's
    ``TLS error on connection from H (SSL_accept): ``."""


def ssl_error_text(exc: BaseException) -> str:
    """OpenSSL's reason strings (pyOpenSSL keeps them as tuples)."""
    if isinstance(exc, SSL.Error) and exc.args and isinstance(exc.args[0], list):
        reasons = [r[2] for r in exc.args[0] if len(r) == 3 and r[2]]
        if reasons:
            return "; ".join(reasons)
    if isinstance(exc, SSL.SysCallError):
        return "Connection reset by peer" if exc.args and exc.args[0] == -1 else str(exc)
    return str(exc) or type(exc).__name__


class TlsTransport(asyncio.Transport):
    """The plaintext side: writes are encrypted and sent on the raw transport."""

    def __init__(self, raw: asyncio.Transport, conn: SSL.Connection) -> None:
        super().__init__()
        self._raw = raw
        self.conn = conn
        self._closing = False

    def flush(self) -> None:
        """Send whatever OpenSSL has queued (handshake records, data, alerts)."""
        out = bytearray()
        while True:
            try:
                chunk = self.conn.bio_read(READ_CHUNK)
            except SSL.WantReadError:
                break
            if not chunk:
                break
            out += chunk
        if out and not self._raw.is_closing():
            self._raw.write(bytes(out))

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing or not data:
            return
        self.conn.sendall(bytes(data))  # never blocks: the BIO is memory
        self.flush()

    def writelines(self, list_of_data: Any) -> None:
        self.write(b"".join(list_of_data))

    def can_write_eof(self) -> bool:
        return False

    def is_closing(self) -> bool:
        return self._closing or self._raw.is_closing()

    def close(self) -> None:
        """close_notify, then the socket (Exim does not wait for the peer's)."""
        if self._closing:
            return
        self._closing = True
        try:
            self.conn.shutdown()
            self.flush()
        except SSL.Error:
            pass
        self._raw.close()

    def abort(self) -> None:
        self._closing = True
        self._raw.abort()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "ssl_object":
            return self.conn
        return self._raw.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._raw.pause_reading()

    def resume_reading(self) -> None:
        self._raw.resume_reading()

    def is_reading(self) -> bool:
        return self._raw.is_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._raw.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._raw.get_write_buffer_size()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        raise NotImplementedError("the application protocol of a TLS bridge is fixed")

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._raw.get_protocol()


class _RecordLayer(asyncio.Protocol):
    """The raw transport's protocol: ciphertext in, handshake, plaintext to the app."""

    def __init__(self, app: asyncio.Protocol, transport: TlsTransport,
                 waiter: asyncio.Future[None]) -> None:
        self.app = app
        self.tls = transport
        self.waiter = waiter
        self.handshaken = False
        self.eof = False

    def data_received(self, data: bytes) -> None:
        conn = self.tls.conn
        conn.bio_write(data)
        if not self.handshaken:
            try:
                conn.do_handshake()
            except SSL.WantReadError:
                self.tls.flush()
                return
            except SSL.Error as exc:
                self.tls.flush()  # the alert tells the client why
                self._fail(TlsHandshakeError(ssl_error_text(exc)))
                return
            self.handshaken = True
            self.tls.flush()
            if not self.waiter.done():
                self.waiter.set_result(None)
        self._deliver()

    def _deliver(self) -> None:
        conn = self.tls.conn
        for _ in range(MAX_RECORDS_PER_CALL):
            try:
                chunk = conn.recv(READ_CHUNK)
            except SSL.WantReadError:
                break
            except SSL.ZeroReturnError:  # close_notify: the client's end of data
                self._app_eof()
                break
            except SSL.Error:
                self.tls.abort()
                break
            if not chunk:
                break
            self.app.data_received(chunk)
        self.tls.flush()  # key updates and the like

    def _app_eof(self) -> None:
        if not self.eof:
            self.eof = True
            self.app.eof_received()

    def _fail(self, exc: Exception) -> None:
        if not self.waiter.done():
            self.waiter.set_exception(exc)

    def eof_received(self) -> bool | None:
        if not self.handshaken:
            self._fail(TlsHandshakeError("Connection closed by peer"))
            return None
        self._app_eof()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(TlsHandshakeError("Connection reset by peer"))
        self.app.connection_lost(exc)

    def pause_writing(self) -> None:
        self.app.pause_writing()

    def resume_writing(self) -> None:
        self.app.resume_writing()


async def wrap_server(transport: asyncio.Transport, app: asyncio.Protocol, conn: SSL.Connection,
                      timeout: float | None = None, greeting: bytes = b"") -> TlsTransport:
    """Run the server handshake on ``transport`` (whose protocol is ``app``) and
    return the transport the application writes to from now on. ``greeting``
    (the 220 reply) is sent once the record layer is in place, so that a
    ClientHello cannot reach the plaintext reader. Raises TlsHandshakeError
    (the raw connection is then left to the caller to close)."""
    conn.set_accept_state()
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()
    tls = TlsTransport(transport, conn)
    layer = _RecordLayer(app, tls, waiter)
    transport.set_protocol(layer)
    if greeting:
        transport.write(greeting)
    try:
        if timeout and timeout > 0:
            async with asyncio.timeout(timeout):
                await waiter
        else:
            await waiter
    except TimeoutError:
        raise TlsHandshakeError("timed out") from None
    return tls
