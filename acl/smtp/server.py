"""Exim's SMTP dialogue (smtp_in.c smtp_setup_msg) as an aiosmtpd protocol.

aiosmtpd's command loop and replies differ from Exim's almost everywhere
(command names such as ``mail from:``, limits, error counting, texts), so
:class:`EximSMTP` replaces its ``_handle_client`` while keeping its transport,
stream reader and ``push``: the same object serves a socket or the bytes of
``exim -bh``. Policy (ACLs, logging, message handling) lives in
:mod:`acl.smtp.policy` and :mod:`acl.smtp.data`."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import Executor
from typing import Any, Callable

from aiosmtpd.smtp import SMTP

import acl.auth
from acl.engine import Result
from acl.engine.messages import accept_reply, reply_lines
from acl.errors import AclError
from acl.runtime.lists import new_message, new_recipient
from acl.runtime.values import TaintedStr
from acl.smtp import data as msgdata
from acl.smtp.logs import HISTORY_SIZE, history_log, timediff
from acl.smtp.options import expanded_int, host_in, option
from acl.proxy.session import command_refused, negotiation_failed
from acl.smtp.params import AddressFail, SyntaxFail, mail_params, parse_address, rcpt_params
from acl.smtp.policy import Outcome, Policy, int_option
from acl.smtp.reader import LineReader
from acl.smtp.selectors import selected

CMD_BUFFER_SIZE = 16384  # Exim's SMTP_CMD_BUFFER_SIZE
MAX_COMMANDS = 1_000_000  # bound on one connection's command loop

# name, has_arg, is_mail_cmd (Exim's cmd_list, in its order)
COMMANDS = (
    ("rset", False, False), ("helo", True, False), ("ehlo", True, False),
    ("auth", True, True), ("starttls", False, False), ("mail from:", True, True),
    ("rcpt to:", True, True), ("data", False, True), ("bdat", True, True),
    ("quit", False, True), ("noop", True, False), ("etrn", True, False),
    ("vrfy", True, False), ("expn", True, False), ("help", True, False),
)
# Commands of which the first per message does not count as non-mail.
_FREE_ONCE = ("rset", "helo", "ehlo", "starttls")
_HISTORY = {"rset": "RSET", "helo": "HELO", "ehlo": "EHLO", "auth": "AUTH",
            "starttls": "STARTTLS", "mail from:": "MAIL", "rcpt to:": "RCPT", "data": "DATA",
            "bdat": "BDAT", "quit": "QUIT", "noop": "NOOP", "etrn": "ETRN", "vrfy": "VRFY",
            "expn": "EXPN", "help": "HELP"}


_CODES = re.compile(r"^\d\d\d[ -](?:\d\.\d{1,3}\.\d{1,3} )?")


def _text_of(lines: list[str]) -> str:
    """A reply's text without its codes (what smtp_respond() was given)."""
    return "\n".join(_CODES.sub("", line, count=1) for line in lines)


_TRACE_COLOURS = {"SMTP<< ": "\x1b[1;34m", "SMTP>> ": "\x1b[2m"}


def preamble(host: str) -> str:
    """The notice exim -bh writes before the banner."""
    return (f"\n**** SMTP testing session as if from host {host}\n"
            "**** but without any ident (RFC 1413) callback.\n"
            "**** This is not for real!\n\n")


class Drop(Exception):
    """The connection ends (after whatever reply was already sent)."""


class _NoHandler:
    """aiosmtpd wants an event handler; every decision is made by the Policy."""


class EximSMTP(SMTP):
    line_length_limit = 1 << 20  # the stream reader's buffer; lines are bounded by us

    def __init__(self, policy: Policy, *, host_checking: bool = True, daemon: bool = False,
                 acl_executor: Executor | None = None,
                 on_done: Callable[[], None] | None = None,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(_NoHandler(), hostname="exim-acl", loop=loop)
        self.policy = policy
        policy.host_checking = host_checking
        self.ctx = policy.ctx
        self.host_checking = host_checking  # exim -bh: its notices, no real message
        self.daemon = daemon  # a real socket: TLS, sync checks, ETRN's '#' rule
        self.notsocket = not daemon  # sync checks need a real socket (smtp_in.c)
        # ACLs may wait on DNS: a daemon runs them in these threads so that
        # other connections go on meanwhile (None: in the loop's thread).
        self.acl_executor = acl_executor
        self.connection_start = time.monotonic()
        self.tls_active = False
        self.tls_advertised = False  # by the last HELO/EHLO: STARTTLS needs it
        self.receive_timeout = 0.0  # seconds a daemon waits for input (0: no limit)
        self.on_done = on_done
        self.lines: LineReader | None = None
        self.out_held: list[bytes] = []  # reply bytes not yet written (see write())
        self.history: list[str] = []  # the last HISTORY_SIZE commands (C= of some lines)
        self.history_wrapped = False  # older ones were dropped (C=...)
        self.started = False  # the banner was sent: the session may log "no MAIL"
        self.pipelining_used = False  # a reply found the client's next command waiting
        self.pipe_connect = False  # PIPECONNECT is offered with PIPELINING (until a message)
        self.pipe_connect_offered = False  # it was, at some EHLO of the connection (L.)
        self.received_at = self.received_done = 0.0  # the message's reception (RT=)
        self.free_once = set(_FREE_ONCE)
        self.synprot_errors = 0
        self.unknown_commands = 0
        self.nonmail = 0
        self.helo_seen = False
        self.esmtp = False
        self.pipelining = False
        self.chunking = False  # CHUNKING was advertised in the EHLO reply
        self.chunked = False  # the message arrived by BDAT (the log's K flag)
        self.dsn = False
        self.smtputf8 = False
        self.sender: str | None = None
        self.recipients: list[str] = []
        self.rcpt_dsn: dict[str, Any] = {}
        self.discarded = False
        self.recipients_discarded = False
        self.mail_discard_log: str | None = None
        self.rcpt_response: str | None = None
        self.rcpt_response_same = True
        self.rcpt_count = 0
        self.rcpt_in_progress = False
        self.mail_count = 0
        self.last_was_rcpt = False
        self.last_was_rej_mail = False
        self.toomany = False
        self.size_limit = 0
        self.params: Any = None
        self.prdr_reply: str | None = None  # the PRDR summary of the message being taken

    # -- transport plumbing ------------------------------------------------

    def connection_lost(self, error: Exception | None) -> None:
        """aiosmtpd cancels the dialogue when the connection goes; after a
        reset Exim's process instead sees the end of its input and logs it
        (lost while reading message data ...), so the dialogue is left to
        find the error on its next read."""
        task = self._handler_coroutine
        if error is None or task is None or task.done():
            super().connection_lost(error)
            return
        if self._timeout_handle is not None:
            self._timeout_handle.cancel()
        if self._original_transport is not None:
            self._original_transport.close()
        asyncio.StreamReaderProtocol.connection_lost(self, error)
        self.transport = None

    def eof_received(self) -> bool | None:
        # aiosmtpd cancels its handler here; Exim reads on and answers EOF itself.
        asyncio.StreamReaderProtocol.eof_received(self)
        return True

    async def write(self, lines: list[str]) -> None:
        """One reply: its lines go out in one write. While the client's next
        pipelined command is already waiting the reply is held (Exim flushes
        only before it would wait for input), so a pipelined batch of
        commands gets its replies in one packet."""
        if self.rcpt_in_progress and lines:  # smtp_vprintf() keeps the first reply line
            self.note_rcpt_response(lines[0])
        for line in lines:
            self.trace("SMTP>> ", line)
        self.emit(b"".join(line.encode("utf-8", "surrogateescape") + b"\r\n" for line in lines))
        if self.lines is None or not self.lines.pending():
            await self.flush()
        elif self.pipelining and not self.notsocket and not self.pipelining_used:
            self.pipelining_used = self.enforce_sync()

    def enforce_sync(self) -> bool:
        """smtp_enforce_sync for this session (control = no_enforce_sync)."""
        return bool(option(self.ctx, "smtp_enforce_sync")) \
            and not self.policy.has_control("no_enforce_sync")

    def emit(self, data: bytes) -> None:
        """Queue bytes for the client (in order with the replies)."""
        self.out_held.append(data)

    async def flush(self) -> None:
        """Send what is held, as one write."""
        if not self.out_held:
            return
        data = b"".join(self.out_held)
        self.out_held.clear()
        if self.transport is not None and not self.transport.is_closing():
            self._writer.write(data)
            try:
                await self._writer.drain()
            except ConnectionError:
                pass  # the next read sees the end of the connection

    async def say(self, line: str) -> None:
        await self.write([line])

    def close(self) -> None:
        if self.transport is not None:
            if self.out_held and not self.transport.is_closing():
                self.transport.write(b"".join(self.out_held))
            self.out_held.clear()
            self.transport.close()

    def log(self, text: str) -> None:
        self.policy.log(text)

    async def run_phase(self, where: str) -> Any:
        """The phase's ACL through the Policy; in a worker thread when the
        session has an executor (a lookup that waits blocks only this session)."""
        if self.acl_executor is None:
            return self.policy.run(where)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.acl_executor, self.policy.run, where)

    async def with_acl(self, step: Callable[[], Any]) -> Any:
        """A step that may run an ACL inside it (AUTH, MAIL's AUTH=): where
        run_phase would use a worker thread, the whole step goes there."""
        if self.acl_executor is None:
            return step()
        return await asyncio.get_running_loop().run_in_executor(self.acl_executor, step)

    async def store_message(self, verdict: Any, body: bytes | str) -> bool:
        """Called after the DATA decision and before any 250: a server puts the
        message on disk here. False: it could not; the client has had its 451
        and the transaction is reset. Nothing is stored for acl session."""
        return True

    def connection_info(self) -> str:
        """smtp_get_connection_info(): the client as smtp_connection lines show
        it ($sender_fullhost: never with I=)."""
        from acl.smtp.logs import host_and_ident

        return f"SMTP connection from {host_and_ident(self.v, False)}"

    def elapsed(self) -> str:
        return timediff(time.monotonic() - self.connection_start, selected(self.ctx, "millisec"))

    def trace(self, prefix: str, text: str) -> None:
        """With --trace, the dialogue itself (as Exim's debug output shows it:
        SMTP<< for the client, SMTP>> for us) goes to the ACL tracer's stream,
        so each ACL's trace sits under the command that ran it."""
        tracer = self.ctx.extra.get("acl_tracer")
        if tracer is None:
            return
        line = prefix + text
        if tracer.color:
            line = f"{_TRACE_COLOURS[prefix]}{line}\x1b[0m"
        tracer.stream.write(line + "\n")

    @property
    def v(self) -> dict[str, str]:
        return self.ctx.variables

    @property
    def active_hostname(self) -> str:
        set_at_connect = self.v.get("smtp_active_hostname")
        if set_at_connect:
            return set_at_connect
        return self.ctx.registry.variables["smtp_active_hostname"].getter(self.ctx) or ""

    def build_fullhost(self) -> None:
        """Exim's host_build_sender_fullhost(): $sender_fullhost and
        $sender_rcvhost as the logs and Received: show them until the next
        rebuild (at connect and at each HELO/EHLO)."""
        from acl.smtp.logs import fullhost, rcvhost

        port = selected(self.ctx, "incoming_port")
        self.v["sender_fullhost"] = TaintedStr(fullhost(self.v, port))
        self.v["sender_rcvhost"] = TaintedStr(rcvhost(self.v, port))

    async def lookup_host_name(self) -> None:
        """host_lookup: the client's name is looked up (PTR, then confirmed
        forward) when it connects, and shows in $sender_host_name and the logs.
        The lookup blocks, so it runs in a worker thread: a server's other
        connections go on meanwhile (this one waits, as Exim's process does)."""
        from acl.smtp import hostname

        self.ctx.registry = hostname.session_registry()
        self.ctx.extra[hostname.LAZY_HOOK] = self.lookup_on_demand
        if self.v.get("sender_host_name") or not self.v.get("sender_host_address") \
                or not host_in(self.ctx, "host_lookup"):
            return
        lines: list[str] = []
        await asyncio.get_running_loop().run_in_executor(
            None, hostname.lookup, self.ctx, lines.append)
        for line in lines:  # logged from here, in the loop's thread
            self.log_lookup_failed(line)

    def log_lookup_failed(self, line: str) -> None:
        """The lookup's only line, "no host name found ...": -host_lookup_failed drops it."""
        if selected(self.ctx, "host_lookup_failed"):
            self.log(line)

    def internal_error(self, e: Exception) -> None:
        """An exception no layer expected (a bug): one log line saying what
        and where, never a traceback."""
        import traceback

        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
        try:
            host = self.policy.host(False)
        except Exception:  # before the session has its Policy
            host = "[unknown]"
        self.log(f"internal error in session from {host}: {type(e).__name__}: {e}{where}")

    def lookup_on_demand(self) -> None:
        """$sender_host_name read before any lookup: Exim looks the name up
        then (blocking, as in Exim's process) and rebuilds $sender_fullhost."""
        from acl.smtp import hostname

        if hostname.lookup(self.ctx, self.log_lookup_failed):
            self.build_fullhost()

    def set_active_hostname(self) -> bool:
        """smtp_active_hostname is expanded once, when the client connects; an
        empty result or a forced failure leaves the primary host name."""
        from acl.errors import ForcedFail
        from acl.expansion import expand

        raw = self.ctx.option("smtp_active_hostname", None)
        if not raw:
            return True
        try:
            name = expand(str(raw), self.ctx)
        except ForcedFail:
            return True
        except AclError as e:
            for _ in ("main", "panic"):  # both logs: both show under -bh
                self.log(f'failed to expand "{raw}" (smtp_active_hostname): {e.message}')
            return False
        if name:
            self.v["smtp_active_hostname"] = name
        return True

    # -- the session -----------------------------------------------------

    async def _handle_client(self) -> None:
        self.lines = LineReader(self._reader, before_wait=self.flush)
        try:
            if await self.start_session():
                self.started = True
                await self.command_loop()
        except Drop:
            pass
        except AclError as e:  # never a traceback for the client
            self.log(f"internal error: {e.message}")
        except Exception as e:  # a bug: this session ends, with a word to the client
            self.internal_error(e)
            self.emit(f"421 {self.active_hostname}: internal error - closing connection\r\n".encode())
        finally:
            if self.started and not self.mail_count and selected(self.ctx, "smtp_no_mail"):
                self.log_no_mail()
            self.close()
            if self.on_done is not None:
                self.on_done()

    async def start_session(self) -> bool:
        """The connect ACL and the banner (smtp_start_session)."""
        if not self.set_active_hostname():
            if self.host_checking:  # -bh stops before its notice, with status 1
                self.policy.exit_status = 1
            else:
                await self.say("421 Local configuration error; please try again later")
            return False
        await self.lookup_host_name()
        if not negotiation_failed(self.ctx):  # Exim keeps the proxy's after a bad header
            self.build_fullhost()
        if self.host_checking:
            self.emit(preamble(self.v.get("sender_host_address") or "").encode())
            if selected(self.ctx, "smtp_connection"):  # a daemon logs it when accepting
                self.log(self.connection_info())
        self.size_limit = expanded_int(self.ctx, "message_size_limit")
        self.pipe_connect = host_in(self.ctx, "pipelining_connect_advertise_hosts")
        self.policy.reset_message()
        user_msg = None
        if self.policy.acl_option("connect"):
            verdict = await self.run_phase("connect")
            if verdict.result != Result.OK:
                out = self.policy.fail("connect", verdict, what='connection in "connect" ACL')
                await self.write(out.lines)
                if out.drop:
                    await self.notquit("acl-drop")
                return False
            user_msg = verdict.user_message
        if not self.notsocket and await self.early_input():
            return False
        if user_msg:
            reply = accept_reply("connect", user_msg, "220", "")
            await self.write(reply.lines)
            return True
        from acl.expansion import expand

        try:
            banner = expand(str(option(self.ctx, "smtp_banner")), self.ctx)
        except AclError as e:
            self.log(f'Expansion of "{option(self.ctx, "smtp_banner")}" (smtp_banner) '
                     f"failed: {e.message}")
            await self.say("421 Internal error")  # pragma: no cover - config error
            return False
        await self.write(reply_lines("220", "", banner))
        return True

    async def early_input(self) -> bool:
        """Exim's check before the banner: input already sent ends the
        session (unless the client may pipeline its connect)."""
        from acl.proxy.session import greeting_sync_error

        await asyncio.sleep(0)  # let bytes already on the socket arrive
        pending = bytes(getattr(self._reader, "_buffer", b""))
        sync = greeting_sync_error(self.ctx, pending)
        if sync is None:
            return False
        reply, line = sync
        self.log(line)
        await self.say(reply)
        return True

    async def read_command(self) -> tuple[str, bytes | None]:
        """One command line: (verb from COMMANDS, "other", "eof" or "badchar",
        the line). As smtp_read_command(): a line longer than the buffer is
        cut, trailing white space goes, NULs show as '?'."""
        assert self.lines is not None
        raw = await self.lines.getline(CMD_BUFFER_SIZE + 1)
        if not raw.endswith(b"\n"):
            if len(raw) > CMD_BUFFER_SIZE:
                return "other", raw[:CMD_BUFFER_SIZE]
            return "eof", None
        line = raw.rstrip(b"\n").rstrip(b" \t\r\n\v\f")
        if b"\0" in line:
            return "badchar", line.replace(b"\0", b"?")
        return "line", line

    async def command_loop(self) -> None:
        for _ in range(MAX_COMMANDS):
            kind, raw = await self.read_command()
            if kind == "eof":
                await self.lost_connection()
                return
            text = raw.decode("utf-8", "surrogateescape") if raw is not None else ""
            self.trace("SMTP<< ", text)
            refused = command_refused(self.ctx, text.split(" ", 1)[0])
            if refused is not None:  # failed PROXY negotiation: neither counted nor kept
                await self.say(refused)
                continue
            self.v["smtp_command"] = TaintedStr(text)
            if kind == "badchar":
                self.command_buffer = text
                try:
                    await self.synprot(0, "NUL character(s) present (shown as '?')", kind="syntax")
                finally:
                    await self.say("501 NUL characters are not allowed in SMTP commands")
                continue
            self.command_buffer = text
            self.policy.begin_command()
            cmd = self.match_command(text) if kind == "line" else None
            if cmd is None:
                await self.unknown()
                continue
            name, has_arg, is_mail = cmd
            if name == "auth":  # only the first AUTH (per connection or TLS) is free
                is_mail = acl.auth.counts_as_mail_command(self.ctx)
            arg = text[len(name):].lstrip(" \t\r\n\v\f")
            self.v["smtp_command_argument"] = TaintedStr(arg)
            self.arg = arg
            if not is_mail:
                if name in self.free_once:
                    self.free_once.discard(name)
                elif host_in(self.ctx, "smtp_accept_max_nonmail_hosts"):
                    self.nonmail += 1
                    if self.nonmail > int_option(self.ctx, "smtp_accept_max_nonmail"):
                        await self.too_many_nonmail(text)
                        return
            if not has_arg and arg:
                await self.synprot(501, "unexpected argument data", kind="syntax")
                continue
            self.remember(name)
            was_rcpt = name == "rcpt to:"
            was_rej_mail = self.last_was_rej_mail
            self.last_was_rej_mail = False
            handler = getattr(self, "cmd_" + name.replace(" from:", "").replace(" to:", ""))
            await handler(arg)
            if name == "mail from:" and self.sender is None:
                self.last_was_rej_mail = True
            elif name == "rcpt to:" and was_rej_mail and self.sender is None:
                self.last_was_rej_mail = True
            self.last_was_rcpt = was_rcpt

    def remember(self, name: str) -> None:
        """A command for the connection history (Exim's ring of HISTORY_SIZE)."""
        self.history.append(_HISTORY[name])
        if len(self.history) >= HISTORY_SIZE:
            self.history_wrapped = True
            del self.history[:-HISTORY_SIZE]

    def log_no_mail(self) -> None:
        """+smtp_no_mail: a session that ended without any MAIL command."""
        from acl.auth import log_field

        self.log(f"no MAIL in SMTP connection from {self.policy.host(False)} D={self.elapsed()}"
                 f"{log_field(self.ctx)}{msgdata.tls_fields(self.ctx)}"
                 f"{history_log(self.history, self.history_wrapped)}")

    def incomplete(self, reason: str) -> None:
        """+smtp_incomplete_transaction: a transaction abandoned by ``reason``."""
        if self.sender is None or not selected(self.ctx, "smtp_incomplete_transaction"):
            return
        rcpts = " for " + " ".join(self.recipients) if self.recipients else ""
        self.log(f"{self.policy.host()} incomplete transaction ({reason}) from "
                 f"<{self.sender}>{rcpts}")

    def match_command(self, text: str) -> tuple[str, bool, bool] | None:
        low = text[:10].lower()
        for name, has_arg, is_mail in COMMANDS:
            n = len(name)
            if low.startswith(name) and (name.endswith(":") or len(text) == n or text[n] == " "):
                return name, has_arg, is_mail
        return None

    # -- errors --------------------------------------------------------------

    async def synprot(self, code: int, message: str, data: str | None = None, *,
                      kind: str) -> None:
        """Exim's synprot_error(): log (+smtp_syntax_error or
        +smtp_protocol_error, by ``kind``), count, maybe drop, reply."""
        self.log_synprot(kind, message)
        self.synprot_errors += 1
        drop = self.synprot_errors > int_option(self.ctx, "smtp_max_synprot_errors")
        if drop:
            self.log_synprot_drop()
        if code > 0:
            prefix = f"{data}: " if data is not None else ""
            await self.say(f"{code}{'-' if drop else ' '}{prefix}{message}")
            if drop:
                await self.say(f"{code} Too many syntax or protocol errors")
        if drop:
            raise Drop

    def log_synprot(self, kind: str, message: str) -> None:
        if selected(self.ctx, f"smtp_{kind}_error"):
            from acl.engine.modifiers import printing

            self.log(f'SMTP {kind} error in "{printing(self.command_buffer)}" '
                     f"{self.policy.host()} {message}")

    def log_synprot_drop(self) -> None:
        from acl.engine.modifiers import printing

        self.log(f"SMTP call from {self.policy.host(False)} dropped: too many syntax or "
                 f'protocol errors (last command was "{printing(self.command_buffer)}", '
                 f"{history_log(self.history, self.history_wrapped)})")

    async def unknown(self) -> None:
        from acl.engine.modifiers import printing

        self.unknown_commands += 1
        if self.unknown_commands > int_option(self.ctx, "smtp_max_unknown_commands"):
            self.incomplete("unrecognized command")
            self.log(f"SMTP call from {self.policy.host(False)} dropped: too many "
                     f'unrecognized commands (last was "{printing(self.command_buffer)}")')
            await self.notquit("bad-commands", "500 Too many unrecognized commands")
            raise Drop
        await self.synprot(500, "unrecognized command", kind="syntax")

    async def too_many_nonmail(self, text: str) -> None:
        verb = text.split(None, 1)[0] if text.split() else text
        self.incomplete("too many non-mail commands")
        self.log(f"SMTP call from {self.policy.host(False)} dropped: too many nonmail "
                 f'commands (last was "{verb}")')
        await self.notquit("bad-commands", "554 Too many nonmail commands")

    async def notquit(self, reason: str, reply: str | None = None) -> None:
        """smtp_notquit_exit(): the not-QUIT ACL, then the final reply."""
        self.v["smtp_notquit_reason"] = reason
        if self.policy.acl_option("notquit"):
            verdict = await self.run_phase("notquit")
            if verdict.result == Result.ERROR:
                self.log(f"ACL for not-QUIT returned ERROR: {verdict.log_message}")
            elif reply is not None and verdict.user_message:
                reply = f"{reply[:3]} {verdict.user_message}"
        if reply is not None:
            await self.say(reply)

    async def lost_connection(self) -> None:
        self.incomplete("connection lost")
        await self.notquit("connection-lost", f"421 {self.active_hostname} lost input connection")
        # Outside a transaction only with smtp_connection: many clients just hang up.
        if self.sender is not None or self.recipients:
            if selected(self.ctx, "lost_incoming_connection"):
                self.log(f"unexpected disconnection while reading SMTP command from "
                         f"{self.policy.host(False)} D={self.elapsed()}")
        elif selected(self.ctx, "smtp_connection"):
            self.log(f"{self.connection_info()} lost D={self.elapsed()}")

    async def acl_failed(self, out: Outcome) -> None:
        await self.write(out.lines)
        if out.drop:
            if selected(self.ctx, "smtp_connection"):
                self.log(f"{self.connection_info()} closed by DROP in ACL")
            await self.notquit("acl-drop")
            raise Drop

    # -- per-message state -------------------------------------------------

    def reset(self) -> None:
        self.sender = None
        self.chunked = False
        self.recipients = []
        self.rcpt_dsn: dict[str, Any] = {}  # recipient -> its RcptParams (NOTIFY given)
        self.discarded = False
        self.recipients_discarded = False
        self.mail_discard_log: str | None = None
        self.rcpt_response = None
        self.rcpt_response_same = True
        self.rcpt_count = 0
        self.toomany = False
        self.policy.reset_message()
        acl.auth.reset_message(self.ctx)
        new_message(self.ctx)  # and every named-list result cached for the message
        for name in ("prdr_requested", "dsn_ret", "dsn_envid"):
            self.v.pop(name, None)

    # -- commands ------------------------------------------------------------

    async def cmd_helo(self, arg: str) -> None:
        await self.hello(arg, esmtp=False)

    async def cmd_ehlo(self, arg: str) -> None:
        await self.hello(arg, esmtp=True)

    def check_helo(self, s: str) -> bool:
        from acl.runtime.lists import is_ip

        if host_in(self.ctx, "helo_accept_junk_hosts"):
            return True
        if s.startswith("["):
            if not s.endswith("]"):
                return False
            inner = s[1:-1]
            if inner[:5].lower() == "ipv6:":
                return is_ip(inner[5:], 6)
            if inner[:5].lower() == "ipv4:":
                return is_ip(inner[5:], 4)
            return is_ip(inner)
        allow = str(option(self.ctx, "helo_allow_chars") or "")
        return bool(s) and all((c.isascii() and c.isalnum()) or c in ".-" or c in allow for c in s)

    async def hello(self, arg: str, esmtp: bool) -> None:
        hello = "EHLO" if esmtp else "HELO"
        self.v.pop("sender_helo_name", None)
        self.build_fullhost()
        if not arg or not self.check_helo(arg):
            from acl.engine.modifiers import printing

            await self.say(f"501 Syntactically invalid {hello} argument(s)")
            shown = printing(arg) if arg else "(no argument given)"
            self.log(f"rejected {hello} from {self.policy.host(False)}: syntactically invalid "
                     f"argument(s): {shown}")
            self.synprot_errors += 1
            if self.synprot_errors > int_option(self.ctx, "smtp_max_synprot_errors"):
                self.log_synprot_drop()
                raise Drop
            return
        self.v["sender_helo_name"] = TaintedStr(arg)
        self.build_fullhost()
        self.esmtp = False
        self.pipelining = False
        self.chunking = False
        self.tls_advertised = False
        user_msg = None
        if self.policy.acl_option("helo"):
            self.v["smtp_command_argument_data"] = TaintedStr(arg)
            verdict = await self.run_phase("helo")
            if verdict.result != Result.OK:
                out = self.policy.fail("helo", verdict)
                self.v.pop("sender_helo_name", None)
                self.build_fullhost()
                await self.acl_failed(out)
                return
            user_msg = verdict.user_message
        if user_msg:
            first = accept_reply("helo", user_msg, "250", "").lines[0]
            code, text = first[:3], first[4:]
        else:
            code = "250"
            text = f"{self.active_hostname} Hello {self.v.get('sender_host_name') or arg}"
            if self.v.get("sender_host_address"):
                text += f" [{self.v['sender_host_address']}]"
        lines = [f"{code} {text}"]
        if esmtp:
            lines += [f"{code} {x}" for x in self.extensions()]
            lines = [f"{line[:3]}-{line[4:]}" for line in lines[:-1]] + lines[-1:]
        else:
            acl.auth.helo_reset(self.ctx)
        self.esmtp = esmtp
        self.helo_seen = True
        self.v["received_protocol"] = acl.auth.received_protocol(self.ctx, esmtp, self.tls_active)
        await self.write(lines)
        self.reset()

    def extensions(self) -> list[str]:
        """The EHLO keywords, in Exim's order, as the configuration allows."""
        ctx, out = self.ctx, []
        out.append(f"SIZE {self.size_limit}" if self.size_limit > 0 else "SIZE")
        out.append("8BITMIME")
        self.dsn = host_in(ctx, "dsn_advertise_hosts")
        if self.dsn:
            out.append("DSN")
        for where, word in (("etrn", "ETRN"), ("vrfy", "VRFY"), ("expn", "EXPN")):
            if self.policy.acl_option(where):
                out.append(word)
        if host_in(ctx, "pipelining_advertise_hosts") and not self.policy.has_control("no_pipelining"):
            out.append("PIPELINING")
            self.pipelining = True
            if self.pipe_connect:
                out.append("PIPECONNECT")
                self.pipe_connect_offered = True
        # Called once per accepted EHLO: it records what AUTH may use.
        mechs = acl.auth.advertised_mechanisms(ctx.config, ctx, self.log)
        if mechs:
            out.append("AUTH " + " ".join(mechs))
        if host_in(ctx, "chunking_advertise_hosts"):
            out.append("CHUNKING")
            self.chunking = True
        if not self.tls_active and host_in(ctx, "tls_advertise_hosts"):
            out.append("STARTTLS")
            self.tls_advertised = True
        if option(ctx, "prdr_enable"):
            out.append("PRDR")
        self.smtputf8 = host_in(ctx, "smtputf8_advertise_hosts")
        if self.smtputf8:
            out.append("SMTPUTF8")
        out.append("HELP")
        return out

    async def cmd_mail(self, arg: str) -> None:
        self.mail_count += 1
        if not self.helo_seen and host_in(self.ctx, "hosts_require_helo"):
            await self.say("503 HELO or EHLO required")
            self.log(f"rejected MAIL from {self.policy.host(False)}: no HELO/EHLO given")
            return
        if self.sender is not None:
            await self.synprot(503, "sender already given", kind="protocol")
            return
        if not arg:
            await self.synprot(501, "MAIL must have an address operand", kind="syntax")
            return
        limit = int_option(self.ctx, "smtp_accept_max_per_connection")
        if limit > 0 and self.mail_count > limit:
            await self.say("421 too many messages in this connection")
            self.log(f"rejected MAIL command {self.policy.host()}: too many messages in one "
                     "connection")
            return
        self.reset()
        self.free_once = set(_FREE_ONCE)
        data = arg
        try:
            if self.esmtp:
                data, self.params = mail_params(
                    arg, dsn=self.dsn, prdr_enable=bool(option(self.ctx, "prdr_enable")),
                    smtputf8=self.smtputf8)
            else:
                self.params = None
        except SyntaxFail as e:
            await self.synprot(501, e.text, kind="syntax")
            return
        # Exim handles AUTH= among the parameters, before the address.
        if self.params is not None and self.params.auth is not None \
                and not await self.mail_auth(self.params.auth):
            return
        try:
            address, has_domain = parse_address(data, True, self.literals)
        except SyntaxFail as e:
            await self.synprot(501, e.text, data if isinstance(e, AddressFail) else None,
                               kind="syntax")
            return
        if self.dsn and self.params is not None:
            # Not Exim variables (4.96 has none for DSN): ours, for ACLs.
            self.v["dsn_ret"] = self.params.ret or ""
            self.v["dsn_envid"] = TaintedStr(self.params.envid or "")
        if self.params is not None and self.params.prdr:
            self.v["prdr_requested"] = "yes"
        if self.params is not None and self.params.size is not None:
            self.v["message_size"] = str(self.params.size)
        size = int(self.v.get("message_size", "-1"))
        if self.size_limit > 0 and size > self.size_limit:
            await self.say("552 Message size exceeds maximum permitted")
            self.log(f"rejected MAIL FROM:<{address}> {self.policy.host()}: message too big: "
                     f"size={size} max={self.size_limit}")
            return
        if address and not has_domain:
            if host_in(self.ctx, "sender_unqualified_hosts"):
                address = f"{address}@{self.qualify_domain()}"
            else:
                await self.say(f"501 {data}: sender address must contain a domain")
                self.log_unqualified("sender", address)
                return
        self.sender = address
        self.v["sender_address"] = TaintedStr(address)
        self.v["smtp_command_argument_data"] = TaintedStr(data)
        if self.policy.acl_option("mail"):
            verdict = await self.run_phase("mail")
        else:
            from acl.engine import Verdict

            verdict = Verdict(Result.OK, where="mail")
        prdr = bool(self.params and self.params.prdr)
        if verdict.result in (Result.OK, Result.DISCARD):
            if verdict.user_message:
                msg = verdict.user_message + (", PRDR Requested" if prdr else "")
                await self.write(accept_reply("mail", msg).lines)
            else:
                await self.say("250 OK" + (", PRDR Requested" if prdr else ""))
            self.recipients_discarded = verdict.result == Result.DISCARD
            self.mail_discard_log = verdict.log_message  # repeated for each RCPT
        else:
            out = self.policy.fail("mail", verdict)
            self.sender = None
            self.v.pop("sender_address", None)
            await self.acl_failed(out)

    @property
    def literals(self) -> bool:
        return bool(option(self.ctx, "allow_domain_literals"))

    def qualify_domain(self) -> str:
        return self.ctx.registry.variables["qualify_domain"].getter(self.ctx) or ""

    async def cmd_rcpt(self, arg: str) -> None:
        new_recipient(self.ctx)  # named-list results cached per address go
        self.rcpt_in_progress = True
        self.rcpt_count += 1
        self.v["rcpt_count"] = str(self.rcpt_count)
        if self.sender is None:
            if self.pipelining and self.last_was_rej_mail:
                await self.say("503 sender not yet given")
            else:
                await self.synprot(503, "sender not yet given", kind="protocol")
            self.bump("rcpt_fail_count")
            return
        if not arg:
            await self.synprot(501, "RCPT must have an address operand", kind="syntax")
            self.bump("rcpt_fail_count")
            return
        data = arg
        try:
            rparams = None
            if self.esmtp and self.dsn:
                data, rparams = rcpt_params(arg)
            address, has_domain = parse_address(data, False, self.literals)
        except SyntaxFail as e:
            self.bump("rcpt_fail_count")
            await self.synprot(501, e.text, data if isinstance(e, AddressFail) else None,
                               kind="syntax")
            return
        if not has_domain:
            if host_in(self.ctx, "recipient_unqualified_hosts") or address.lower() == "postmaster":
                address = f"{address}@{self.qualify_domain()}"
            else:
                self.bump("rcpt_fail_count")
                await self.say(f"501 {data}: recipient address must contain a domain")
                self.log_unqualified("recipient", address)
                return
        rmax = int_option(self.ctx, "recipients_max")
        if rmax > 0 and self.rcpt_count > rmax:
            which = ("rejected", "552") if option(self.ctx, "recipients_max_reject") else \
                ("temporarily rejected", "452")
            await self.say(f"{which[1]} too many recipients")
            if not self.toomany:
                what = "message" if which[1] == "552" else "excess"
                self.log(f"too many recipients: {what} {which[0]}: sender=<{self.sender}> "
                         f"{self.policy.host()}")
            self.toomany = True
            return
        local, _, domain = address.rpartition("@")
        # Exim lowercases both for the RCPT ACL; caseful_local_part restores the local part.
        self.v.update(local_part=TaintedStr(local.lower()), domain=TaintedStr(domain.lower()),
                      smtp_command_argument_data=TaintedStr(data))
        self.ctx.extra["acl_caseful_local_part"] = TaintedStr(local)
        if self.recipients_discarded:
            from acl.engine import Verdict

            verdict = Verdict(Result.DISCARD, log_message=self.mail_discard_log, where="rcpt")
        else:
            verdict = await self.run_phase("rcpt")
        for name in ("local_part", "domain"):
            self.v.pop(name, None)
        if verdict.result in (Result.OK, Result.DISCARD):
            if verdict.user_message:
                lines = accept_reply("rcpt", verdict.user_message).lines
                self.note_rcpt_response(_text_of(lines))
                await self.write(lines)
            else:
                await self.say("250 Accepted")
            if verdict.result == Result.OK:
                self.recipients.append(address)
                if rparams is not None and rparams.notify:  # Exim keeps ORCPT only then
                    self.rcpt_dsn[address] = rparams
                self.v["recipients_count"] = str(len(self.recipients))
                self.ctx.extra["recipients_list"] = list(self.recipients)
            else:
                self.bump("rcpt_fail_count")
                self.discarded = True
                log = f": {verdict.log_message}" if verdict.log_message else ""
                self.log(f"{self.policy.host()} F=<{self.sender}> RCPT {arg}: discarded by "
                         f"{'MAIL' if self.recipients_discarded else 'RCPT'} ACL{log}")
            return
        self.bump("rcpt_fail_count" if verdict.result in (Result.FAIL, Result.FAIL_DROP)
                  else "rcpt_defer_count")
        out = self.policy.fail("rcpt", verdict, sender_info=True)
        self.note_rcpt_response(_text_of(out.lines))
        await self.acl_failed(out)

    def note_rcpt_response(self, text: str) -> None:
        """Exim remembers the first reply to each RCPT, to repeat it at DATA
        when every recipient got the same one (the ACL's text, or the whole
        line of other replies)."""
        if not self.rcpt_in_progress:
            return
        self.rcpt_in_progress = False
        if self.rcpt_response is None:
            self.rcpt_response = text
        elif self.rcpt_response != text:
            self.rcpt_response_same = False

    def log_unqualified(self, what: str, address: str) -> None:
        if selected(self.ctx, "smtp_syntax_error"):
            self.log(f"unqualified {what} rejected: <{address}> {self.policy.host()}")

    def bump(self, name: str) -> None:
        self.v[name] = str(int(self.v.get(name, "0")) + 1)

    async def no_recipients(self, verb: str) -> bool:
        """DATA or BDAT with no recipient accepted: Exim's 503 replies."""
        if self.discarded or self.recipients:
            return False
        if self.rcpt_response_same and self.rcpt_response is not None:
            await self.say("503-All RCPT commands were rejected with this error:")
            parts = self.rcpt_response.split("\n")
            await self.write([f"503-{p}" for p in parts])
        if self.pipelining and self.last_was_rcpt:
            await self.say(f"503 Valid RCPT command must precede {verb}")
        else:
            await self.synprot(503, f"valid RCPT command must precede {verb}", kind="protocol")
        return True

    async def cmd_data(self, arg: str) -> None:
        if await self.no_recipients("DATA"):
            return
        if self.toomany and option(self.ctx, "recipients_max_reject"):
            self.sender = None
            await self.say("554 Too many recipients")
            return
        self.v["recipients"] = TaintedStr(", ".join(self.recipients))
        user_msg = None
        if self.policy.acl_option("predata"):
            verdict = await self.run_phase("predata")
            if verdict.result != Result.OK:
                self.sender = None
                await self.acl_failed(self.policy.fail("predata", verdict, what="DATA"))
                return
            user_msg = verdict.user_message
        if user_msg:
            await self.write(accept_reply("predata", user_msg).lines)
        else:
            await self.say('354 Enter message, ending with "." on a line by itself')
        await msgdata.receive(self)

    async def cmd_bdat(self, arg: str) -> None:
        await msgdata.bdat(self, arg)

    async def cmd_rset(self, arg: str) -> None:
        self.incomplete("RSET")
        self.reset()
        await self.say("250 Reset OK")

    async def cmd_noop(self, arg: str) -> None:
        await self.say("250 OK")

    async def cmd_help(self, arg: str) -> None:
        words = " AUTH"
        if host_in(self.ctx, "tls_advertise_hosts"):
            words += " STARTTLS"
        words += " HELO EHLO MAIL RCPT DATA BDAT NOOP QUIT RSET HELP"
        for where in ("etrn", "expn", "vrfy"):
            if self.policy.acl_option(where):
                words += " " + where.upper()
        await self.write(["214-Commands supported:", f"214{words}"])

    async def cmd_quit(self, arg: str) -> None:
        self.incomplete("QUIT")
        user_msg = None
        if self.policy.acl_option("quit"):
            verdict = await self.run_phase("quit")
            if verdict.result == Result.ERROR:
                self.log(f"ACL for QUIT returned ERROR: {verdict.log_message}")
            user_msg = verdict.user_message
        if user_msg:
            await self.write(accept_reply("quit", user_msg, "221").lines)
        else:
            await self.say(f"221 {self.active_hostname} closing connection")
        if selected(self.ctx, "smtp_connection"):
            self.log(f"{self.connection_info()} closed by QUIT")
        raise Drop

    async def cmd_vrfy(self, arg: str) -> None:
        try:
            address, has_domain = parse_address(arg, False, self.literals)
        except SyntaxFail as e:
            await self.say(f"501 {e.text}")
            return
        if not has_domain:
            if not (host_in(self.ctx, "recipient_unqualified_hosts")
                    or address.lower() == "postmaster"):
                await self.say(f"501 {arg}: recipient address must contain a domain")
                return
            address = f"{address}@{self.qualify_domain()}"
        local, _, domain = address.rpartition("@")
        self.v.update(local_part=TaintedStr(local.lower()), domain=TaintedStr(domain.lower()),
                      smtp_command_argument_data=TaintedStr(arg))
        verdict = await self.run_phase("vrfy")
        if verdict.result != Result.OK:
            await self.acl_failed(self.policy.fail("vrfy", verdict))
            return
        # No routers here: an accepted address cannot be verified further.
        await self.say(f"550 <{address}> Unrouteable address")
        self.log(f"VRFY failed for {arg} {self.policy.host()}")

    async def cmd_expn(self, arg: str) -> None:
        self.v["smtp_command_argument_data"] = TaintedStr(arg)
        verdict = await self.run_phase("expn")
        if verdict.result != Result.OK:
            await self.acl_failed(self.policy.fail("expn", verdict))
            return
        await self.say(f"553 {arg} is undeliverable")

    async def cmd_etrn(self, arg: str) -> None:
        if not arg:
            await self.synprot(501, "ETRN must have an argument", kind="syntax")
            return
        if self.sender is not None:
            await self.synprot(503, "ETRN is not permitted inside a transaction", kind="protocol")
            return
        self.log(f"ETRN {arg} received from {self.policy.host(False)}")
        self.v["smtp_command_argument_data"] = TaintedStr(arg)
        verdict = await self.run_phase("etrn")
        if verdict.result != Result.OK:
            await self.acl_failed(self.policy.fail("etrn", verdict))
            return
        if self.daemon and not option(self.ctx, "smtp_etrn_command") \
                and not arg.startswith("#"):
            await self.synprot(501, "argument must begin with #", kind="syntax")
            return
        if verdict.user_message:
            await self.write(accept_reply("etrn", verdict.user_message, "250").lines)
        else:
            await self.say("250 OK")

    async def cmd_auth(self, arg: str) -> None:
        """AUTH (docs/AUTH.md): checks and the AUTH ACL in begin_auth, then
        the driver's 334 challenges, each answered by one whole line."""
        ex = await self.with_acl(lambda: acl.auth.begin_auth(
            self.ctx, self.policy.engine, arg, in_transaction=self.sender is not None,
            allow_unadvertised=self.policy.has_control("allow_auth_unadvertised"),
            run=lambda: self.policy.run("auth")))
        assert self.lines is not None
        eof = False
        while ex.challenge is not None:  # bounded: a driver has a few prompts at most
            await self.say(ex.challenge)
            raw = b"" if eof else await self.lines.getline(self.line_length_limit)
            eof = eof or not raw.endswith(b"\n")
            text = raw.rstrip(b"\n").decode("utf-8", "surrogateescape")
            self.trace("SMTP<< ", text)
            ex.respond(text)
        if ex.acl_verdict is not None:
            await self.acl_failed(self.policy.fail("auth", ex.acl_verdict, what=ex.acl_what))
        elif ex.error is not None:
            await self.synprot(ex.error.code, ex.error.text, kind=ex.error.kind)
        else:
            await self.say(ex.reply or "")
            for line in ex.log_lines:
                self.log(line)

    async def mail_auth(self, value: str) -> bool:
        """MAIL's AUTH= (ESMTP only), which sets $authenticated_sender for the
        MAIL ACL. False: the MAIL command is over (its reply was sent)."""
        got = await self.with_acl(lambda: acl.auth.mail_auth(
            self.ctx, self.policy.engine, value, self.arg,
            run=lambda: self.policy.run("mailauth")))
        for line in got.log_lines:
            self.log(line)
        if got.error is not None:
            await self.synprot(got.error.code, got.error.text, kind=got.error.kind)
            return False
        if got.acl_verdict is not None:
            await self.acl_failed(self.policy.fail("mailauth", got.acl_verdict,
                                                   what=got.acl_what))
            return False
        return True

    async def cmd_starttls(self, arg: str) -> None:
        """The STARTTLS ACL, then the handshake: on a real socket for real
        (acl.tls), under -bh Exim's failure on plain text."""
        if not self.tls_advertised:  # Exim's test: never before EHLO, nor once in TLS
            await self.synprot(503, "STARTTLS command used when not advertised", kind="protocol")
            return
        if self.policy.acl_option("starttls"):
            verdict = await self.run_phase("starttls")
            if verdict.result != Result.OK:
                await self.acl_failed(self.policy.fail("starttls", verdict))
                return
        self.incomplete("STARTTLS")
        if not self.daemon:
            await self.say("220 TLS go ahead")
            self.log(f"TLS error on connection from {self.policy.host(False)} "
                     "(gnutls_handshake): Error in the pull function.")
            raise Drop
        self.reset()
        if self.tls_active:
            await self.say("554 Already in TLS")
            await self.security_failure()
        await self.start_tls()

    async def start_tls(self) -> None:
        """Exim's tls_server_start() and what smtp_in.c forgets afterwards."""
        from acl.tls import ServerTLS, TlsHandshakeError, TlsUnavailable, starttls

        tls = ServerTLS(self.ctx, log=self.log, hostname=self.active_hostname)
        try:
            if self.acl_executor is None:
                tls.prepare()
            else:  # files are read and options expanded: not in the loop's thread
                await asyncio.get_running_loop().run_in_executor(self.acl_executor, tls.prepare)
        except TlsUnavailable as exc:
            for line in exc.log_lines(self.policy.host(False)):
                self.log(line)
            await self.say("454 TLS currently unavailable")
            return
        assert self.lines is not None
        self.lines._buf = b""  # pipelined plain text is dropped, as Exim drops it
        await self.flush()  # replies held so far go out in clear text
        try:
            await starttls(self, tls, timeout=self.receive_timeout or None)
        except TlsHandshakeError as exc:
            self.log(f"TLS error on connection from {self.policy.host(False)} "
                     f"(SSL_accept): {exc.message}")
            # Exim reads on over the failed TLS, gets EOF and says so
            if selected(self.ctx, "smtp_connection"):
                self.log(f"{self.connection_info()} closed by EOF")
            await self.notquit("tls-failed")
            raise Drop from None
        self.tls_active = True
        acl.auth.tls_started(self.ctx)
        self.helo_seen = self.esmtp = self.pipelining = self.chunking = False
        self.tls_advertised = False
        self.free_once = set(_FREE_ONCE)
        if self.v.pop("sender_helo_name", None) is not None:
            self.build_fullhost()
        self.v["received_protocol"] = "smtps"

    async def security_failure(self) -> None:
        """After a failed STARTTLS only QUIT is answered; the session ends."""
        for _ in range(MAX_COMMANDS):
            kind, raw = await self.read_command()
            if kind == "eof":
                if selected(self.ctx, "smtp_connection"):
                    self.log(f"{self.connection_info()} closed by EOF")
                await self.notquit("tls-failed")
                raise Drop
            if raw is not None and raw.lower() == b"quit":
                await self.cmd_quit("")
            await self.say("554 Security failure")
        raise Drop
