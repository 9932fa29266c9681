"""`acl serve` with the PROXY step wired in from outside, until acl/serve
and acl/smtp call acl.proxy themselves (docs/PROXY.md, "Integration"):

- Server.make_policy / look_up_host are where a connection's context is
  made and its host looked up, before the banner: the header is read there;
- the refusal of every command but QUIT wraps the protocol's read_command;
- PRX= is put into the ``<=`` line by wrapping the policy's log function.

Everything else is the real daemon and the real dialogue."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from acl.proxy import REFUSAL, negotiation_failed, prx_field
from acl.proxy.session import before_banner, greeting_sync_error, needs_host_lookup
from acl.serve.daemon import Server
from acl.smtp.server import Drop
from tests.proxy.cases import ACLS
from tests.serve.support import InProcess, state_for

MAX_REFUSED = 100_000  # commands refused on one connection before it is dropped
_ARRIVAL = re.compile(r"^((?:\S+ )?<= .*? P=\S+)( .*)$")


async def no_names(ip: str, ctx: Any = None, **kw: Any) -> Any:
    """The recordings' resolver knew no name for the test addresses; the
    tests must not depend on this machine's DNS."""
    from acl.dns.hostname import HostName

    return HostName(status="fail", name=None, aliases=(), dnssec=False,
                    reason=f"no host name found for IP address {ip}")


class ProxyServer(Server):
    def make_policy(self, proto: Any) -> Any:
        policy = super().make_policy(proto)
        policy.ctx.extra["_test_proto"] = proto
        inner_log = policy.log

        def log(text: str) -> None:
            m = _ARRIVAL.match(text)
            inner_log(m.group(1) + prx_field(policy.ctx) + m.group(2) if m else text)

        policy.log = log
        return policy

    async def look_up_host(self, ctx: Any) -> None:
        proto = ctx.extra.pop("_test_proto")
        state = await before_banner(ctx, proto._reader, self.log)
        if state is None or not needs_host_lookup(ctx):
            await super().look_up_host(ctx)
        if state is not None and state.failed:
            _refuse_commands(proto, ctx)
        _check_sync_at_banner(proto, ctx, self.log)


def _check_sync_at_banner(proto: Any, ctx: Any, log: Any) -> None:
    """smtp_start_session checks for early input after the connect ACL,
    just before the banner: the first write is the banner."""
    write = proto.write

    async def first_write(lines: list[str]) -> None:
        proto.write = write
        sync = greeting_sync_error(ctx, bytes(proto._reader._buffer))
        if sync is None:
            return await write(lines)
        reply, line = sync
        log(line)
        await write([reply])
        raise Drop

    proto.write = first_write


def _refuse_commands(proto: Any, ctx: Any) -> None:
    read_command = proto.read_command

    async def refusing() -> tuple[str, bytes | None]:
        for _ in range(MAX_REFUSED):
            kind, raw = await read_command()
            if kind == "eof" or not negotiation_failed(ctx):
                return kind, raw
            if raw is not None and raw.strip().lower() == b"quit":
                return kind, raw
            await proto.say(REFUSAL)
        return "eof", None

    proto.read_command = refusing


CONFIG = """\
primary_hostname = mail.test.example
hosts_proxy = <; 127.0.0.1 ; ::1
queue_only
smtp_accept_max = 200
smtp_connect_backlog = 128
spool_directory = {dir}/spool
log_file_path = {dir}/mainlog
log_selector = +proxy +incoming_port +smtp_connection
pipelining_connect_advertise_hosts =
tls_advertise_hosts =
{extra}
{acls}  {connect}
  accept
"""


def serve(tmp: Path, extra: str = "", connect: str = "", listen: str = "127.0.0.1:0") -> InProcess:
    """An in-process server with the recordings' configuration."""
    conf = tmp / "proxy.conf"
    conf.write_text(CONFIG.format(dir=tmp, extra=extra, connect=connect, acls=ACLS))
    state = state_for(conf, tmp / "spool")
    from acl.serve.listen import listen_addresses

    state.listen = listen_addresses(state.config.options, [listen])
    srv = _Serving(state)
    srv.server = ProxyServer(state)
    return srv


class _Serving(InProcess):
    """InProcess, with host names looked up by :func:`no_names` meanwhile."""

    def __enter__(self) -> "_Serving":
        import acl.dns.hostname as hostname

        self.saved = hostname.ahost_name_lookup
        hostname.ahost_name_lookup = no_names  # type: ignore[assignment]
        super().__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        import acl.dns.hostname as hostname

        try:
            super().__exit__(*exc)
        finally:
            hostname.ahost_name_lookup = self.saved  # type: ignore[assignment]
