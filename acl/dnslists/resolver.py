"""The resolver that host and domain lists use (the :mod:`acl.runtime.lists_dns`
protocol) on the DNS layer: the client's confirmed host name, the addresses
of names written in host lists, MX records for ``@mx_*``. A temporary DNS
failure of a forward or MX lookup defers the list with Exim's message; a host
name that cannot be found, for whatever reason, is just "no name" (Exim's
check_host turns every failure into "failed to find host name")."""

from __future__ import annotations

from typing import Any

import dns.rdatatype as rt

from acl.dns.resolver import Status, follow_cnames, lookup_for, name_text, run
from acl.errors import LookupDefer

MAX_RECORDS = 100  # addresses or MX records taken from one answer


def _deferred(name: str) -> LookupDefer:
    return LookupDefer(f'DNS lookup of "{name}" deferred')


def _log_to_acl(ctx: Any) -> Any:
    """A logger writing into the running ACL's effects (none outside an ACL)."""
    def log(text: str, logs: tuple[str, ...]) -> None:
        state = ctx.extra.get("acl_state") if ctx is not None else None
        if state is not None:
            from acl.engine.verdict import LogLine

            state.effects.logs.append(LogLine(text, logs))
    return log


class DnsResolver:
    """Answers from the DNS servers the context's configuration names."""

    def host_name(self, ctx: Any, ip: str) -> str | None:
        from acl.dnslists.hostlookup import lookup_host_name

        if ctx is not None and ip == (ctx.variables.get("sender_host_address") or ""):
            lookup_host_name(ctx, _log_to_acl(ctx))
            return ctx.variables.get("sender_host_name") or None
        from acl.dns import host_name_lookup

        found = host_name_lookup(ip, ctx)
        return found.name if found.status == "ok" else None

    def addresses(self, ctx: Any, name: str) -> list[str] | None:
        lk = lookup_for(ctx)
        out: list[str] = []
        again = False
        for t in (rt.A, rt.AAAA):
            ans = run(follow_cnames(name, t, lk.cfg.cname_loops), lk)
            again |= ans.status is Status.AGAIN
            out += [str(r.rdata.address) for r in ans.of_type(t)[:MAX_RECORDS]]  # type: ignore[attr-defined]
        if not out and again:
            raise _deferred(name)
        return out or None

    def mx(self, ctx: Any, domain: str) -> list[tuple[int, str]] | None:
        lk = lookup_for(ctx)
        ans = run(follow_cnames(domain, rt.MX, lk.cfg.cname_loops), lk)
        if ans.status is Status.AGAIN:
            raise _deferred(domain)
        recs = [(int(r.rdata.preference), name_text(r.rdata.exchange))  # type: ignore[attr-defined]
                for r in ans.of_type(rt.MX)[:MAX_RECORDS]]
        return recs or None
