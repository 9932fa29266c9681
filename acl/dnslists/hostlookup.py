"""The client's host name as Exim finds it for ACLs (host.c host_name_lookup
and its callers): one lookup per connection, through the DNS layer's
reverse-then-forward check, leaving $sender_host_name, $host_lookup_failed and
$host_lookup_deferred; ``verify = reverse_host_lookup`` and ``verify = helo``
(smtp_verify_helo) on top of it."""

from __future__ import annotations

import re
from typing import Any, Callable

import dns.rdatatype as rt

from acl.dns import host_name_lookup as dns_host_name
from acl.dns.resolver import Status, follow_cnames, lookup_for, run

Log = Callable[[str, tuple[str, ...]], None]
_MSG = "dnslists.host_lookup_msg"
_HELO = "dnslists.helo"  # (HELO name, client address, verified): one check per HELO
_UNMATCHED = re.compile(r"^no IP address for (\S+) matched")


def lookup_host_name(ctx: Any, log: Log) -> str:
    """Exim's host_name_lookup() for $sender_host_address: "ok", "fail" or
    "defer". A success sets $sender_host_name; a failure sets
    $host_lookup_failed (and is not retried), a deferral $host_lookup_deferred."""
    v = ctx.variables
    ip = v.get("sender_host_address") or ""
    if v.get("sender_host_name"):
        return "ok"
    if v.get("host_lookup_failed") == "1":
        return "fail"
    found = dns_host_name(ip, ctx)
    if found.status == "ok" and found.name:
        v["sender_host_name"] = found.name
        v["host_lookup_failed"] = v["host_lookup_deferred"] = "0"
        v["sender_host_dnssec"] = "yes" if found.dnssec else "no"
        return "ok"
    if found.status == "defer":
        v["host_lookup_deferred"] = "1"
        return "defer"
    m = _UNMATCHED.match(found.reason)
    if m:
        ctx.extra[_MSG] = f" ({ip} does not match any IP address for {m.group(1)})"
    else:
        ctx.extra[_MSG] = " (failed to find host name from IP address)"
        log(f"no host name found for IP address {ip}", ("main",))
    v["host_lookup_failed"] = "1"
    return "fail"


def verify_reverse(ctx: Any, log: Log) -> tuple[str, str | None]:
    """acl_verify_reverse(): the result and the log message."""
    v = ctx.variables
    if v.get("sender_host_name"):
        return "ok", None
    if v.get("host_lookup_failed") == "1":
        return "fail", f"host lookup failed{ctx.extra.get(_MSG, '')}"
    rc = lookup_host_name(ctx, log)
    if rc == "defer":
        return rc, "host lookup deferred for reverse lookup check"
    if rc == "fail":
        return rc, f"host lookup failed for reverse lookup check{ctx.extra.get(_MSG, '')}"
    return "ok", None


def verify_helo(ctx: Any, log: Log) -> bool:
    """smtp_verify_helo(), done once per HELO: the HELO name is the client's
    address literal, its host name, or a name whose addresses include it."""
    extra, v = ctx.extra, ctx.variables
    if "helo_verified" in extra:  # set by the dialogue (helo_verify_hosts)
        return bool(extra["helo_verified"])
    helo, ip = v.get("sender_helo_name") or "", v.get("sender_host_address") or ""
    done = extra.get(_HELO)
    if done is not None and done[:2] == (helo, ip):
        return bool(done[2])
    verified = False
    if not helo:
        pass  # no HELO was given: not verified
    elif not ip:
        verified = True  # local SMTP
    elif helo.startswith("["):
        verified = helo[1:].startswith(ip) or (
            ip[:7].lower() == "::ffff:" and helo[1:].startswith(ip[7:]))
    else:
        if not v.get("sender_host_name") and v.get("host_lookup_failed") != "1":
            lookup_host_name(ctx, log)
        name = v.get("sender_host_name") or ""
        verified = bool(name) and name.lower() == helo.lower()
        if not verified:
            verified = ip in _addresses(ctx, helo)
    extra[_HELO] = (helo, ip, verified)
    return verified


def _addresses(ctx: Any, name: str) -> list[str]:
    """The A and AAAA addresses of ``name`` (nothing on any failure)."""
    lk = lookup_for(ctx)
    out: list[str] = []
    for t in (rt.AAAA, rt.A):
        ans = run(follow_cnames(name, t, lk.cfg.cname_loops), lk)
        if ans.status is Status.SUCCEED:
            out += [str(r.rdata.address) for r in ans.of_type(t)]  # type: ignore[attr-defined]
    return out
