"""`acl serve` for the PROXY recordings: the real daemon and dialogue (the
PROXY step is theirs, see docs/PROXY.md "Integration"), with the recordings'
configuration and a resolver that knows no name for the test addresses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acl.serve.daemon import Server
from tests.proxy.cases import ACLS
from tests.serve.support import InProcess, state_for


async def no_names(ip: str, ctx: Any = None, **kw: Any) -> Any:
    """The recordings' resolver knew no name for the test addresses; the
    tests must not depend on this machine's DNS."""
    from acl.dns.hostname import HostName

    return HostName(status="fail", name=None, aliases=(), dnssec=False,
                    reason=f"no host name found for IP address {ip}")


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
    srv.server = Server(state)
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
