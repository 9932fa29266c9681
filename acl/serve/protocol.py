"""One network connection: the dialogue of ``acl session`` (EximSMTP,
unchanged) with what a daemon adds around it: the connection limits of
daemon.c, smtp_receive_timeout, the host-name lookup done without blocking,
and the spool write that must happen before the 250 after DATA."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP

from acl.engine import Result
from acl.proxy.session import before_banner, needs_host_lookup
from acl.smtp import data as msgdata
from acl.smtp.server import Drop, EximSMTP
from acl.spool import Envelope, SpoolError

if TYPE_CHECKING:
    from acl.serve.daemon import Server, State


class _NoPolicy:
    """Stands in until the connection is known (the Policy needs the peer)."""

    ctx: Any = None


class TimedReader:
    """The protocol's stream reader with smtp_receive_timeout on every read.
    A read that finds data buffered needs no timer; one that waits moves a
    deadline forward, and a single timer per connection, re-armed only when
    it fires early, enforces it (a timer per read cost more than the read)."""

    def __init__(self, inner: asyncio.StreamReader, proto: "ServeSMTP") -> None:
        self.inner = inner
        self.proto = proto
        self.deadline = 0.0  # loop time the waiting read gives up at (0: none waits)
        self.waiter: asyncio.Task[Any] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.expired = False

    @property
    def _buffer(self) -> Any:  # LineReader.pending() looks here
        return self.inner._buffer

    async def read(self, n: int) -> bytes:
        limit = self.proto.state.receive_timeout
        inner = self.inner
        if limit <= 0 or inner._buffer or inner.at_eof():
            return await inner.read(n)
        loop = self.proto.loop
        self.deadline = loop.time() + limit
        self.waiter = asyncio.current_task()
        if self.timer is None:
            self.timer = loop.call_at(self.deadline, self._check)
        try:
            return await inner.read(n)
        except asyncio.CancelledError:
            if not self.expired or self.waiter is None:
                raise
            self.expired = False
            self.waiter.uncancel()
        finally:
            self.deadline = 0.0
        self.waiter = None
        await self.proto.timed_out()
        raise Drop from None

    def _check(self) -> None:
        self.timer = None
        if not self.deadline:
            return  # no read waits: the next one arms a timer
        loop = self.proto.loop
        if loop.time() < self.deadline:
            self.timer = loop.call_at(self.deadline, self._check)
        elif self.waiter is not None:
            self.expired = True
            self.waiter.cancel()

    def close(self) -> None:
        """The connection is over: no timer keeps it alive."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.waiter = None


class _QuickInit(SMTP):
    """aiosmtpd's own __init__ inspects the new instance (inspect.getmembers
    and dir, ~140 µs) for AUTH mechanisms, handler hooks and smtp_* methods on
    every connection; the Exim dialogue uses none of them (it has its own
    command loop), so a daemon sets the attributes aiosmtpd's other methods
    read and leaves those tables empty."""

    def __init__(self, handler: Any, *, hostname: str | None = None,
                 loop: asyncio.AbstractEventLoop | None = None, **_: Any) -> None:
        self.loop = loop if loop is not None else asyncio.get_event_loop()
        asyncio.StreamReaderProtocol.__init__(
            self, asyncio.StreamReader(loop=self.loop, limit=self.line_length_limit),
            client_connected_cb=self._cb_client_connected, loop=self.loop)
        self.event_handler = handler
        self.hostname = hostname or "localhost"
        self.data_size_limit = None
        self.enable_SMTPUTF8 = self._decode_data = False
        self.tls_context = None
        self.require_starttls = False
        self._timeout_duration = 300.0
        self._timeout_handle: asyncio.TimerHandle | None = None
        self._tls_handshake_okay = True
        self._tls_protocol = self._original_transport = None
        self.session = self.envelope = self.transport = None
        self._handler_coroutine = None
        self._auth_require_tls, self._auth_required = True, False
        self._authenticator = self._auth_callback = self._proxy_timeout = None
        self._auth_methods, self._handle_hooks, self._smtp_methods = {}, {}, {}
        self._ehlo_hook_ver = None
        self._enforce_call_limit = False


class ServeSMTP(EximSMTP, _QuickInit):
    def __init__(self, server: "Server") -> None:
        self.server = server
        self.state: "State" = server.state  # the configuration at connect time
        super().__init__(_NoPolicy(), host_checking=False, daemon=True,  # type: ignore[arg-type]
                         acl_executor=server.acl_pool, loop=server.loop)
        self.receive_timeout = self.state.receive_timeout
        self.last_code = ""
        self.spooling = False
        self.terminating = False
        self.peer: tuple[str, int] = ("", 0)
        self.local: tuple[str, int] = ("", 0)

    # aiosmtpd's own idle timer would close sessions at 300 s whatever the
    # configuration says; smtp_receive_timeout is applied per read instead.
    def _reset_timeout(self, duration: float | None = None) -> None:
        if self._timeout_handle is None:  # aiosmtpd cancels it when the connection goes
            self._timeout_handle = self.loop.call_later(1e9, lambda: None)

    def _timeout_cb(self) -> None:  # pragma: no cover - never armed
        pass

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.peer = self.server.peer_of(transport)
        sock = transport.get_extra_info("sockname") or ("", 0)
        self.local = (str(sock[0]), int(sock[1]))
        super().connection_made(transport)
        self._reader = TimedReader(self._reader, self)  # type: ignore[assignment]

    async def write(self, lines: list[str]) -> None:
        if lines:
            self.last_code = lines[-1][:3]
        await super().write(lines)

    async def run_phase(self, where: str) -> Any:
        """In the loop's thread when no ACL of the configuration can wait
        (State.acl_inline): the hop to a pool thread and back costs more
        than most ACL runs; otherwise in the pool, as the dialogue does."""
        if self.state.acl_inline and (not self.state.acl_reads_host_name or self.host_name_settled()):
            return self.policy.run(where)
        return await super().run_phase(where)

    def host_name_settled(self) -> bool:
        """$sender_host_name can be read without a lookup (one is made on
        demand while it is neither found nor known to fail)."""
        v = self.ctx.variables
        return bool(v.get("sender_host_name") or v.get("host_lookup_failed") == "1"
                    or not v.get("sender_host_address"))

    # -- the session --------------------------------------------------------

    async def _handle_client(self) -> None:
        server = self.server
        refusal = server.admit(self)
        if refusal is not None:
            reply, log = refusal
            server.log(log)
            if self.transport is not None:
                self.transport.write(reply.encode() + b"\r\n")
                self.transport.close()
            return
        try:
            self.policy = server.make_policy(self)
            self.ctx = self.policy.ctx
            self.log_connection()
            # The PROXY header comes first (hosts_proxy); a client it names is
            # looked up again whatever host_lookup says.
            proxy = await before_banner(self.ctx, self._reader, self.log)
            if proxy is None or not needs_host_lookup(self.ctx):
                await server.look_up_host(self.ctx)
            if not self.reserve_ok():
                return
            await super()._handle_client()
        except Exception as e:  # a bug before the dialogue: this session only
            self.internal_error(e)
            if self.transport is not None and not self.transport.is_closing():
                self.transport.close()
        finally:
            server.release(self)
            if isinstance(self._reader, TimedReader):
                self._reader.close()

    def log(self, text: str) -> None:
        if isinstance(self.policy, _NoPolicy):  # before the session has its Policy
            self.server.log(text)
        else:
            super().log(text)

    def log_connection(self) -> None:
        """log_selector +smtp_connection: the daemon's line for a new client
        (the proxy's address: the header is not read yet)."""
        from acl.smtp.selectors import selected

        self.build_fullhost()
        if selected(self.ctx, "smtp_connection"):
            self.log(f"{self.connection_info()} (TCP/IP connection count = {self.server.count})")

    def reserve_ok(self) -> bool:
        """smtp_accept_reserve (checked in smtp_start_session, as Exim does)."""
        st, server = self.state, self.server
        from acl.smtp.options import host_in

        connected = server.count - 1
        if st.accept_reserve <= 0 or st.accept_max <= 0 or \
                connected < st.accept_max - st.accept_reserve or host_in(self.ctx, "smtp_reserve_hosts"):
            return True
        server.log(f"temporarily refused connection from {self.policy.host(False)}: not in reserve "
                   f"list: connected={connected} max={st.accept_max} reserve={st.accept_reserve}")
        if self.transport is not None:
            self.transport.write(f"421 {self.active_hostname}: Too many concurrent SMTP connections; "
                                 "please try again later\r\n".encode())
            self.transport.close()
        return False

    async def timed_out(self) -> None:
        host = self.active_hostname
        if self.last_code == "354":
            self.log(f"SMTP data timeout (message abandoned) on connection from "
                     f"{self.policy.host(False)} F=<{self.sender or ''}>")
            await self.notquit("data-timeout",
                               f"421 {host} SMTP incoming data timeout - closing connection.")
        else:
            self.log(f"SMTP command timeout on connection from {self.policy.host(False)}")
            await self.notquit("command-timeout",
                               f"421 {host}: SMTP command timeout - closing connection")

    def terminate(self) -> bool:
        """SIGTERM after the grace period: 421 and end, unless a message is
        being written to the spool (then it is left to finish)."""
        if self.spooling or self._handler_coroutine is None or self._handler_coroutine.done():
            return False
        self.terminating = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(f"421 {self.active_hostname}: Service not available - "
                                 "closing connection\r\n".encode())
        self._handler_coroutine.cancel()
        return True

    # -- the spool write before 250 ------------------------------------------

    async def store_message(self, verdict: Any, body: bytes | str) -> bool:
        """Called by the DATA acceptance just before it replies: the message
        goes to the spool (False: it could not, and the client was told)."""
        policy, ctx, v = self.policy, self.ctx, self.v
        if verdict.result == Result.DISCARD or not self.recipients:
            return True
        mid = self.server.claim_id(policy.message_id)
        if mid != policy.message_id:
            self.renumber(policy.message_id, mid)
        message = b"".join(msgdata.header_text(n, val).encode("utf-8", "surrogateescape")
                           for n, val in ctx.headers) + b"\n" + _bytes(body)
        env = Envelope(
            id=mid, sender=self.sender or "", recipients=list(self.recipients),
            received=time.time(), protocol=v.get("received_protocol", "smtp"),
            host_address=self.peer[0], host_port=str(self.peer[1]),
            host_name=str(v.get("sender_host_name") or ""),
            helo_name=str(v.get("sender_helo_name") or ""),
            interface_address=self.local[0], interface_port=str(self.local[1]),
            size=len(message), frozen=policy.has_control("freeze"),
            queued=policy.has_control("queue") or self.state.queue_only,
            acl_vars={k: str(val) for k, val in ctx.acl_vars.items()})
        self.spooling = True
        try:
            await self.server.store(env, message)
        except SpoolError as e:
            self.log(f"spool write error: {e}")
            await self.say("451 Error while writing spool file")
            policy.message_id = ""
            self.reset()
            return False
        finally:
            self.spooling = False
            self.server.unclaim(mid)
        return True

    def renumber(self, old: str, new: str) -> None:
        """Another message of this process got the same id in the same
        half-millisecond: use a fresh one everywhere the old one was shown."""
        self.policy.message_id = new
        self.v.update(message_id=new, message_exim_id=new)
        self.ctx.headers = [(n, val.replace(f"id {old}", f"id {new}", 1))
                            if n.lower() == "received" and f"id {old}" in val else (n, val)
                            for n, val in self.ctx.headers]


def _bytes(body: bytes | str) -> bytes:
    return body if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape")
