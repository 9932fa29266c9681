"""``verify = csa``: Client SMTP Authorization (acl.c acl_verify_csa). The
HELO name (or the name given after ``csa/``) is looked up for CSA SRV records
through the DNS layer's CSA walk; the client's address must be among the
target's addresses. $csa_status is set; only failures fail the condition."""

from __future__ import annotations

from typing import Any

import dns.rdatatype as rt

from acl.dns import build_reverse
from acl.dnslists.dnsbl import is_ip
from acl.dns.resolver import Answer, Status, csa_walk, follow_cnames, lookup_for, name_text, run

UNKNOWN, OK, DEFER_SRV, DEFER_ADDR, FAIL_EXPLICIT, FAIL_DOMAIN, FAIL_NOADDR, FAIL_MISMATCH = range(8)
STATUS = ("unknown", "ok", "defer", "defer", "fail", "fail", "fail", "fail")
REASON = ("unknown", "ok", "deferred (SRV lookup failed)", "deferred (target address lookup failed)",
          "failed (explicit authorization required)", "failed (host name not authorized)",
          "failed (no authorized addresses)", "failed (client address mismatch)")
_CACHE = "dnslists.csa"


def _address_check(ans: Answer, target: str, ip: str) -> int:
    rc = FAIL_NOADDR
    for r in ans.records:
        if r.rtype not in (rt.A, rt.AAAA) or r.name.lower() != target.lower():
            continue
        rc = FAIL_MISMATCH
        if str(r.rdata.address) == ip:  # type: ignore[attr-defined]
            return OK
    return rc


def csa_check(ctx: Any, domain: str) -> int:
    """One of the eight CSA outcomes (cached per domain for the connection)."""
    v = ctx.variables
    ip = v.get("sender_host_address") or ""
    domain = domain.strip() or v.get("sender_helo_name") or ip
    if not ip:
        return UNKNOWN
    if domain.startswith("["):
        colon = domain.find(":")
        start = colon if colon >= 0 else 0
        domain = domain[start + 1:len(domain) - 1]
    if is_ip(domain):
        if not ctx.option("dns_csa_use_reverse", True):
            return UNKNOWN
        domain = build_reverse(domain)
    cache: dict[str, int] = ctx.extra.setdefault(_CACHE, {})
    if domain not in cache:
        cache[domain] = _lookup(ctx, domain, ip)
    return cache[domain]


def _lookup(ctx: Any, domain: str, ip: str) -> int:
    lk = lookup_for(ctx)
    ans = run(csa_walk(domain, lk.cfg.csa_search_limit, lk.cfg.cname_loops), lk)
    if ans.not_found:
        return UNKNOWN
    if not ans.found:
        return DEFER_SRV
    found = ans.fqdn or domain
    target = None
    for r in ans.of_type(rt.SRV):
        rd = r.rdata
        if rd.priority != 1:  # type: ignore[attr-defined]
            continue
        if found.lower() != domain.lower():
            return FAIL_EXPLICIT if rd.port & 1 else UNKNOWN  # type: ignore[attr-defined]
        weight = rd.weight  # type: ignore[attr-defined]
        if weight in (0, 1):  # observed: Exim 4.96 words both "host name not authorized"
            return FAIL_DOMAIN
        if weight != 2:
            return UNKNOWN
        target = name_text(rd.target)  # type: ignore[attr-defined]
        break
    if target is None:
        return UNKNOWN
    if target == "":
        return FAIL_NOADDR
    rtype = rt.AAAA if ":" in ip else rt.A
    addr = run(follow_cnames(target, rtype, lk.cfg.cname_loops), lk)
    if addr.status is Status.SUCCEED:
        return _address_check(addr, target, ip)
    return FAIL_NOADDR if addr.not_found else DEFER_ADDR


def verify_csa(ctx: Any, domain: str) -> tuple[bool, str]:
    """Whether the condition passes, and the message Exim sets for it."""
    rc = csa_check(ctx, domain)
    ctx.variables["csa_status"] = STATUS[rc]
    return rc < FAIL_EXPLICIT, f"client SMTP authorization {REASON[rc]}"
