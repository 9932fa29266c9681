"""DNS questions and answers, as Exim's dns.c sees them.

Every result says which of Exim's outcomes it is: SUCCEED, NOMATCH (NXDOMAIN),
NODATA (the name exists, not the type), AGAIN (SERVFAIL, REFUSED, time-out: a
temporary failure, DEFER upstream) or FAIL (malformed, CNAME loop). Answers are
kept in a per-process cache for their TTL; negative answers for the SOA's
negative TTL (RFC 2308); temporary failures are not kept.

The multi-step lookups (CNAME chains, zone walks, CSA) are written once as
generators that yield ``(name, rtype)`` questions and receive ``Answer``s;
:func:`run` drives one with blocking I/O and :func:`arun` with asyncio, so a
server's event loop never waits on DNS.
"""

from __future__ import annotations

import enum
import functools
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Generator

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdatatype

from acl.dns.config import ResolverConfig, config_for
from acl.dns.udp import Query, udp


class Status(enum.Enum):
    SUCCEED = "succeed"
    NOMATCH = "nomatch"  # NXDOMAIN
    NODATA = "nodata"  # no record of that type
    AGAIN = "again"  # temporary failure: defer
    FAIL = "fail"  # permanent failure other than not found


@dataclass(frozen=True, slots=True)
class Record:
    name: str  # owner, without the final dot
    rtype: int
    ttl: int
    rdata: dns.rdata.Rdata


@dataclass(frozen=True)
class Answer:
    status: Status
    name: str  # the name asked last (the end of a CNAME chain)
    rtype: int
    records: tuple[Record, ...] = ()  # answer section, in the server's order
    authority: tuple[Record, ...] = ()
    ad: bool = False  # the server vouched for DNSSEC validation
    aa: bool = False
    fqdn: str | None = None  # the fully qualified name found (CSA)
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.status is Status.SUCCEED

    @property
    def not_found(self) -> bool:
        return self.status in (Status.NOMATCH, Status.NODATA)

    @property
    def temporary(self) -> bool:
        return self.status is Status.AGAIN

    @property
    def secure(self) -> bool:
        """dns_is_secure(): authenticated data (the AD bit)."""
        return self.ad

    def of_type(self, rtype: int) -> list[Record]:
        return [r for r in self.records if r.rtype == rtype]

    def ttl(self) -> int:
        return min((r.ttl for r in self.records), default=0)


Question = tuple[str, int]
Walk = Generator[Question, Answer, Answer]


def name_text(n: dns.name.Name) -> str:
    """A domain name as dn_expand() writes it: no final dot, the root empty."""
    return "" if n == dns.name.root else n.to_text(omit_final_dot=True)


# ---------------------------------------------------------------------------
# One question to the servers


class _Cache:
    """Per-process, thread-safe; bounded so that a flood of names cannot grow it."""

    MAX = 10_000

    def __init__(self) -> None:
        self._data: dict[Any, tuple[float, Answer]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> Answer | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if hit[0] <= time.monotonic():
                del self._data[key]
                return None
            return hit[1]

    def put(self, key: Any, ans: Answer, ttl: float) -> None:
        if ttl <= 0:
            return
        with self._lock:
            if len(self._data) >= self.MAX:
                now = time.monotonic()
                for k in [k for k, v in self._data.items() if v[0] <= now] or list(self._data)[: self.MAX // 10]:
                    del self._data[k]
            self._data[key] = (time.monotonic() + ttl, ans)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


CACHE = _Cache()


def clear_cache() -> None:
    CACHE.clear()


def _cache_key(cfg: ResolverConfig, name: str, rtype: int) -> Any:
    return (cfg.nameservers, cfg.port, cfg.dnssec_ok, cfg.use_edns0, name.lower().rstrip("."), rtype)


def _make_query(cfg: ResolverConfig, qname: dns.name.Name, rtype: int) -> Query:
    """RD set; EDNS0 when asked for (dns_use_edns0) or implied (dns_dnssec_ok),
    with DO and AD for dns_dnssec_ok (the server is to report validation)."""
    dnssec = cfg.dnssec_ok == 1
    return Query(qname, rtype, edns=cfg.use_edns0 == 1 or dnssec, dnssec_ok=dnssec)


def _records(section: list[Any]) -> tuple[Record, ...]:
    return tuple(Record(name_text(rrset.name), rrset.rdtype, rrset.ttl, rd) for rrset in section for rd in rrset)


def _negative_ttl(authority: tuple[Record, ...]) -> int:
    for r in authority:
        if r.rtype == dns.rdatatype.SOA:
            return min(r.ttl, int(r.rdata.minimum))  # type: ignore[attr-defined]
    return 0


def _interpret(name: str, rtype: int, r: dns.message.Message) -> Answer | None:
    """The answer a stub resolver makes of a response; None: ask the next server."""
    rcode = r.rcode()
    if rcode in (dns.rcode.SERVFAIL, dns.rcode.REFUSED, dns.rcode.NOTIMP):
        return None
    ad, aa = bool(r.flags & dns.flags.AD), bool(r.flags & dns.flags.AA)
    records, authority = _records(r.answer), _records(r.authority)
    if rcode == dns.rcode.NXDOMAIN:
        status = Status.NOMATCH
    elif rcode != dns.rcode.NOERROR:
        return Answer(Status.FAIL, name, rtype, reason=f"rcode {dns.rcode.to_text(rcode)}")
    else:
        status = Status.SUCCEED if records else Status.NODATA
    return Answer(status, name, rtype, records, authority, ad, aa)


def _servers(cfg: ResolverConfig) -> list[str]:
    return [ns for _ in range(max(cfg.attempts, 1)) for ns in cfg.nameservers]


def _prepare(cfg: ResolverConfig, name: str, rtype: int) -> tuple[Any, Answer | None]:
    """The cache key and, when no packet is needed, the answer itself."""
    key = _cache_key(cfg, name, rtype)
    hit = CACHE.get(key)
    if hit is not None:
        return key, hit
    try:
        dns.name.from_text(name)
    except dns.exception.DNSException as e:
        return key, Answer(Status.FAIL, name, rtype, reason=str(e))
    return key, None


def _finish(cfg: ResolverConfig, key: Any, name: str, rtype: int, ans: Answer | None) -> Answer:
    if ans is None:
        reason = "no server answered" if cfg.nameservers else "no DNS server configured"
        return Answer(Status.AGAIN, name, rtype, reason=reason)
    if ans.status is Status.SUCCEED:
        CACHE.put(key, ans, ans.ttl())
    elif ans.not_found:
        CACHE.put(key, ans, _negative_ttl(ans.authority))
    return ans


Exchange = tuple[Query, str, bool]  # query, server, over TCP


def _exchanges(cfg: ResolverConfig, name: str, rtype: int) -> Generator[Exchange, Any, Answer]:
    """The packets a stub resolver sends for one question: each server in
    turn, ``attempts`` rounds, TCP after a truncated reply. Receives each
    response (None when the server did not answer)."""
    key, ans = _prepare(cfg, name, rtype)
    if ans is not None:
        return ans
    q = _make_query(cfg, dns.name.from_text(name), rtype)
    for ns in _servers(cfg):
        r = yield (q, ns, False)
        if r is not None and r.flags & dns.flags.TC:
            r = yield (q, ns, True)
        if r is not None:
            ans = _interpret(name, rtype, r)
            if ans is not None:
                break
    return _finish(cfg, key, name, rtype, ans)


_FAILURES = (dns.exception.DNSException, OSError, ValueError)


def query(cfg: ResolverConfig, name: str, rtype: int) -> Answer:
    """One question (no CNAME following), blocking."""
    ex = _exchanges(cfg, name, rtype)
    try:
        q, ns, tcp = next(ex)
        while True:
            try:
                send = dns.query.tcp if tcp else functools.partial(dns.query.udp, ignore_unexpected=True)
                r = send(q.message, ns, timeout=cfg.timeout, port=cfg.port)
            except _FAILURES:
                r = None
            q, ns, tcp = ex.send(r)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def aquery(cfg: ResolverConfig, name: str, rtype: int) -> Answer:
    """One question (no CNAME following), for an asyncio event loop."""
    ex = _exchanges(cfg, name, rtype)
    try:
        q, ns, tcp = next(ex)
        while True:
            try:
                if tcp:
                    r = await dns.asyncquery.tcp(q.message, ns, timeout=cfg.timeout, port=cfg.port)
                else:
                    r = await udp(q, ns, cfg.port, cfg.timeout)
            except _FAILURES:
                r = None
            q, ns, tcp = ex.send(r)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------
# Drivers


@dataclass
class Lookup:
    """What a walk needs besides the questions: the settings and, for the
    domain-list options, the expansion context."""

    cfg: ResolverConfig
    ctx: Any = None
    _again_cache: dict[str, bool] = field(default_factory=dict)

    def again_is_nonexist(self, name: str) -> bool:
        """dns_again_means_nonexist: a temporary failure counts as not found."""
        lst = self.cfg.again_means_nonexist
        if not lst:
            return False
        if name not in self._again_cache:
            self._again_cache[name] = match_domain(self.ctx, name, lst)
        return self._again_cache[name]


def match_domain(ctx: Any, name: str, lst: str) -> bool:
    from acl.runtime import lists

    if ctx is None:
        from acl.runtime.context import ExpansionContext

        ctx = ExpansionContext()
    try:
        return bool(lists.match_domain(ctx, name, lst, data_var=None))
    except Exception:  # a list the lists module rejects never matches here
        return False


def _adjust(lk: Lookup, ans: Answer) -> Answer:
    if ans.status is Status.AGAIN and lk.again_is_nonexist(ans.name):
        return Answer(Status.NOMATCH, ans.name, ans.rtype, reason="dns_again_means_nonexist")
    return ans


def run(walk: Walk, lk: Lookup) -> Answer:
    """Drive a walk with blocking questions."""
    try:
        q = next(walk)
        while True:
            q = walk.send(_adjust(lk, query(lk.cfg, *q)))
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def arun(walk: Walk, lk: Lookup) -> Answer:
    """Drive a walk without blocking the event loop."""
    try:
        q = next(walk)
        while True:
            q = walk.send(_adjust(lk, await aquery(lk.cfg, *q)))
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


def lookup_for(ctx: Any = None, cfg: ResolverConfig | None = None) -> Lookup:
    return Lookup(cfg if cfg is not None else config_for(ctx), ctx)


# ---------------------------------------------------------------------------
# Walks


def follow_cnames(name: str, rtype: int, cname_loops: int = 1) -> Walk:
    """dns_lookup(): ask, and when the answer has only a CNAME (the last one in
    the answer, as Exim takes it) ask again for its target, up to
    ``dns_cname_loops`` times."""
    first: str | None = None
    for _ in range(cname_loops + 1):
        ans = yield (name, rtype)
        if ans.status is not Status.SUCCEED:
            return ans
        cname = None
        for r in ans.records:
            if r.rtype == dns.rdatatype.CNAME:
                cname = r
        if first is None:
            first = name_text(cname.rdata.target) if cname is not None else name  # type: ignore[attr-defined]
        if ans.of_type(rtype) or rtype == dns.rdatatype.CNAME:
            return _with_fqdn(ans, first)
        if cname is None:
            return Answer(Status.FAIL, name, rtype, reason="no record of the type and no CNAME")
        name = name_text(cname.rdata.target)  # type: ignore[attr-defined]
    return Answer(Status.FAIL, name, rtype, reason=f"CNAME loop for {name} encountered")


def _with_fqdn(ans: Answer, fqdn: str) -> Answer:
    return Answer(ans.status, ans.name, ans.rtype, ans.records, ans.authority, ans.ad, ans.aa, fqdn, ans.reason)


def zone_walk(name: str, rtype: int, cname_loops: int = 1) -> Walk:
    """ZNS and SOA: the name, then each parent (never the root) until found."""
    d = name
    for _ in range(128):
        ans = yield from follow_cnames(d, rtype, cname_loops)
        if not ans.not_found:
            return ans
        dot = d.find(".")
        if dot < 0:
            break
        d = d[dot + 1:]
    return Answer(Status.NOMATCH, name, rtype)


def csa_walk(name: str, limit: int = 5, cname_loops: int = 1) -> Walk:
    """Client SMTP Authorization SRV records: ``_client._smtp.NAME``, else the
    subdomain assertions of its parents, top down (in-addr.arpa / ip6.arpa
    names go at most 3 levels)."""
    srv = dns.rdatatype.SRV
    ans = yield from follow_cnames(f"_client._smtp.{name}", srv, cname_loops)
    if ans.status in (Status.SUCCEED, Status.AGAIN):
        return _with_fqdn(ans, name) if ans.found else ans
    if ans.status is Status.NOMATCH:
        # Exim 4.96 then reads the authority section of a response glibc does
        # not hand back, and stops here: observed, not a choice.
        return ans
    labels = name.split(".")
    low = name.lower()
    if low.endswith(".in-addr.arpa") or low.endswith(".ip6.arpa"):
        limit, top = 3, 2
    else:
        top = 1
    for i in range(2, limit):
        if i + top - 1 > len(labels):
            break
        parent = ".".join(labels[-(i + top - 1):])
        ans = yield from follow_cnames(f"_client._smtp.{parent}", srv, cname_loops)
        if ans.status is Status.AGAIN:
            return ans
        if not ans.found:
            continue
        for r in ans.of_type(srv):
            if r.rdata.priority == 1 and r.rdata.port & 1:  # type: ignore[attr-defined]
                return _with_fqdn(ans, parent)
    return Answer(Status.NOMATCH, name, srv)


def special_walk(name: str, kind: str, cfg: ResolverConfig) -> Walk:
    """dns_special_lookup(): ``kind`` is a dnsdb type name."""
    loops = cfg.cname_loops
    if kind == "mxh":
        return follow_cnames(name, dns.rdatatype.MX, loops)
    if kind == "zns":
        return zone_walk(name, dns.rdatatype.NS, loops)
    if kind == "soa":
        return zone_walk(name, dns.rdatatype.SOA, loops)
    if kind == "csa":
        return csa_walk(name, cfg.csa_search_limit, loops)
    return follow_cnames(name, dns.rdatatype.from_text(kind), loops)


# ---------------------------------------------------------------------------
# Convenience API


def resolve(ctx: Any, name: str, rtype: str | int, *, cfg: ResolverConfig | None = None) -> Answer:
    """Blocking lookup with CNAME following, e.g. ``resolve(ctx, "example.org", "MX")``."""
    lk = lookup_for(ctx, cfg)
    t = rtype if isinstance(rtype, int) else dns.rdatatype.from_text(rtype)
    return run(follow_cnames(name, t, lk.cfg.cname_loops), lk)


async def aresolve(ctx: Any, name: str, rtype: str | int, *, cfg: ResolverConfig | None = None) -> Answer:
    """The same as :func:`resolve`, awaited."""
    lk = lookup_for(ctx, cfg)
    t = rtype if isinstance(rtype, int) else dns.rdatatype.from_text(rtype)
    return await arun(follow_cnames(name, t, lk.cfg.cname_loops), lk)


def build_reverse(ip: str) -> str:
    """dns_build_reverse(): the in-addr.arpa or ip6.arpa name of an address."""
    base = ip.partition("%")[0]
    if ":" in base:
        packed = socket.inet_pton(socket.AF_INET6, base)
        nibbles = packed.hex()
        return ".".join(reversed(nibbles)) + ".ip6.arpa"
    return ".".join(reversed(base.split("."))) + ".in-addr.arpa"
