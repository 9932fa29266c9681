"""$sender_host_name: the reverse lookup of the client's address, confirmed
by forward lookups, as Exim's host_name_lookup() does it (DNS only; Exim's
'byaddr' fallback through the system's hosts file is not done here)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Generator

import dns.rdatatype as rt

from acl.dns.config import ResolverConfig
from acl.dns.resolver import Answer, Lookup, Question, Status, arun, build_reverse, follow_cnames, lookup_for, \
    match_domain, name_text, run
from acl.runtime.values import TaintedStr, taint

MAX_NAMES = 32  # PTR names considered; a hostile zone could list thousands


@dataclass(frozen=True)
class HostName:
    """``status`` is "ok" (``name`` confirmed), "fail" (no name, or none
    confirmed: $host_lookup_failed) or "defer" (a temporary DNS error:
    $host_lookup_deferred). Names are tainted: they come from the DNS."""

    status: str
    name: TaintedStr | None = None
    aliases: tuple[TaintedStr, ...] = ()
    dnssec: bool = False  # PTR and confirming lookups all authenticated ($sender_host_dnssec)
    reason: str = ""


def _same_ip(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a.partition("%")[0]) == ipaddress.ip_address(b.partition("%")[0])
    except ValueError:
        return False


def _walk(ip: str, lk: Lookup) -> Generator[Question, Answer, HostName]:
    loops = lk.cfg.cname_loops
    ptr = yield from follow_cnames(build_reverse(ip), rt.PTR, loops)
    if ptr.status is Status.AGAIN:
        return HostName("defer", reason=f"temporary error for reverse lookup of {ip}")
    names: list[str] = []
    for r in ptr.of_type(rt.PTR)[:MAX_NAMES]:
        n = name_text(r.rdata.target).lower()  # type: ignore[attr-defined]
        if n and n not in names:
            names.append(n)
    if not names:
        return HostName("fail", reason=f"no host name found for IP address {ip}")
    secure = ptr.secure
    confirmed: list[str] = []
    for hname in names:
        types = [rt.A] if lk.cfg.ipv4_lookup and match_domain(lk.ctx, hname, lk.cfg.ipv4_lookup) else [rt.AAAA, rt.A]
        found, again = False, False
        for t in types:
            fwd = yield from follow_cnames(hname, t, loops)
            again |= fwd.status is Status.AGAIN
            if any(_same_ip(str(r.rdata.address), ip) for r in fwd.of_type(t)):  # type: ignore[attr-defined]
                found, secure = True, secure and fwd.secure
                break
        if found:
            confirmed.append(hname)
        elif again:
            return HostName("defer", reason=f"temporary error for host name lookup of {hname}")
    if not confirmed:
        return HostName("fail", reason=f"no IP address for {names[0]} matched {ip}")
    return HostName("ok", taint(confirmed[0]), tuple(taint(n) for n in confirmed[1:]), secure)


def host_name_lookup(ip: str, ctx: Any = None, *, cfg: ResolverConfig | None = None) -> HostName:
    """Find and confirm the host name of ``ip`` (blocking).

    The PTR records of the address's reverse name give the candidate names;
    each is looked up forward (AAAA and A, or A only for names in
    ``dns_ipv4_lookup``), and only names one of whose addresses is ``ip`` are
    kept. The first kept name is $sender_host_name, the others the aliases.
    A temporary failure of the reverse lookup, or of a forward lookup that
    leaves the name unconfirmed, gives status "defer"."""
    lk = lookup_for(ctx, cfg)
    return run(_walk(ip, lk), lk)  # type: ignore[arg-type,return-value]


async def ahost_name_lookup(ip: str, ctx: Any = None, *, cfg: ResolverConfig | None = None) -> HostName:
    """:func:`host_name_lookup` for an asyncio event loop."""
    lk = lookup_for(ctx, cfg)
    return await arun(_walk(ip, lk), lk)  # type: ignore[arg-type,return-value]
