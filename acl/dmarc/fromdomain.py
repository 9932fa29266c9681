"""The RFC5322.From domain DMARC is about (RFC 7489 section 6.6.1)."""

from __future__ import annotations

from typing import Any

from acl.builtins.operators.address import addresses

_MAX_ADDRESSES = 100


def from_domain(headers: list[tuple[str, str]]) -> str:
    """The From: domain, lowercased; "" (DMARC's ``nofrom``) when there is no
    From: header, more than one From: header, no address with a domain, or
    addresses whose domains differ (the RFC lets a receiver refuse to pick)."""
    values = [v for n, v in headers if n.strip().lower() == "from"]
    if len(values) != 1:
        return ""
    text = values[0].replace("\r", "").replace("\n", "")
    try:
        found = addresses(">\n" + text).split("\n")
    except Exception:  # an unparsable header is a missing domain, never a traceback
        return ""
    domains = set()
    for addr in found[:_MAX_ADDRESSES]:
        local, at, domain = addr.rpartition("@")
        if not at or not local or not domain:
            return ""
        domains.add(domain.strip(".").lower())
    if len(domains) != 1:
        return ""
    return domains.pop()


def header_from(ctx: Any) -> str:
    return from_domain(list(ctx.headers))
