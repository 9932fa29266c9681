"""The ``dnslists`` ACL condition (Exim's verify_check_dnsbl and
one_check_dnsbl): block lists looked up in the DNS by inverted address or by
explicit keys, with value restrictions (``=``, ``==``, ``&``, ``=&``, negated
with ``!``), a separate TXT domain (``txt.domain,check.domain``), the
``+include_unknown`` / ``+exclude_unknown`` / ``+defer_unknown`` switches and a
per-connection answer cache as Exim keeps one (see docs/DNSLISTS.md)."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import Any, Callable

import dns.rdatatype as rt

from acl.dns import Status, build_reverse
from acl.dns.resolver import follow_cnames, lookup_for, run
from acl.runtime import regex as rx
from acl.runtime.values import taint

OK, FAIL, DEFER = "ok", "fail", "defer"
MT_NOT, MT_ALL = 1, 2
MAX_QUERY = 255  # Exim ignores longer names (with a panic-log line)
MAX_ITEMS = 1000  # list items and keys examined by one condition
DEFAULT_TTL = 3600  # cache life of an answer without a usable TTL, as Exim's
# Exim's default dns_check_names_pattern: names failing it count as not found.
NAMES_PATTERN = r"(?i)^(?>(?(1)\.|())[^\W](?>[a-z0-9/_-]*[^\W])?)+(\.?)$"
_CACHE = "dnslists.cache"

Log = Callable[[str, tuple[str, ...]], None]


@dataclass
class Entry:
    """One cached answer: Exim's dnsbl_cache_block."""

    status: Status
    addresses: list[str]
    expiry: float
    text_set: bool = False
    text: str | None = None


@dataclass(frozen=True)
class Item:
    domain: str  # where the address records are looked up
    domain_txt: str  # the name reported in $dnslist_domain (and TXT source)
    iplist: str | None
    bitmask: bool
    match_type: int
    key: str | None


def parse_item(text: str) -> Item:
    """``txtdomain,domain!==values/keys`` taken apart as Exim does."""
    domain, slash, key = text.partition("/")
    iplist: str | None = None
    bitmask, match_type = False, 0
    pos = domain.find("=")
    if pos < 0:
        bitmask, pos = True, domain.find("&")
    if pos >= 0:
        iplist = domain[pos + 1:]
        if pos > 0 and domain[pos - 1] == "!":
            match_type |= MT_NOT
            domain = domain[:pos - 1]
        else:
            domain = domain[:pos]
        if not bitmask and iplist[:1] in ("=", "&"):
            bitmask = iplist[0] == "&"
            iplist = iplist[1:]
            match_type |= MT_ALL
    domain_txt, comma, rest = domain.partition(",")
    return Item(rest if comma else domain, domain_txt, iplist, bitmask, match_type, key if slash else None)


def _strange(name: str) -> bool:
    return any(not (c.isascii() and (c.isalnum() or c in "-._")) for c in name)


def _ipv4(text: str) -> int | None:
    try:
        return int(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


class Checker:
    """One evaluation of a dnslists condition in a context."""

    def __init__(self, ctx: Any, log: Log) -> None:
        self.ctx, self.log = ctx, log
        self.cache: dict[str, Entry] = ctx.extra.setdefault(_CACHE, {})

    # -- the DNS, through the cache ------------------------------------------

    def _name_ok(self, name: str) -> bool:
        pattern = self.ctx.option("dns_check_names_pattern", None)
        pattern = NAMES_PATTERN if pattern is None else str(pattern)
        if not pattern:
            return True
        try:
            return rx.search(rx.compile_regex(pattern), name, self.ctx) is not None
        except Exception:  # a pattern that cannot be used checks nothing
            return True

    def lookup(self, query: str) -> Entry:
        now = time.time()
        hit = self.cache.get(query)
        if hit is not None and hit.expiry > now:
            return hit
        if not self._name_ok(query):
            entry = Entry(Status.NOMATCH, [], now + DEFAULT_TTL)
        else:
            lk = lookup_for(self.ctx)
            ans = run(follow_cnames(query, rt.A, lk.cfg.cname_loops), lk)
            addrs = [str(r.rdata.address) for r in ans.of_type(rt.A)]  # type: ignore[attr-defined]
            status = ans.status
            ttl = DEFAULT_TTL
            if status is Status.SUCCEED and not addrs:
                status = Status.NODATA  # a CNAME to a name without A records
            elif status is Status.SUCCEED:
                ttl = min([ttl] + [r.ttl for r in ans.of_type(rt.A)])
            elif ans.not_found:
                soa = [r for r in ans.authority if r.rtype == rt.SOA]
                if soa:
                    ttl = min(soa[0].ttl, int(soa[0].rdata.minimum))  # type: ignore[attr-defined]
            entry = Entry(status, addrs, now + ttl)
        if len(self.cache) > 10_000:  # a hostile key list cannot grow it without bound
            self.cache.clear()
        self.cache[query] = entry
        return entry

    def text(self, query: str, entry: Entry) -> str | None:
        if not entry.text_set:
            entry.text_set = True
            lk = lookup_for(self.ctx)
            ans = run(follow_cnames(query, rt.TXT, lk.cfg.cname_loops), lk)
            for r in ans.of_type(rt.TXT)[:1]:
                strings = r.rdata.strings  # type: ignore[attr-defined]
                if strings:
                    entry.text = strings[0].decode("latin-1")
        return entry.text

    # -- one list and one key ------------------------------------------------

    def one(self, domain: str, domain_txt: str, keydomain: str, prepend: str, iplist: str | None,
            bitmask: bool, match_type: int, defer_return: str) -> str:
        query = f"{prepend}.{domain}"
        if len(query) > MAX_QUERY:
            self.log(f"dnslist query is too long (ignored): {query[:256]}...", ("main", "panic"))
            return FAIL
        entry = self.lookup(query)
        if entry.status is Status.SUCCEED:
            addlist = ", ".join(entry.addresses)
            if iplist is not None:
                if not self._values_match(entry, iplist, bitmask, match_type, keydomain, domain):
                    return FAIL
            elif not self._any_127(entry, keydomain, domain):
                return FAIL
            self.ctx.variables["dnslist_value"] = taint(addlist)
            if domain_txt != domain:
                return self.one(domain_txt, domain_txt, keydomain, prepend, None, False, match_type,
                                defer_return)
            txt = self.text(query, entry)
            self.ctx.variables["dnslist_text"] = taint(txt or "")
            return OK
        if entry.status not in (Status.NOMATCH, Status.NODATA):
            word = {OK: "assumed in list", FAIL: "assumed not in list"}.get(defer_return, "returned DEFER")
            self.log(f"DNS list lookup defer (probably timeout) for {query}: {word}", ("main",))
            return defer_return
        return FAIL

    def _values_match(self, entry: Entry, iplist: str, bitmask: bool, match_type: int,
                      keydomain: str, domain: str) -> bool:
        wanted = [w for w in iplist.split(",") if w][:MAX_ITEMS]
        stopped = False
        for address in entry.addresses:
            if not bitmask:
                res = any(w.strip() == address for w in wanted)
            else:
                mask = 0
                n = _ipv4(address)
                if n is not None:
                    if n >> 24 != 127:
                        self._discarded(keydomain, domain, address)
                    else:
                        mask = n
                res = any((v := _ipv4(w.strip())) is not None and v & mask == v for w in wanted)
            if bool(match_type & MT_ALL) != res:
                stopped = True
                break
        return (match_type in (MT_NOT, MT_ALL)) != stopped

    def _any_127(self, entry: Entry, keydomain: str, domain: str) -> bool:
        for address in entry.addresses:
            n = _ipv4(address)
            if n is not None and n >> 24 == 127:
                return True
            self._discarded(keydomain, domain, address)
        return False

    def _discarded(self, keydomain: str, domain: str, address: str) -> None:
        self.log(f"DNS list lookup for {keydomain} at {domain} returned {address}; "
                 "not in 127.0/8 and discarded", ("main",))

    # -- the whole condition ---------------------------------------------------

    def check(self, listtext: str) -> str:
        from acl.runtime.lists import iter_list

        v = self.ctx.variables
        host = v.get("sender_host_address") or ""
        defer_return = FAIL
        for n, text in enumerate(iter_list(listtext)):
            if n >= MAX_ITEMS:
                break
            if text.startswith("+"):
                low = text.lower()
                if low == "+include_unknown":
                    defer_return = OK
                elif low == "+exclude_unknown":
                    defer_return = FAIL
                elif low == "+defer_unknown":
                    defer_return = DEFER
                else:
                    self.log(f"unknown item in dnslist (ignored): {text}", ("main", "panic"))
                continue
            item = parse_item(text)
            for name in dict.fromkeys((item.domain, item.domain_txt)):
                if _strange(name):
                    self.log(f'dnslists domain "{name}" contains strange characters - is this right?',
                             ("main",))
            if item.key is None:
                if not host:
                    return FAIL  # a local message can never be listed
                rc = self.one(item.domain, item.domain_txt, host, _inverted(host), item.iplist,
                              item.bitmask, item.match_type, defer_return)
                if rc == OK:
                    self._found(item.domain_txt, host)
                if rc != FAIL:
                    return rc
                continue
            deferred = False
            for m, key in enumerate(iter_list(item.key)):
                if m >= MAX_ITEMS:
                    break
                prepend = _inverted(key) if is_ip(key) else key
                rc = self.one(item.domain, item.domain_txt, key, prepend, item.iplist, item.bitmask,
                              item.match_type, defer_return)
                if rc == OK:
                    self._found(item.domain_txt, key)
                    return OK
                deferred |= rc == DEFER
            if deferred:
                return DEFER
        return FAIL

    def _found(self, domain_txt: str, key: str) -> None:
        self.ctx.variables["dnslist_domain"] = domain_txt
        self.ctx.variables["dnslist_matched"] = key


def _inverted(ip: str) -> str:
    """The address's labels reversed (nibbles for IPv6), without the arpa suffix."""
    rev = build_reverse(ip)
    return rev.rsplit(".", 2)[0]


def check_dnsbl(ctx: Any, listtext: str, log: Log) -> str:
    """Evaluate a dnslists condition's (expanded) list: "ok", "fail" or "defer"."""
    return Checker(ctx, log).check(listtext)


__all__ = ["DEFER", "FAIL", "OK", "Item", "check_dnsbl", "parse_item"]
