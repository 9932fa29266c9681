"""Exim lists: splitting (``iter_list``), quoting (``list_quote``) and the four
kinds of matching list (domain, host, address, local part) plus ``inlist``.

A list text is compiled once into a :class:`CompiledList` (cached by text, as
the compiled form holds no per-context state: lookups and files are consulted
at match time). Runs of plain items of the same sense are merged into one
:class:`_Block` of hash tables (exact names, ``*suffix`` names, CIDR networks
keyed by prefix length) so that a list of a million names or networks matches
with a handful of dictionary probes. The tables hold only strings and numbers
(dicts of str/int and tuples), which the cyclic garbage collector never walks.

Match details, for tracers:
  * ``check_list(ctx, kind, subject, text)`` returns a :class:`Found` (or None):
    ``item`` is the deciding item as written (``"192.0.2.0/24"``, ``"+local"``,
    ``"!d.example"``), ``where`` the file it came from, ``cached`` whether a
    named list's result was reused, ``end`` whether the end of the list decided.
    ``outcome(ok, found)`` words it as Exim's debug output does.
  * With ``ctx.extra["lists.trace"]`` set to a list, every list check (named
    sublists and address domain parts first, as Exim prints them) appends
    Exim's debug line without the ``>>> ``, e.g.
    ``host in "+relay"? yes (matched "+relay" - cached)``,
    ``a.example in "/etc/doms"? yes (matched "a.example" in /etc/doms)``,
    ``host in "iplsearch;/f"? list match deferred for iplsearch;/f``.

Named-list results are cached as Exim caches them (lists without ``$``, or
declared with ``_cache``): per recipient for domains and local_parts, per
message for hosts, senders and sender_domains (``match_*(cache=...)``); a
session calls :func:`new_recipient` / :func:`new_message` at RCPT / MAIL.

Host names and MX records come from the resolver in :mod:`acl.runtime.lists_dns`
(none until the DNS layer plugs one in with ``set_resolver``).
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

from acl.errors import ExpansionError, ForcedFail, LookupDefer
from acl.runtime import lists_dns
from acl.runtime import regex as rx
from acl.runtime.lists_compile import (  # noqa: F401  (re-exported)
    _FILE_CACHE, CompiledList, Found, HostNotFound, ListDefer, _base_name, _Block, _compile_items, _do_lookup,
    _Item, _load_file, _lookup_type, _NoHostName, _query_style, _subject_ip, compile_list, is_ip)
from acl.runtime.lists_split import (  # noqa: F401  (re-exported)
    SPACE, iter_list, lc, list_quote, list_separator)
from acl.runtime.values import is_tainted, like, taint

KINDS = ("domain", "host", "address", "localpart")


# ---------------------------------------------------------------------------
# Matching

# ---- per-kind subjects


@dataclass(slots=True)
class _Subject:
    text: str  # domain / local part / address as given
    folded: str  # lower-cased form
    ipv: int = 0  # host lists: IP version (0: no address) and the address as a number
    ipn: int = 0
    ip_text: str = ""
    name: str | None = None  # host lists: host name if known
    ip_only: bool = False  # match_ip: no host-name patterns
    cache: str | None = None  # named-list result cache scope (ADDRESS, MESSAGE) or None
    host: bool = False

    @property
    def label(self) -> str:
        """How Exim's trace names the subject."""
        return "host" if self.host else self.text

    @property
    def ip(self) -> Any:
        """The address as an ipaddress object (built only for the rarer items)."""
        if not self.ipv:
            return None
        return ipaddress.IPv4Address(self.ipn) if self.ipv == 4 else ipaddress.IPv6Address(self.ipn)

    def key(self, caseful: bool) -> str:
        return self.ip_text if self.host else self.text if caseful else self.folded


def _check_block(b: _Block, s: _Subject, caseful: bool) -> Found | None:
    """The earliest item of the block that matches: a few dictionary probes
    (one per suffix of the subject, one per prefix length in use)."""
    best: tuple[int, tuple[str, ...] | None] | None = None
    if b.any is not None:
        best = (b.any, None)
    if s.ipv:
        if b.nets:
            bits = 32 if s.ipv == 4 else 128
            n = s.ipn
            table = b.nets.get(s.ipv)
            for plen in b.plens.get(s.ipv, ()):
                shift = bits - plen
                pos = table.get(n >> shift << shift | plen << bits)
                if pos is not None and (best is None or pos < best[0]):
                    best = (pos, None)
    elif b.exact or b.suffix:
        key = s.text if caseful else s.folded
        pos = b.exact.get(key)
        if pos is not None:
            best = (pos, (key,))
        if b.suffix:  # every suffix: a shorter one may belong to an earlier item
            lens = b.suffix_lens
            if lens is None:  # only the lengths some *suffix item has are worth a probe
                lens = b.suffix_lens = tuple(sorted(set(map(len, b.suffix))))
            n = len(key)
            for length in lens:
                if length > n:
                    break
                pos = b.suffix.get(key[n - length:])
                if pos is not None and (best is None or pos < best[0]):
                    best = (pos, (key, key[:n - length]))
    if best is None:
        return None
    text = b.items[best[0]]
    return Found(None if b.host else text, best[1], text)


def _scan(ctx: Any, cl: CompiledList, s: _Subject, caseful: bool, named: Any) -> tuple[Any, Any] | None:
    """The first entry that matches, with what its check gave (a Found for a
    block; ``named(...)``'s result for a ``+name`` item; else _check_item's);
    None when no item matched."""
    entries, i, n = cl.entries, 0, len(cl.entries)
    while i < n:
        e = entries[i]
        i += 1
        if type(e) is _Block:
            f = _check_block(e, s, caseful)
            if f is not None:
                return e, f
            continue
        kind = e.kind
        if kind == "caseful":
            caseful = True
            continue
        if e.run is not None and _none_match(ctx, e.run[0], s.text, caseful or e.extra):
            i += e.run[1] - 1
            continue
        try:
            if kind == "named":
                r = named(ctx, cl.kind, e.text[1:], s, caseful or e.extra)
            else:
                r = _check_item(ctx, cl.kind, e, s, caseful or e.extra)
        except ListDefer as exc:
            exc.item = e.text  # each enclosing list names its own item
            raise
        if r is not None:
            return e, r
    return None


def _run(ctx: Any, cl: CompiledList, s: _Subject, caseful: bool = False) -> tuple[bool, Found] | None:
    """First-match-wins scan. None when no item matched."""
    hit = _scan(ctx, cl, s, caseful, _check_named)
    if hit is None:
        return None
    e, f = hit
    if type(e) is _Block:
        return (True, f) if not e.negated else (False, Found(item=f.item, negated=True))
    ok, found = f
    if e.kind == "file":
        found.where = e.text  # the item is the file's line
    else:
        found.item, found.where = ("!" + e.text if e.negated else e.text), None
    found.negated = e.negated
    if e.negated:
        ok = not ok
    if not ok:
        found = Found(item=found.item, where=found.where, cached=found.cached, negated=e.negated)
    return ok, found


# ---- the untraced path: (matched, value, captures) triples, the shape the
# named-list caches keep, instead of Found objects made for the trace's sake.

_NO = (False, None, None)


def _decide(ctx: Any, cl: CompiledList, s: _Subject, caseful: bool) -> tuple[bool, str | None, Any]:
    """A whole list checked without tracing, end-of-list sense included."""
    if cl.named is not None:
        for text, negated, extra in cl.named:
            try:
                r = _named_decision(ctx, cl.kind, text[1:], s, caseful or extra)
            except ListDefer as exc:
                exc.item = text  # each enclosing list names its own item
                raise
            if r is not None:  # in the named list: (True, value, captures)
                return _NO if negated else r
        return (True, None, None) if cl.last_negated else _NO
    hit = _scan(ctx, cl, s, caseful, _named_decision)
    if hit is None:
        ends = _ends_negated(cl, caseful) if cl.ends_in_file else cl.last_negated
        return (True, None, None) if ends else _NO
    e, f = hit
    if type(e) is _Block:
        return _NO if e.negated else (True, f.value, f.captures)
    ok, value, captures = f if e.kind == "named" else (f[0], f[1].value, f[1].captures)
    if e.negated:
        ok = not ok
    return (True, value, captures) if ok else _NO


def _named_decision(ctx: Any, kind: str, name: str, s: _Subject,
                    caseful: bool) -> tuple[bool, str | None, Any] | None:
    """:func:`_check_named` without tracing: None when the subject is not in
    the named list."""
    raw, cache, key, hit = _named_cached(ctx, kind, name, s, caseful)
    if hit is None:
        depth = _nest(ctx, name)
        try:
            hit = _decide(ctx, compile_list(kind, _expand_list(ctx, raw, True)), s, caseful)
        finally:
            ctx.extra["lists.depth"] = depth
        if cache is not None:
            cache[key] = hit
    return hit if hit[0] else None


def _none_match(ctx: Any, pattern: str, subject: str, caseful: bool) -> bool:
    """No regex of a run matches (their alternation finds nothing). A time-out
    says nothing: the items are then searched one by one."""
    try:
        return rx.search(rx.compile_regex(pattern, caseless=not caseful), subject, ctx) is None
    except ExpansionError:
        return False


def _check_item(ctx: Any, kind: str, e: _Item, s: _Subject, caseful: bool) -> tuple[bool, Found] | None:
    item = e.text
    if e.kind == "named":
        return _check_named(ctx, kind, item[1:], s, caseful)
    if e.kind == "file":
        return _check_file(ctx, kind, item, s, caseful)
    if kind == "address":
        f = _check_address_item(ctx, item, s, caseful)
        return (True, f) if f is not None else None
    if kind == "host":
        f = _check_host_item(ctx, item, s)
        return (True, f) if f is not None else None
    # A regex sees the subject as given (caselessly unless +caseful), so
    # that its captures keep the original case.
    subject = s.text if caseful or item[:1] == "^" else s.folded
    f = _check_string_item(ctx, kind, item, subject, caseful)
    return (True, f) if f is not None else None


def _check_string_item(ctx: Any, kind: str, item: str, subject: str, caseful: bool) -> Found | None:
    """One domain or local-part pattern against ``subject``."""
    if item == "":
        return Found(item) if subject == "" else None
    if item.startswith("^"):
        m = rx.search(rx.compile_regex(item, caseless=not caseful), subject, ctx)
        return Found(item, (subject,) + tuple(g or "" for g in m.groups())) if m else None
    if item.startswith("*"):
        tail = item[1:] if caseful else lc(item[1:])
        if subject.endswith(tail):
            return Found(item, (subject, subject[: len(subject) - len(tail)]))
        return None
    if kind == "domain" and item.startswith("@"):
        return _domain_special(ctx, item, subject)
    lk = _lookup_type(item, kind)
    if lk is not None:
        spec, data = lk
        if subject == "" and not _query_style(_base_name(spec)[0]):
            return None
        value = _do_lookup(ctx, spec, subject, data)
        return Found(value) if value is not None else None
    return Found(item, (subject,)) if (item == subject if caseful else lc(item) == subject) else None


def primary_hostname(ctx: Any) -> str:
    name = ctx.option("primary_hostname") if ctx is not None else None
    return str(name) if name else _this_host()


@functools.lru_cache(maxsize=1)
def _this_host() -> str:
    """The default primary host name, found once as Exim does at start-up
    (getfqdn may ask the resolver, far too slow to repeat per match)."""
    return socket.getfqdn() or socket.gethostname()


@functools.lru_cache(maxsize=1)
def local_interface_ips() -> frozenset[str]:
    """Addresses of this host's interfaces, found once as Exim does at
    start-up (its default local_interfaces listens on all of them)."""
    ips = {"127.0.0.1"}
    try:  # IPv6: the kernel's table, one address in hex per line
        with open("/proc/net/if_inet6") as f:
            for line in f.read().splitlines()[:1000]:
                hexaddr = line.split()[0]
                ips.add(str(ipaddress.IPv6Address(int(hexaddr, 16))))
    except (OSError, ValueError, IndexError):
        ips.add("::1")
    try:  # IPv4: each interface's address (SIOCGIFADDR)
        import fcntl
        import struct

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _, name in socket.if_nameindex()[:1000]:
                try:
                    req = struct.pack("256s", name.encode()[:15])
                    ips.add(socket.inet_ntoa(fcntl.ioctl(sock.fileno(), 0x8915, req)[20:24]))
                except OSError:
                    pass  # an interface without an IPv4 address
    except (OSError, ImportError):
        pass
    return frozenset(ips)


def _domain_special(ctx: Any, item: str, subject: str) -> Found | None:
    if item == "@":
        host = lc(primary_hostname(ctx))
        return Found(host, (subject,)) if subject == host else None
    if item == "@[]":  # an "IPv6:" tag in the literal is not looked through (checked with Exim)
        if subject.startswith("[") and subject.endswith("]"):
            addr = _subject_ip(subject[1:-1])
            if addr is not None and addr in {_subject_ip(x) for x in local_interface_ips()}:
                return Found(item, (subject,))
        return None
    if lists_dns.is_mx_item(item):
        try:
            ok = lists_dns.match_mx(ctx, item, subject, set(local_interface_ips()))
        except LookupDefer as exc:
            raise ListDefer(exc.message, exc.message) from None
        return Found(item) if ok else None
    return Found(item) if lc(item) == subject else None


def _named_list(ctx: Any, kind: str, name: str) -> Any:
    cfg = getattr(ctx, "config", None)
    lists = getattr(cfg, "named_lists", None) or {}
    nl = (lists.get(kind) or {}).get(name)
    if nl is None:
        label = {"localpart": "local part"}.get(kind, kind)
        raise ListDefer(f'unknown named {label} list "+{name}"')
    return nl


def _raw(nl: Any) -> str:
    return nl.value if hasattr(nl, "value") else str(nl)


def _memo(ctx: Any, key: str) -> dict[Any, Any]:
    """A table of facts derived from the configuration, kept with it (a
    configuration reloaded on SIGHUP starts afresh); in the context when it
    has no configuration object to keep them."""
    holder = getattr(getattr(ctx, "config", None), "derived", None)
    if not isinstance(holder, dict):
        holder = ctx.extra
    memo = holder.get(key)
    if memo is None:
        memo = holder[key] = {}
    return memo  # type: ignore[no-any-return]


def _cacheable(ctx: Any, kind: str, name: str, depth: int = 0) -> bool:
    """Whether a named list's result may be kept: it was declared with
    ``_cache``, or neither it nor a named list it refers to contains a ``$``."""
    memo = _memo(ctx, "lists.cacheable")
    key = (kind, name)
    if key not in memo:
        nl = _named_list(ctx, kind, name)
        ok = bool(getattr(nl, "cache", False))
        if not ok and "$" not in _raw(nl) and depth < 20:
            ok = True
            for item in iter_list(_raw(nl)):
                item = item.lstrip("!").lstrip(SPACE)
                if item[:1] == "+" and len(item) > 1 and kind != "address":
                    lists = getattr(ctx.config, "named_lists", None) or {}
                    if item[1:] in (lists.get(kind) or {}) and not _cacheable(ctx, kind, item[1:], depth + 1):
                        ok = False
                        break
        memo[key] = ok
    return bool(memo[key])


# Scopes of the named-list result caches, as Exim keeps them: per recipient
# address (domains, local_parts) and per message (hosts, senders, sender domains).
ADDRESS, MESSAGE = "address", "message"
_CACHE_SLOTS = {ADDRESS: "lists.cache." + ADDRESS, MESSAGE: "lists.cache." + MESSAGE}


def new_recipient(ctx: Any) -> None:
    """Forget the per-address named-list results (Exim starts each RCPT with
    a new address block)."""
    ctx.extra.pop("lists.cache." + ADDRESS, None)


def new_message(ctx: Any) -> None:
    """Forget every named-list result (a new message, or a new session)."""
    ctx.extra.pop("lists.cache." + ADDRESS, None)
    ctx.extra.pop("lists.cache." + MESSAGE, None)


def _named_cached(ctx: Any, kind: str, name: str, s: _Subject,
                  caseful: bool) -> tuple[str, dict[Any, Any] | None, Any, Any]:
    """A ``+name`` item's list text, its result cache and key (None when the
    result may not be kept) and the cached (matched, value, captures). The
    list's text and cacheability are kept with the configuration (ListDefer
    for an unknown name, which is not remembered)."""
    try:
        raw, cacheable = ctx.config.derived["lists.named"][kind, name]
    except (AttributeError, KeyError, TypeError):
        memo = _memo(ctx, "lists.named")
        if (kind, name) not in memo:
            memo[kind, name] = (_raw(_named_list(ctx, kind, name)), _cacheable(ctx, kind, name))
        raw, cacheable = memo[kind, name]
    if s.cache is None or not cacheable:
        return raw, None, None, None
    extra = ctx.extra
    slot = _CACHE_SLOTS[s.cache]
    cache = extra.get(slot)
    if cache is None:
        cache = extra[slot] = {}
    key = (kind, name, s.ip_text if s.host else s.text if caseful else s.folded)
    return raw, cache, key, cache.get(key)


def _nest(ctx: Any, name: str) -> int:
    """One level deeper into named lists (the caller restores the depth
    returned); a list that refers to itself ends in ListDefer."""
    depth: int = ctx.extra.get("lists.depth", 0)
    if depth > 50:
        raise ListDefer(f'named list "+{name}" refers to itself')
    ctx.extra["lists.depth"] = depth + 1
    return depth


def _check_named(ctx: Any, kind: str, name: str, s: _Subject, caseful: bool) -> tuple[bool, Found] | None:
    """A ``+name`` item. None when the subject is not in the named list (the
    outer list goes on); its result is cached when the list allows it."""
    raw, cache, key, hit = _named_cached(ctx, kind, name, s, caseful)
    if hit is not None:
        ok, value, captures = hit
        return (True, Found(value, captures, cached=True)) if ok else None
    depth = _nest(ctx, name)
    try:
        text = _expand_list(ctx, raw, True)
        ok, found = _traced_run(ctx, compile_list(kind, text), s, caseful, text)
    finally:
        ctx.extra["lists.depth"] = depth
    if cache is not None:
        cache[key] = (ok, found.value, found.captures)
    return (True, Found(found.value, found.captures)) if ok else None


def _traced_run(ctx: Any, cl: CompiledList, s: _Subject, caseful: bool, text: str) -> tuple[bool, Found]:
    """A whole list checked, end-of-list sense included, with its trace line."""
    trace = ctx.extra.get("lists.trace") if ctx is not None else None
    if trace is None:
        r = _run(ctx, cl, s, caseful)
        if r is None:
            return _ends_negated(cl, caseful), Found(end=True)
        return r
    try:
        r = _run(ctx, cl, s, caseful)
    except ListDefer as exc:
        trace.append(f'{s.label} in "{text}"? list match deferred for {exc.item or text}')
        raise
    except HostNotFound as exc:
        if not exc.traced:
            exc.traced = True
            trace.append(f'{s.label} in "{text}"? no ({exc.message})')
        raise
    if r is None:
        r = (_ends_negated(cl, caseful), Found(end=True))
    trace.append(f'{s.label} in "{text}"? {outcome(r[0], r[1])}')
    return r


def outcome(ok: bool, found: Found) -> str:
    """Exim's words for a list check's result, as in its debug output:
    ``yes (matched "10.0.0.0/8")``, ``no (end of list)``, ..."""
    if found.end:
        return f"{'yes' if ok else 'no'} (end of list)"
    word = "no" if found.negated else "yes"
    where = f" in {found.where}" if found.where else ""
    cached = " - cached" if found.cached else ""
    return f'{word} (matched "{found.item}"{where}{cached})'


def _check_file(ctx: Any, kind: str, path: str, s: _Subject, caseful: bool) -> tuple[bool, Found] | None:
    return _run(ctx, _load_file(kind, path, caseful), s, caseful)


def _ends_negated(cl: CompiledList, caseful: bool) -> bool:
    """Whether a list no item matched counts as matched: its last item was
    negative. When that item is a file, Exim looks at the file's last line,
    whose sense a negated file item turns round."""
    last = cl.entries[-1] if cl.entries else None
    if isinstance(last, _Item) and last.kind == "file":
        key = (cl.kind, last.text, caseful or bool(last.extra))
        hit = _FILE_CACHE.get(key)  # loaded (and its date checked) by the run just made
        loaded = hit[1] if hit is not None else _load_file(*key)
        return last.negated != loaded.last_negated
    return cl.last_negated


# ---- host lists


def ip_key(addr: Any, *, colons: bool) -> str:
    """The text of an address as used for ``net-`` lookup keys."""
    if addr.version == 4:
        return str(addr)
    groups = addr.exploded.split(":")
    return (":" if colons else ".").join(groups)


def _check_host_item(ctx: Any, item: str, s: _Subject) -> Found | None:
    if item == "":
        return Found() if s.ip_text == "" else None
    # Digits and dots that are no address (1.2.3, 1.2.3/24, or an IPv6
    # address cut up by the colon separator) end the check, as in Exim.
    lead = len(item) - len(item.lstrip("0123456789."))
    if lead == len(item) or (item[lead] == "/" and lead > 0):
        raise HostNotFound("malformed IPv4 address or address mask")
    if item == "@[]":
        if s.ip is None:
            return None
        local = {_subject_ip(x) for x in local_interface_ips()}
        return Found() if s.ip in local else None
    lk = _lookup_type(item, "host")
    if lk is not None:
        spec, data = lk
        name, net, has_net = _base_name(spec)
        if s.ip_only and not _query_style(name):
            net = -1 if net is None else net
            has_net = True
        if has_net and not _query_style(name):
            if s.ip is None:
                return None
            if net is None or net < 0:
                key = ip_key(s.ip, colons=name == "iplsearch")
            else:
                plen = min(net, s.ip.max_prefixlen)
                masked = ipaddress.ip_network(f"{s.ip}/{plen}", strict=False).network_address
                key = f"{ip_key(masked, colons=name == 'iplsearch')}/{plen}"
            base_spec = spec.split("-", 1)[1] if spec.startswith("net") else spec
            value = _do_lookup(ctx, base_spec, key, data)
            return Found(value) if value is not None else None
        if _query_style(name):
            value = _do_lookup(ctx, spec, None, data)
            return Found(value) if value is not None else None
        value = _do_lookup(ctx, spec, lc(_host_name(ctx, s)), data)
        return Found(value) if value is not None else None
    if s.ip_only:
        raise _NoHostName()  # match_ip has no host name: the list check fails here
    if item.startswith(("^", "*")):
        return _check_string_item(ctx, "domain", item, lc(_host_name(ctx, s)), False)
    # A name: Exim looks up its addresses (even when it is the client's name).
    name = primary_hostname(ctx) if item == "@" else item
    try:
        addrs = lists_dns.resolver(ctx).addresses(ctx, name)
    except LookupDefer as exc:
        raise ListDefer(exc.message, exc.message) from None
    if not addrs:
        raise HostNotFound(f"failed to find IP address for {name}")
    return Found() if s.ip in {_subject_ip(a) for a in addrs} else None


def _host_name(ctx: Any, s: _Subject) -> str:
    """The client's host name, asked of the resolver when not yet known (and
    then kept in $sender_host_name); HostNotFound when there is none."""
    if s.ip_only:
        raise _NoHostName()
    if s.name is None:
        failed = ctx.extra.setdefault("lists.no_host_name", set())
        name = None
        if s.ip_text not in failed:
            try:
                name = lists_dns.resolver(ctx).host_name(ctx, s.ip_text)
            except LookupDefer as exc:
                raise ListDefer(exc.message, exc.message) from None
        if not name:
            failed.add(s.ip_text)
            raise HostNotFound(f"failed to find host name for {s.ip_text}")
        s.name = taint(name)
        ctx.variables["sender_host_name"] = s.name
    return s.name


# ---- address lists


def _check_address_item(ctx: Any, item: str, s: _Subject, caseful: bool) -> Found | None:
    address = s.text if caseful else s.folded
    if item.startswith("^"):  # Exim keeps neither a value nor the captures here
        m = rx.search(rx.compile_regex(item, caseless=not caseful), s.text, ctx)
        return Found("") if m else None
    if item == "":
        return Found("") if address == "" else None
    lk = _lookup_type(item, "address")
    at = item.rfind("@")
    semi = item.find(";")
    # The "@" of a "*@" default in the lookup type (lsearch*@;file) does not
    # make the item a local-part@domain pattern.
    typed_at = lk is not None and item[:semi].split(",", 1)[0].endswith("*@")
    if lk is not None and (at < 0 or at > semi or typed_at) and not item.startswith("@@"):
        spec, data = lk
        name = _base_name(spec)[0]
        if address == "" and not _query_style(name):
            return None
        value = _do_lookup(ctx, spec, address, data)
        return Found(value) if value is not None else None
    if address == "":
        return None
    sat = address.rfind("@")
    if sat < 0:
        return None  # Exim logs "no @ found in the subject..." and treats it as no match
    lpart, domain = address[:sat], lc(address[sat + 1:])
    if item.startswith("@@"):
        return _check_atat(ctx, item[2:], lpart, domain, caseful)
    if at < 0:
        f = _check_domain_part(ctx, item, domain)
        return Found("@" + (f.value or "")) if f is not None else None
    lp_pat, dom_pat = item[:at], item[at + 1:]
    if dom_pat == "":
        return None
    if lp_pat.startswith("*"):
        tail = lp_pat[1:] if caseful else lc(lp_pat[1:])
        if not lpart.endswith(tail):
            return None
    elif (lp_pat if caseful else lc(lp_pat)) != lpart:
        return None
    f = _check_domain_part(ctx, dom_pat, domain)
    return Found(f"{lp_pat}@{f.value or ''}") if f is not None else None


def _check_domain_part(ctx: Any, pattern: str, domain: str) -> Found | None:
    """An address item's domain part, checked (and traced) as a one-item
    domain list, as Exim does once the local part has matched."""
    ok, found = _traced_run(ctx, _domain_part_list(pattern), _Subject(domain, domain), False, pattern)
    return found if ok else None


@functools.lru_cache(maxsize=1024)
def _domain_part_list(pattern: str) -> CompiledList:
    """The one-item domain list an address item's domain part is checked as
    (compiled once: it holds no per-context state)."""
    return CompiledList("domain", _compile_items("domain", [pattern]).entries, False)


def _check_atat(ctx: Any, spec_item: str, lpart: str, domain: str, caseful: bool) -> Found | None:
    lk = _lookup_type(spec_item, "domain")
    if lk is None:
        return None
    spec, data = lk
    key = domain
    for _ in range(50):
        text = _do_lookup(ctx, spec, key, data)
        if text is None:
            return None
        items = list(iter_list(text))
        follow = items[-1][1:] if items and items[-1].startswith(">") else None
        if follow is not None:
            items.pop()
        r = _run(ctx, _compile_items("localpart", items), _Subject(lpart, lc(lpart)), caseful)
        if r is not None:
            return r[1] if r[0] else None
        if follow is None:
            return None
        key = follow
    return None


# ---- public API


@functools.lru_cache(maxsize=1024)
def _is_plain(text: str) -> bool:
    """No expansion needed. Remembered: scanning a million-item list text on
    every check would cost milliseconds (the string's hash is kept with it)."""
    return "$" not in text and "\\" not in text


def _expand_list(ctx: Any, text: str, expand: bool) -> str:
    if not expand or _is_plain(text):
        return text
    from acl.expansion import expand as do_expand

    try:
        return do_expand(text, ctx)
    except ExpansionError as exc:
        if type(exc).__name__ == "ForcedFail":
            raise
        raise ListDefer(f'failed to expand "{text}" while checking a list: {exc.message}') from None


def check_list(ctx: Any, kind: str, subject: _Subject, listtext: str, *, expand: bool = False) -> Found | None:
    """Match ``subject`` against a list of ``kind``; a :class:`Found` when it is
    in the set (for a negative end-of-list match, value None and ``end`` set),
    else None. Traced when ``ctx.extra["lists.trace"]`` is a list."""
    try:
        text = _expand_list(ctx, listtext, expand)
    except ForcedFail:
        return None
    cl = compile_list(kind, text)
    try:
        ok, found = _traced_run(ctx, cl, subject, False, text)
    except (_NoHostName, HostNotFound):
        return None
    if ok and found.value is not None and is_tainted(text):
        found.value = like(found.value, text)
    return found if ok else None


def _match(ctx: Any, kind: str, subject: _Subject, listtext: str, expand: bool,
           data_var: str | None) -> bool:
    """check_list() and the variables a match sets; without a trace, the
    same decision without building Found objects."""
    if ctx is None or ctx.extra.get("lists.trace") is not None:
        return _store(ctx, check_list(ctx, kind, subject, listtext, expand=expand), data_var)
    try:
        text = _expand_list(ctx, listtext, True) if expand and not _is_plain(listtext) else listtext
    except ForcedFail:
        return False
    try:
        ok, value, captures = _decide(ctx, compile_list(kind, text), subject, False)
    except (_NoHostName, HostNotFound):
        return False
    if not ok:
        return False
    if data_var:  # an item without a value (an address in a host list) empties it
        ctx.variables[data_var] = "" if value is None else like(value, text) if is_tainted(text) else value
    if captures:
        _set_digits(ctx, captures)
    return True


def _store(ctx: Any, found: Found | None, data_var: str | None) -> bool:
    if found is None:
        return False
    if data_var:  # an item without a value (an address in a host list) empties it
        ctx.variables[data_var] = found.value if found.value is not None else ""
    set_captures(ctx, found)
    return True


_DIGITS = tuple(str(i) for i in range(10))
_STALE = [frozenset(_DIGITS[n:]) for n in range(10)]


def set_captures(ctx: Any, found: Found) -> None:
    """$0, $1, ... from a wildcard or regex item, as Exim sets them."""
    if found.captures:
        _set_digits(ctx, found.captures)


def _set_digits(ctx: Any, captures: tuple[str, ...]) -> None:
    b = ctx.bindings
    b.update(zip(_DIGITS, captures))
    if len(captures) < 10:
        for k in _STALE[len(captures)] & b.keys():  # earlier ones no capture replaced
            del b[k]


def domain_subject(domain: str, cache: str | None = None) -> _Subject:
    return _Subject(domain, lc(domain), cache=cache)


def local_part_subject(lp: str, cache: str | None = None) -> _Subject:
    return _Subject(lp, lc(lp), cache=cache)


def address_subject(address: str, cache: str | None = None) -> _Subject:
    at = address.rfind("@")
    folded = lc(address) if at < 0 else lc(address[:at]) + "@" + lc(address[at + 1:])
    return _Subject(address, folded, cache=cache)


def host_subject(ip: str, name: str | None = None, *, ip_only: bool = False,
                 cache: str | None = None) -> _Subject:
    ver, n = _ip_number(ip) if ip else (0, 0)
    return _Subject(ip, lc(ip), ver, n, ip, name, ip_only, cache, True)


@functools.lru_cache(maxsize=4096)
def _ip_number(ip: str) -> tuple[int, int]:
    """(version, address as a number) of an IP address text, (0, 0) if it is
    not one; an IPv4-mapped IPv6 address counts as IPv4. inet_pton, not the
    ipaddress module: this runs once per host-list check."""
    try:
        if ":" not in ip:
            return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, ip), "big")
        n = int.from_bytes(socket.inet_pton(socket.AF_INET6, ip.split("%", 1)[0]), "big")
    except (OSError, ValueError):
        return 0, 0
    return (4, n & 0xFFFFFFFF) if n >> 32 == 0xFFFF else (6, n)


# The cache scope an ACL condition's list uses, told by the variable it sets:
# domains and local_parts per recipient, hosts/senders/sender_domains per
# message, recipients never (as Exim's acl.c passes its cache bits).
_SCOPES = {"domain_data": ADDRESS, "local_part_data": ADDRESS, "host_data": MESSAGE,
           "sender_data": MESSAGE, None: MESSAGE}
DEFAULT = "default"


def _scope(ctx: Any, cache: str | None, data_var: str | None) -> str | None:
    scope = _SCOPES.get(data_var) if cache == DEFAULT else cache
    if scope == ADDRESS:
        # Without a session telling us (new_recipient), a new recipient shows
        # as a new local part and domain.
        who = (ctx.variables.get("local_part"), ctx.variables.get("domain"))
        if ctx.extra.get("lists.recipient") != who:
            ctx.extra["lists.recipient"] = who
            new_recipient(ctx)
    return scope


def match_domain(ctx: Any, domain: str, listtext: str, *, expand: bool = False,
                 data_var: str | None = "domain_data", cache: str | None = DEFAULT) -> bool:
    return _match(ctx, "domain", domain_subject(domain, _scope(ctx, cache, data_var)), listtext,
                  expand, data_var)


def match_local_part(ctx: Any, lp: str, listtext: str, *, expand: bool = False,
                     data_var: str | None = "local_part_data", cache: str | None = DEFAULT) -> bool:
    return _match(ctx, "localpart", local_part_subject(lp, _scope(ctx, cache, data_var)), listtext,
                  expand, data_var)


def match_address(ctx: Any, address: str, listtext: str, *, expand: bool = False,
                  data_var: str | None = None, cache: str | None = DEFAULT) -> bool:
    return _match(ctx, "address", address_subject(address, _scope(ctx, cache, data_var)), listtext,
                  expand, data_var)


def match_host(ctx: Any, ip: str, name: str | None, listtext: str, *, expand: bool = False,
               data_var: str | None = "host_data", cache: str | None = DEFAULT) -> bool:
    return _match(ctx, "host", host_subject(ip, name, cache=_scope(ctx, cache, data_var)), listtext,
                  expand, data_var)


def match_ip(ctx: Any, ip: str, listtext: str, *, expand: bool = False, data_var: str | None = None) -> bool:
    if ip and not is_ip(ip):
        raise ExpansionError(f'"{ip}" is not an IP address')
    return _match(ctx, "host", host_subject(ip, None, ip_only=True), listtext, expand, data_var)


def inlist_value(s: str, listtext: str, caseless: bool) -> str | None:
    """The list item equal to ``s`` (ASCII-caselessly if asked), else None."""
    key = lc(s) if caseless else s
    for item in iter_list(listtext):
        if (lc(item) if caseless else item) == key:
            return item
    return None


def inlist(ctx: Any, s: str, listtext: str, caseless: bool) -> bool:
    return inlist_value(s, listtext, caseless) is not None
