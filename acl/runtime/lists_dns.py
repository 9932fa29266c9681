"""The DNS hook of list matching. Host lists need the client's host name
(for ``*.example.com``, ``^regex`` and lookups keyed by name) and the
addresses of names written in the list (``mail.example``, ``@``); domain lists
need MX records for ``@mx_any``, ``@mx_primary`` and ``@mx_secondary``.

The resolver is the DNS layer's (:class:`acl.dnslists.resolver.DnsResolver`)
whenever the context's DNS configuration names a server; without one (under
pytest with no test server), or after ``set_resolver(NoDns())``, every answer
is "not found", which is what Exim does when its lookups find nothing: a host
list needing a name stops with "no" (trace: ``failed to find host name for
IP`` / ``failed to find IP address for NAME``), and an ``@mx_*`` item does not
match. A resolver signals a temporary failure by raising
:class:`acl.errors.LookupDefer`; the list check then defers."""

from __future__ import annotations

from typing import Any, Protocol


class Resolver(Protocol):
    def host_name(self, ctx: Any, ip: str) -> str | None:
        """The client's verified host name (reverse lookup confirmed by a
        forward one), None when there is none."""

    def addresses(self, ctx: Any, name: str) -> list[str] | None:
        """The IP addresses of ``name``, None when it has none."""

    def mx(self, ctx: Any, domain: str) -> list[tuple[int, str]] | None:
        """``domain``'s MX records as (preference, target), None when none."""


class NoDns:
    """The resolver of a build without DNS: nothing is ever found."""

    def host_name(self, ctx: Any, ip: str) -> str | None:
        return None

    def addresses(self, ctx: Any, name: str) -> list[str] | None:
        return None

    def mx(self, ctx: Any, domain: str) -> list[tuple[int, str]] | None:
        return None


_resolver: Resolver | None = None  # None: the DNS layer's when a server is configured


def set_resolver(resolver: Resolver | None) -> None:
    """Plug in the resolver list matching uses (None: back to the default)."""
    global _resolver
    _resolver = resolver


def resolver(ctx: Any = None) -> Resolver:
    """The resolver in force: one set for this context (``ctx.extra["resolver"]``,
    for tests and sessions), else the process-wide one, else the DNS layer's."""
    extra = getattr(ctx, "extra", None)
    if extra and extra.get("resolver") is not None:
        return extra["resolver"]  # type: ignore[no-any-return]
    if _resolver is not None:
        return _resolver
    from acl.dns import config_for
    from acl.dnslists.resolver import DnsResolver

    return DnsResolver() if config_for(ctx).nameservers else NoDns()


MX_ITEMS = ("@mx_any", "@mx_primary", "@mx_secondary")


def is_mx_item(item: str) -> bool:
    """``@mx_any``, ``@mx_primary``, ``@mx_secondary``, each with an optional
    ``/ignore=<host list>``."""
    return item.partition("/")[0] in MX_ITEMS


def match_mx(ctx: Any, item: str, domain: str, local_ips: set[str]) -> bool:
    """Whether ``domain`` matches the ``@mx_*`` ``item``: one of its MX targets
    is this host (an address in ``local_ips``), among the most preferred
    (``primary``), only among the others (``secondary``) or either (``any``).
    Target addresses matching the ``/ignore=`` host list do not count. A
    temporary DNS failure raises :class:`acl.errors.LookupDefer`."""
    import ipaddress

    base, _, option = item.partition("/")
    ignore = option[7:] if option[:7].lower() == "ignore=" else ""
    dns = resolver(ctx)
    records = dns.mx(ctx, domain) or []

    def norm(a: str) -> Any:
        try:
            return ipaddress.ip_address(a.partition("%")[0])
        except ValueError:
            return None

    local = {norm(a) for a in local_ips} - {None}
    best = min((p for p, _ in records), default=0)
    hits: list[int] = []
    for pref, target in records[:100]:
        for a in (dns.addresses(ctx, target) or [])[:100]:
            if norm(a) in local and not (ignore and _ignored(ctx, a, ignore)):
                hits.append(pref)
                break
    which = base[4:]
    if which == "any":
        return bool(hits)
    primary = best in hits
    return primary if which == "primary" else bool(hits) and not primary


def _ignored(ctx: Any, address: str, hostlist: str) -> bool:
    from acl.runtime.lists import match_ip

    return bool(match_ip(ctx, address, hostlist))
