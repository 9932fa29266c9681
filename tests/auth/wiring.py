"""The dialogue wired to acl.auth as docs/AUTH.md ("Integration") says, in a
subclass so that the tests can replay whole recorded sessions before
acl/smtp itself makes these calls."""

from __future__ import annotations

import asyncio
from typing import Any

import acl.auth
from acl.smtp.server import EximSMTP
from acl.smtp.stdio import CollectingTransport


class _MailStop(Exception):
    """AUTH= ended the MAIL command (its reply was sent)."""


class AuthSMTP(EximSMTP):
    allow_auth_unadvertised = False  # the control lasts for the connection

    async def cmd_auth(self, arg: str) -> None:
        ex = acl.auth.begin_auth(
            self.ctx, self.policy.engine, arg, in_transaction=self.sender is not None,
            allow_unadvertised=self.allow_auth_unadvertised,
            run=lambda: self.policy.run("auth"))
        eof = False
        while ex.challenge is not None:  # bounded: a driver has a few prompts at most
            await self.say(ex.challenge)
            raw = b"" if eof else await self.lines.getline(1 << 20)  # type: ignore[union-attr]
            eof = eof or not raw.endswith(b"\n")
            text = raw.rstrip(b"\n").decode("utf-8", "surrogateescape")
            self.trace("SMTP<< ", text)
            ex.respond(text)
        if ex.acl_verdict is not None:
            await self.acl_failed(self.policy.fail("auth", ex.acl_verdict, what=ex.acl_what))
        elif ex.error is not None:
            await self.synprot(ex.error.code, ex.error.text)
        else:
            await self.say(ex.reply or "")
            for line in ex.log_lines:
                self.log(line)

    def extensions(self) -> list[str]:
        out = super().extensions()
        mechs = acl.auth.advertised_mechanisms(self.ctx.config, self.ctx, self.log)
        if mechs:  # after PIPELINING/PIPECONNECT, before CHUNKING, as Exim
            at = next((i for i, w in enumerate(out)
                       if w in ("CHUNKING", "STARTTLS", "PRDR", "SMTPUTF8", "HELP")), len(out))
            out.insert(at, "AUTH " + " ".join(mechs))
        return out

    async def hello(self, arg: str, esmtp: bool) -> None:
        await super().hello(arg, esmtp)
        if self.v.get("sender_helo_name") == arg and self.helo_seen:
            if not esmtp:
                acl.auth.helo_reset(self.ctx)
            self.v["received_protocol"] = acl.auth.received_protocol(
                self.ctx, esmtp, self.tls_active)

    async def store_message(self, verdict: Any, body: bytes | str) -> bool:
        # The A= field the dialogue's <= line must carry (docs/AUTH.md).
        self.ctx.extra.setdefault("test_a_fields", []).append(acl.auth.log_field(self.ctx))
        return await super().store_message(verdict, body)

    def reset(self) -> None:
        if self.policy.has_control("allow_auth_unadvertised"):
            self.allow_auth_unadvertised = True
        super().reset()
        acl.auth.reset_message(self.ctx)

    async def run_phase(self, where: str) -> Any:
        if where == "mail" and self.params is not None and self.params.auth is not None:
            got = acl.auth.mail_auth(self.ctx, self.policy.engine, self.params.auth, self.arg,
                                     run=lambda: self.policy.run("mailauth"))
            for line in got.log_lines:
                self.log(line)
            if got.error is not None:
                await self.synprot(got.error.code, got.error.text)
                raise _MailStop
            if got.acl_verdict is not None:
                await self.acl_failed(self.policy.fail("mailauth", got.acl_verdict,
                                                       what=got.acl_what))
                raise _MailStop
        return await super().run_phase(where)

    async def cmd_mail(self, arg: str) -> None:
        try:
            await super().cmd_mail(arg)
        except _MailStop:
            self.sender = None
            self.v.pop("sender_address", None)


async def _run(policy: Any, data: bytes, out: list[bytes]) -> None:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    proto = AuthSMTP(policy, host_checking=True, loop=loop,
                     on_done=lambda: done.done() or done.set_result(None))
    proto.connection_made(CollectingTransport(out.append, ("127.0.0.1", 0)))
    proto.data_received(data)
    proto.eof_received()
    await done
    if proto._handler_coroutine is not None:
        await asyncio.gather(proto._handler_coroutine, return_exceptions=True)


def run_session(config_text: str, host: str, data: bytes,
                challenge: str | None = None) -> tuple[str, list[str], Any]:
    """(what the server wrote, the log lines, the context) for one session."""
    from acl.builtins import load_all
    from acl.config import parse_config_text
    from acl.engine import Engine
    from acl.runtime.context import ExpansionContext
    from acl.runtime.values import TaintedStr
    from acl.smtp.policy import Policy

    load_all()
    config = parse_config_text(config_text)
    ctx = ExpansionContext(config=config)
    ctx.variables.update(sender_host_address=TaintedStr(host), sender_host_port=TaintedStr("0"))
    if challenge:
        ctx.extra[acl.auth.CHALLENGE_KEY] = challenge
    logs: list[str] = []
    policy = Policy(Engine(config), ctx, logs.append)
    out: list[bytes] = []
    asyncio.run(_run(policy, data, out))
    return b"".join(out).decode("utf-8", "surrogateescape"), logs, ctx
