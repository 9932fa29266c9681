"""The ``dnsdb`` query-style lookup: ``${lookup dnsdb{[>sep[,sep2|;]] [modifiers,]type=domain:domain...}}``.

Output formats and the handling of separators follow Exim's dnsdb.c, down to
its C-string behaviour: a ``;`` TXT separator is an empty string, which
elsewhere (MX, SRV, TLSA, SOA) acts as a NUL that cuts the text short."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import dns.rdatatype as rt

from acl.dns import resolver
from acl.dns.config import config_for
from acl.dns.resolver import Answer, Lookup, Status, build_reverse, name_text
from acl.lookups import register
from acl.lookups.base import C_SPACE, QUERY, Defer, Found, LookupSpec, ascii_lower, decode
from acl.runtime.lists import is_ip, iter_list

# dnsdb type name -> the DNS type whose records are read from the answer.
TYPES: dict[str, int] = {
    "a": rt.A, "a+": rt.A, "aaaa": rt.AAAA, "cname": rt.CNAME, "csa": rt.SRV, "mx": rt.MX,
    "mxh": rt.MX, "ns": rt.NS, "ptr": rt.PTR, "soa": rt.SOA, "spf": rt.SPF, "srv": rt.SRV,
    "tlsa": rt.TLSA, "txt": rt.TXT, "zns": rt.NS,
}
# Modes, as Exim names them: DEFER (strict), PASS (lax), OK (never).
STRICT, LAX, NEVER = "strict", "lax", "never"


@dataclass
class Query:
    outsep: str = "\n"
    outsep2: str | None = None
    defer_mode: str = LAX
    dnssec_mode: str = LAX
    retrans: int | None = None
    retry: int | None = None
    kind: str = "txt"
    domains: str = ""


def _skip_space(s: str, i: int) -> int:
    while i < len(s) and s[i] in C_SPACE:
        i += 1
    return i


def _mode(s: str, i: int, what: str) -> tuple[str, int]:
    for mode in (STRICT, LAX, NEVER):
        if ascii_lower(s[i:i + len(mode)]) == mode:
            return mode, i + len(mode)
    raise Defer(f"unsupported dnsdb {what} behaviour")


def _strtol(s: str, i: int) -> tuple[int, int]:
    """C strtol(s, &end, 0) from ``i``: the value and the end offset."""
    j = _skip_space(s, i)
    sign = 1
    if j < len(s) and s[j] in "+-":
        sign, j = (-1 if s[j] == "-" else 1), j + 1
    base, digits = 10, "0123456789"
    if s[j:j + 2].lower() == "0x" and j + 2 < len(s) and s[j + 2] in "0123456789abcdefABCDEF":
        base, digits, j = 16, "0123456789abcdefABCDEF", j + 2
    elif s[j:j + 1] == "0":
        base, digits = 8, "01234567"
    k = j
    while k < len(s) and s[k] in digits:
        k += 1
    if k == j:
        return 0, i
    return sign * int(s[j:k], base), k


def parse(key: str) -> Query:
    """The query's prefix: separators, modifiers and type (Defer on errors)."""
    from acl.config.options import read_time

    q, i = Query(), _skip_space(key, 0)
    if key[i:i + 1] == ">":
        q.outsep = key[i + 1:i + 2] or "\0"
        i += 2
        if key[i:i + 1] == ",":
            q.outsep2 = key[i + 1:i + 2] or "\0"
            i += 2
        elif key[i:i + 1] == ";":
            q.outsep2 = ""
            i += 1
        i = _skip_space(key, i)
    while True:
        word = ascii_lower(key[i:i + 8])
        if word.startswith("defer_"):
            q.defer_mode, i = _mode(key, i + 6, "defer")
        elif word.startswith("dnssec_"):
            q.dnssec_mode, i = _mode(key, i + 7, "dnssec")
        elif word == "retrans_":
            comma = key.find(",", i + 8)
            secs = read_time(key[i + 8:comma] if comma >= 0 else key[i + 8:])
            if not secs or comma < 0:
                raise Defer("unsupported dnsdb timeout value")
            q.retrans, i = secs, comma
        elif word.startswith("retry_"):
            q.retry, i = _strtol(key, i + 6)
            if q.retry < 0:
                raise Defer("unsupported dnsdb retry count")
        else:
            break
        i = _skip_space(key, i)
        if key[i:i + 1] != ",":
            raise Defer("dnsdb modifier syntax error")
        i = _skip_space(key, i + 1)
    equals = key.find("=", i)
    if equals >= 0:
        name = ascii_lower(key[i:equals].rstrip(C_SPACE))
        if name not in TYPES:
            raise Defer("unsupported DNS record type")
        q.kind, i = name, _skip_space(key, equals + 1)
    q.domains = key[i:]
    if q.outsep2 is None:
        q.outsep2 = {"spf": "", "srv": " ", "mx": " ", "tlsa": " "}.get(q.kind)
    return q


def _cstr(s: str) -> str:
    """What a C string holds: everything up to a NUL."""
    return s.partition("\0")[0]


def _text(b: bytes) -> str:
    return decode(b)


def format_record(q: Query, ans: Answer, domain: str, rd: Any) -> str | None:
    """One record's text; None when Exim skips it (CSA records it rejects)."""
    kind, sep2 = q.kind, q.outsep2
    if kind in ("txt", "spf"):
        strings: tuple[bytes, ...] = rd.strings
        if sep2 is None:
            return _text(strings[0]) if strings else ""
        return sep2.join(_text(s) for s in strings)
    nul = sep2 or "\0"  # "%c" of an empty separator writes a NUL
    if kind == "tlsa":
        return _cstr(f"{rd.usage}{nul}{rd.selector}{nul}{rd.mtype}{nul}" + rd.cert.hex())
    if kind == "mx":
        return _cstr(f"{rd.preference}{nul}") + name_text(rd.exchange)
    if kind == "mxh":
        return name_text(rd.exchange)
    if kind == "srv":
        return _cstr(f"{rd.priority}{nul}{rd.weight}{nul}{rd.port}{nul}") + name_text(rd.target)
    if kind == "csa":
        if rd.priority != 1:
            return None
        if (ans.fqdn or "") != domain:
            flag = "X" if rd.port & 1 else "?"
        elif rd.weight > 3:
            return None
        else:
            flag = "NNY?"[rd.weight]
        return f"{flag} " + name_text(rd.target)
    if kind == "soa":
        text = name_text(rd.mname)
        if sep2 is not None:
            text += nul + name_text(rd.rname) + _cstr(
                nul.join(str(v) for v in ("", rd.serial, rd.refresh, rd.retry, rd.expire, rd.minimum)))
        return text
    if kind in ("a", "aaaa", "a+"):
        return str(rd.address)
    return name_text(rd.target)  # cname, ns, zns, ptr


def find(ctx: Any, handle: Any, filename: str | None, key: str, opts: str | None) -> Found:
    q = parse(key)
    cfg = config_for(ctx).with_timing(q.retrans, q.retry)
    if q.dnssec_mode != NEVER and cfg.dnssec_ok != 0:
        cfg = replace(cfg, dnssec_ok=1)
    lk = Lookup(cfg, ctx)
    domains = q.domains
    if q.kind == "ptr" and not domains.startswith("<") and is_ip(domains.strip(C_SPACE)):
        items = [domains.strip(C_SPACE)]  # one IPv6 address: its colons are no separators
    else:
        items = list(iter_list(domains))
    out: list[str] = []
    length, failed_temp, ttl = 0, False, None
    for domain in items[:1000]:
        if q.kind in ("ptr", "csa") and is_ip(domain):
            domain = build_reverse(domain)
        kinds = ("aaaa", "a") if q.kind == "a+" else (q.kind,)
        for kind in kinds:
            ans = resolver.run(resolver.special_walk(domain, kind, cfg), lk)
            _set_dnssec_var(ctx, q, ans)
            if ans.not_found:
                continue
            if ans.status is not Status.SUCCEED or (q.dnssec_mode == STRICT and not ans.secure):
                if q.defer_mode == STRICT:
                    raise Defer("")
                failed_temp |= q.defer_mode == LAX
                continue
            for r in ans.of_type(rt.from_text(kind) if kind in ("a", "aaaa") else TYPES[q.kind]):
                ttl = r.ttl if ttl is None else min(ttl, r.ttl)
                text = format_record(q, ans, domain, r.rdata)
                if text is None:
                    continue
                if length:
                    out.append(q.outsep)
                out.append(text)
                length += len(text) + (len(q.outsep) if length else 0)
    result = _cstr("".join(out))
    if not result:
        if failed_temp:
            raise Defer("")
        return Found(None, cache=True)
    return Found(result, cache=bool(ttl))


def _set_dnssec_var(ctx: Any, q: Query, ans: Answer) -> None:
    """$lookup_dnssec_authenticated: unset under dnssec_never, else yes / no."""
    if ctx is None:
        return
    if q.dnssec_mode == NEVER:
        ctx.variables.pop("lookup_dnssec_authenticated", None)
    else:
        ctx.variables["lookup_dnssec_authenticated"] = "yes" if ans.secure else "no"


register(LookupSpec("dnsdb", QUERY, False, "DNS records of a type for a list of domains", find=find))
