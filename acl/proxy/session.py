"""What a PROXY header does to an SMTP session, as smtp_in.c does it: which
clients must send one (hosts_proxy), how long they have
(proxy_protocol_timeout), the variables a header sets, the refusal of every
command but QUIT after a failure, the PRX= field of the arrival log line and
the host-name lookup for the client the header named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from acl.errors import AclError
from acl.proxy.header import ProxyError, ProxyInfo
from acl.proxy.reader import DEFAULT_TIMEOUT, read_proxy_header
from acl.runtime.values import TaintedStr

REFUSAL = "503 Command refused, required Proxy negotiation failed"
# The seed's option name; Exim 4.96 itself calls it hosts_proxy.
OPTION_NAMES = ("hosts_proxy", "proxy_required_hosts")
STATE_KEY = "proxy"  # ctx.extra[STATE_KEY]: the ProxyState of the session


@dataclass
class ProxyState:
    info: ProxyInfo | None  # None when negotiation failed
    error: ProxyError | None = None

    @property
    def failed(self) -> bool:
        return self.info is None


def _hosts_option(ctx: Any) -> str | None:
    for name in OPTION_NAMES:
        v = ctx.option(name)
        if v:
            return str(v)
    return None


def proxy_required(ctx: Any) -> bool:
    """Is the connected host (``$sender_host_address``, still the proxy's) in
    hosts_proxy? An error in the list counts as no, as verify_check_this_host
    returning other than OK does."""
    from acl.runtime.lists import match_host

    text = _hosts_option(ctx)
    ip = ctx.variables.get("sender_host_address") or ""
    if not text or not ip:
        return False
    try:
        return bool(match_host(ctx, str(ip), None, text, expand=True, data_var=None))
    except AclError:
        return False


def proxy_timeout(ctx: Any) -> float:
    v = ctx.option("proxy_protocol_timeout")
    if v is None or v == "":
        return DEFAULT_TIMEOUT
    try:
        return float(v)
    except (TypeError, ValueError):
        from acl.config.options import read_time

        t = read_time(str(v))
        return DEFAULT_TIMEOUT if t is None else float(t)


def apply_proxy(ctx: Any, result: ProxyInfo | ProxyError) -> ProxyState:
    """Set the variables as setup_proxy() leaves them, failure included (a v1
    line that fails half-way has already replaced the client's address)."""
    v = ctx.variables
    v["proxy_session"] = "yes"
    info = result if isinstance(result, ProxyInfo) else result.partial
    if info is not None and info.src_address is not None:
        v["proxy_local_address"] = v.get("sender_host_address") or ""
        v["sender_host_address"] = TaintedStr(info.src_address)
        v.pop("sender_host_name", None)
        if info.dst_address is not None:
            v["proxy_external_address"] = TaintedStr(info.dst_address)
        if info.src_port is not None:
            v["proxy_local_port"] = v.get("sender_host_port") or "0"
            v["sender_host_port"] = TaintedStr(str(info.src_port))
        if info.dst_port is not None:
            v["proxy_external_port"] = TaintedStr(str(info.dst_port))
    state = ProxyState(result if isinstance(result, ProxyInfo) else None,
                       result if isinstance(result, ProxyError) else None)
    ctx.extra[STATE_KEY] = state
    return state


async def negotiate(ctx: Any, reader: Any) -> ProxyState | None:
    """The whole step for a new connection: None when the client need not
    send a header, else the ProxyState after reading it and setting the
    variables. ``reader`` must be the connection's stream, unread so far."""
    if not proxy_required(ctx):
        return None
    return apply_proxy(ctx, await read_proxy_header(reader, proxy_timeout(ctx)))


def state_of(ctx: Any) -> ProxyState | None:
    return ctx.extra.get(STATE_KEY)


def negotiation_failed(ctx: Any) -> bool:
    """Must every command but QUIT get :data:`REFUSAL`?"""
    state = ctx.extra.get(STATE_KEY)
    return state is not None and state.failed


def command_refused(ctx: Any, verb: str) -> str | None:
    """The reply to a command after failed negotiation (None: carry on).
    ``verb`` is the command's first word; QUIT is answered as usual."""
    if not negotiation_failed(ctx) or verb.strip().lower() == "quit":
        return None
    return REFUSAL


def needs_host_lookup(ctx: Any) -> bool:
    """Exim looks the client's name up again, whatever host_lookup says,
    when a header replaced the address."""
    state = ctx.extra.get(STATE_KEY)
    return state is not None and state.info is not None and state.info.relayed


def log_selector_has_proxy(ctx: Any) -> bool:
    """Is +proxy in log_selector (and not taken away again by a later -proxy)?"""
    on = False
    for word in str(ctx.option("log_selector") or "").split():
        if word in ("+proxy", "+all"):
            on = True
        elif word in ("-proxy", "-all"):
            on = False
    return on


def prx_field(ctx: Any) -> str:
    """`` PRX=<proxy address>`` for the ``<=`` line (after P= and before K
    and S=), or "" without a proxy session or without log_selector +proxy.
    After LOCAL or UNKNOWN there is no proxy address: Exim 4.96 then loses
    the connection at the end of DATA (recorded); the field is left out."""
    local = ctx.variables.get("proxy_local_address")
    if ctx.extra.get(STATE_KEY) is None or not local or not log_selector_has_proxy(ctx):
        return ""
    return f" PRX={local}"


async def relookup_host(ctx: Any, log: Callable[[str], None]) -> None:
    """The host-name lookup Exim does for the address a header gave, with
    its log line when no name is found."""
    if not needs_host_lookup(ctx):
        return
    from acl.dns.hostname import ahost_name_lookup

    ip = str(ctx.variables.get("sender_host_address") or "")
    try:
        found = await ahost_name_lookup(ip, ctx)
    except (AclError, OSError):
        return
    if found.status == "ok" and found.name:
        ctx.variables["sender_host_name"] = TaintedStr(found.name)
    elif found.status != "defer":
        log(f"no host name found for IP address {ip}")


SYNC_REPLY = "554 SMTP synchronization error"
SYNC_SHOWN = 128  # octets of the early input quoted in the log line


def greeting_sync_error(ctx: Any, pending: bytes) -> tuple[str, str] | None:
    """Input already waiting when the banner is due: the (reply, log line)
    that end the session, or None when the check does not apply
    (smtp_enforce_sync off, or the client may pipeline its connect)."""
    from acl.builtins.operators.strings import string_printing
    from acl.smtp.logs import host_and_ident
    from acl.smtp.options import host_in, option

    if not pending or not option(ctx, "smtp_enforce_sync") or \
            host_in(ctx, "pipelining_connect_advertise_hosts"):
        return None
    shown = string_printing(pending[:SYNC_SHOWN].split(b"\0", 1)[0])
    return SYNC_REPLY, ("SMTP protocol synchronization error (input sent without waiting for "
                        f"greeting): rejected connection from {host_and_ident(ctx.variables, True)} "
                        f'input="{shown}"')


async def before_banner(ctx: Any, reader: Any, log: Callable[[str], None]) -> ProxyState | None:
    """negotiate() and, when the header named a client, the host-name
    lookup for it: the whole PROXY step between accepting a connection
    and its connect ACL."""
    state = await negotiate(ctx, reader)
    if state is not None:
        await relookup_host(ctx, log)
    return state
