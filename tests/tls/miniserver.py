"""A minimal SMTP-like asyncio server that does STARTTLS through acl.tls the
way docs/TLS.md tells the dialogue to: a StreamReaderProtocol (as aiosmtpd's
SMTP is), ServerTLS.prepare() before the 220, acl.tls.starttls() after it.
It runs in a thread of its own so that blocking clients (openssl s_client,
smtplib) can talk to it. ``XEXPAND <string>`` replies with an expansion, so
tests read the $tls_in_* variables and ${certextract} through the real
expansion engine."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from acl.config import load_config
from acl.errors import AclError
from acl.expansion import expand
from acl.runtime.context import ExpansionContext
from acl.tls import ServerTLS, TlsHandshakeError, TlsUnavailable, starttls

MAX_LINE = 4096


class MiniSMTP(asyncio.StreamReaderProtocol):
    def __init__(self, server: "MiniServer") -> None:
        self._reader = asyncio.StreamReader(limit=MAX_LINE)
        super().__init__(self._reader)
        self.server = server
        self.transport: Any = None
        self.ctx = ExpansionContext(config=server.config)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self.transport = transport
        self._writer = asyncio.StreamWriter(transport, self, self._reader, asyncio.get_running_loop())
        peer = transport.get_extra_info("peername")
        self.ctx.variables["sender_host_address"] = peer[0]
        self.server.sessions.append(self)
        asyncio.get_running_loop().create_task(self.dialogue())

    async def say(self, line: str) -> None:
        self._writer.write(line.encode() + b"\r\n")
        await self._writer.drain()

    async def dialogue(self) -> None:
        try:
            await self._dialogue()
        finally:
            self.transport.close()

    async def _dialogue(self) -> None:
        await self.say("220 mini ESMTP")
        tls_active = False
        for _ in range(100):
            try:
                line = (await self._reader.readline()).decode("utf-8", "replace").rstrip("\r\n")
            except (ValueError, ConnectionError):
                break
            if not line:
                break
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                await self.say("250-mini" if not tls_active else "250-mini (tls)")
                await self.say("250 STARTTLS" if not tls_active else "250 HELP")
            elif verb == "STARTTLS" and not tls_active:
                tls = ServerTLS(self.ctx, log=self.server.log.append, hostname="mini.test")
                try:
                    tls.prepare()
                except TlsUnavailable as exc:
                    self.server.log.extend(exc.log_lines(f"[{self.ctx.variables['sender_host_address']}]"))
                    await self.say("454 TLS currently unavailable")
                    continue
                try:
                    await starttls(self, tls, timeout=10)
                except TlsHandshakeError as exc:
                    self.server.log.append(f"TLS error on connection (SSL_accept): {exc.message}")
                    break
                tls_active = True
            elif verb == "XEXPAND":
                try:
                    await self.say("250 " + expand(arg, self.ctx).replace("\n", "|"))
                except AclError as exc:
                    await self.say(f"550 {exc.message}")
            elif verb == "QUIT":
                await self.say("221 bye")
                break
            else:
                await self.say("500 unknown")


class MiniServer:
    """Serve MiniSMTP on a loopback port in a background thread."""

    def __init__(self, config_text: str, tmp: Path) -> None:
        conf = tmp / "mini.conf"
        conf.write_text(config_text)
        self.config = load_config(str(conf))
        self.log: list[str] = []
        self.sessions: list[MiniSMTP] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        srv = self.loop.run_until_complete(
            self.loop.create_server(lambda: MiniSMTP(self), "127.0.0.1", 0))
        self.port = srv.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()
        srv.close()
        self.loop.run_until_complete(srv.wait_closed())
        self.loop.close()

    def __enter__(self) -> "MiniServer":
        self.thread.start()
        self.ready.wait(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
