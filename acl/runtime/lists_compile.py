"""Compiled Exim lists: the item kinds, the tables a run of plain items
becomes (exact names, ``*suffix`` names, networks by prefix length; only
strings and numbers, so the cyclic collector never walks them), list files
compiled once and reused until they change, and the result types of a check."""

from __future__ import annotations

import functools
import gc
import ipaddress
import operator
import os
import socket
import sys
from array import array
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Iterator

from acl.errors import ExpansionError, LookupDefer
from acl.runtime.lists_split import _ASCII_UPPER, SPACE, iter_list


class _NoHostName(Exception):
    """A host-name item met when only the IP address is known (match_ip):
    Exim gives up on the whole list with "no match"."""


class ListDefer(ExpansionError):
    """A list could not be checked (Exim's DEFER). ``search_error`` is the
    lookup's message, or None where Exim has none (it prints "NULL")."""

    def __init__(self, message: str, search_error: str | None = None) -> None:
        super().__init__(message)
        self.search_error = search_error
        self.item: str | None = None  # the item whose check deferred


class HostNotFound(ExpansionError):
    """A host list needed the client's host name, or the addresses of a name
    in the list, and the resolver had none (or an item is a malformed IPv4
    address): Exim ends the check with "no", giving this message as the reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.traced = False


@dataclass(slots=True)
class Found:
    """The item that decided a list check: the value Exim stores ($value,
    $domain_data, ...), for wildcard and regex items the numeric variables
    $0, $1, ..., and for tracing the item as written (with its ``!``), the
    file it came from and whether a named list's result came from the cache."""

    value: str | None = None
    captures: tuple[str, ...] | None = None
    item: str | None = None
    where: str | None = None
    cached: bool = False
    negated: bool = False  # the deciding item was negative (Exim's trace then says "no")
    end: bool = False  # no item matched: the end of the list decided


@dataclass(slots=True)
class _Block:
    """Consecutive plain items of one sense. Each table maps a key to the
    item's position in the list, so that the earliest item wins and its text
    (``items[pos]``, the value Exim stores) needs no per-item object."""

    negated: bool
    items: tuple[str, ...]  # the list's items as written (a tuple: the collector skips it)
    host: bool = False  # host lists: an address match carries no value
    exact: dict[str, int] = field(default_factory=dict)
    suffix: dict[str, int] = field(default_factory=dict)
    suffix_lens: tuple[int, ...] | None = None  # the lengths in ``suffix``, found at the first match
    # IP version -> {network | prefix length << address bits: position}, and
    # the prefix lengths in use: one table per version whatever the masks.
    nets: dict[int, dict[int, int]] = field(default_factory=dict)
    plens: dict[int, set[int]] = field(default_factory=dict)
    any: int | None = None
    count: int = 0

    def add_net(self, ver: int, plen: int, value: int, pos: int) -> None:
        self.nets.setdefault(ver, {}).setdefault(value | plen << (32 if ver == 4 else 128), pos)
        self.plens.setdefault(ver, set()).add(plen)


@dataclass(slots=True)
class _Item:
    negated: bool
    kind: str  # regex, lookup, named, file, special, address, hostname, caseful
    text: str
    extra: Any = None
    # First of a run of regex items: (their alternation, how many). One
    # search that fails rules them all out (most subjects match none).
    run: tuple[str, int] | None = None


@dataclass(slots=True)
class CompiledList:
    kind: str
    entries: list[Any]
    last_negated: bool  # the sense of the last item (a file item: see _ends_negated)
    ends_in_file: bool = field(init=False)  # the last item is a file (read at the end)
    # A list of named lists only (the usual "+local_domains", "!+relay"): each
    # item's (text, negated, caseful), so that no general scan is needed.
    named: tuple[tuple[str, bool, Any], ...] | None = field(init=False)

    def __post_init__(self) -> None:
        last = self.entries[-1] if self.entries else None
        self.ends_in_file = type(last) is _Item and last.kind == "file"
        named = all(type(e) is _Item and e.kind == "named" and e.run is None for e in self.entries)
        self.named = tuple((e.text, e.negated, e.extra) for e in self.entries) if named and last else None


def _subject_ip(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def is_ip(s: str, version: int | None = None) -> bool:
    """Exim's ``string_is_ip_address`` without a mask: dotted quads without
    leading zeros, RFC 4291 text for IPv6 (a %scope suffix allowed)."""
    if version != 6:
        try:
            socket.inet_pton(socket.AF_INET, s)
            return True
        except (OSError, ValueError):
            pass
    if version != 4 and ":" in s:
        base, pct, scope = s.partition("%")
        if pct and not scope:
            return False
        try:
            socket.inet_pton(socket.AF_INET6, base)
            return True
        except (OSError, ValueError):
            return False
    return False


def _parse_net(text: str) -> tuple[int, int, int] | None:
    """(version, prefix length, network as int) for an address or address/mask;
    None when ``text`` is not one. Parsed with inet_pton (C) rather than the
    ipaddress module: lists of a million networks are compiled item by item."""
    addr, slash, mask = text.partition("/")
    if slash:
        # Read as strtol would: white space and a plus sign may lead, nothing
        # may follow the digits, and an empty mask is /0 (checked with Exim).
        mask = mask.lstrip(SPACE).removeprefix("+") if mask else "0"
        if not (mask.isdigit() and mask.isascii()):
            return None
    try:
        if ":" in addr:
            base, pct, scope = addr.partition("%")
            if pct and not scope:
                return None
            value, bits, ver = int.from_bytes(socket.inet_pton(socket.AF_INET6, base), "big"), 128, 6
        else:
            value, bits, ver = int.from_bytes(socket.inet_pton(socket.AF_INET, addr), "big"), 32, 4
    except (OSError, ValueError):
        return None
    plen = min(int(mask), bits) if slash else bits
    return ver, plen, value >> (bits - plen) << (bits - plen)


def _lookup_type(item: str, kind: str) -> tuple[str, str] | None:
    """(spec, rest) when ``item`` is ``type;data``; None when it is not a lookup."""
    semi = item.find(";")
    if semi <= 0:
        return None
    spec = item[:semi]
    if any(c in spec for c in SPACE):
        return None
    return spec, item[semi + 1:].lstrip(SPACE)


def _base_name(spec: str) -> tuple[str, int | None, bool]:
    """Lookup name without partial/net prefixes, ``*`` suffixes and options;
    the net mask (-1 for ``net-``) and whether a ``net`` prefix was present."""
    s = spec.split(",", 1)[0]
    net: int | None = None
    has_net = False
    if s.startswith("net"):
        head, dash, rest = s.partition("-")
        if dash and (head == "net" or head[3:].isdigit()):
            has_net = True
            net = int(head[3:]) if head[3:] else -1
            s = rest
    if s.startswith("partial"):
        head, dash, rest = s.partition("-")
        if dash and (head == "partial" or head[7:].isdigit()):
            s = rest
    return s.rstrip("*@").rstrip("*"), net, has_net


def _lookups() -> Any:
    import acl.lookups as lk  # imported late: acl.lookups imports this module's neighbours

    return lk


def _query_style(name: str) -> bool:
    """Whether a lookup type takes a query rather than a key."""
    return bool(_lookups().is_query_style(name))


def _do_lookup(ctx: Any, spec: str, key: str | None, data: str) -> str | None:
    """A ``type;data`` item. A deferred lookup defers the list match; other
    failures (unknown type, unreadable file) are errors, as Exim's panic is."""
    try:
        return _lookups().list_lookup(ctx, spec, data, key or "")
    except LookupDefer as exc:
        raise ListDefer(exc.message, exc.message) from None


@contextmanager
def _no_gc() -> Iterator[None]:
    """Cyclic garbage collection paused while a large list is built: it would
    walk the millions of young objects again and again, and they hold no cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _fold(s: str) -> str:
    """ASCII lower case without taint, for table keys (str.lower is the same
    as the C locale's for ASCII text, and much faster than a translation)."""
    return s.lower() if s.isascii() else str.__str__(s).translate(_ASCII_UPPER)


_SPECIAL_START = frozenset("^+/@")


def _compile_items(kind: str, items: list[str], caseful: bool = False) -> CompiledList:
    """Items in order; each run of plain items of one sense becomes a _Block.
    This loop runs once per item of a list that may hold millions, hence the
    inlined tests."""
    entries: list[Any] = []
    block: _Block | None = None
    neg = False
    host, stringy = kind == "host", kind in ("domain", "localpart")
    frozen = tuple(items)
    if host and len(items) > 64:
        whole = _nets_block(items)
        if whole is not None:
            return CompiledList(kind, [whole], False)
    for pos, item in enumerate(items):
        neg = item[:1] == "!"
        if neg:
            item = item[1:].lstrip(SPACE)
        if item == "" or item[0] in _SPECIAL_START or ";" in item:
            if item == "+caseful" and not (host or kind == "domain"):
                caseful = True
                entries.append(_Item(neg, "caseful", item))
            else:
                entries.append(_Item(neg, _item_kind(kind, item), item, caseful))
            block = None
            continue
        if host:
            net = None if item == "*" else _parse_net(item)
            if net is None and item != "*":
                entries.append(_Item(neg, _item_kind(kind, item), item, caseful))
                block = None
                continue
        elif not stringy:
            entries.append(_Item(neg, _item_kind(kind, item), item, caseful))
            block = None
            continue
        if block is None or block.negated != neg:
            block = _Block(neg, frozen, host)
            entries.append(block)
        block.count += 1
        if host:
            if net is None:
                if block.any is None:
                    block.any = pos
            else:
                block.add_net(*net, pos)
        elif item[0] == "*":
            block.suffix.setdefault(item[1:] if caseful else _fold(item[1:]), pos)
        else:
            block.exact.setdefault(item if caseful else _fold(item), pos)
    if not host:
        _group_regexes(entries)
    return CompiledList(kind, entries, neg)


# What an item may not hold to be searched as part of an alternation: groups
# with names, flags or numbers it refers to, quoting up to the pattern's end,
# verbs, a trailing backslash.
_UNGROUPABLE = ("(?", "\\Q", "\\E", "\\g", "\\k", "(*") + tuple(f"\\{d}" for d in range(10))


def _groupable(e: Any, extra: Any) -> bool:
    from acl.runtime import regex as rx

    if not isinstance(e, _Item) or e.kind not in ("regex", "address") or e.extra != extra:
        return False
    t = e.text
    if not t.startswith("^") or t.endswith("\\") or any(u in t.replace("(?:", "") for u in _UNGROUPABLE):
        return False
    try:
        rx.compile_regex(t)  # valid alone, so that (?:a)|(?:b) means a or b
    except ExpansionError:
        return False
    return True


def _group_regexes(entries: list[Any]) -> None:
    """Mark each run of two or more consecutive regex items (same case rule)."""
    i, n = 0, len(entries)
    while i < n:
        e = entries[i]
        j = i
        while j < n and _groupable(entries[j], getattr(e, "extra", None)):
            j += 1
        if j - i >= 2:
            e.run = ("|".join(f"(?:{x.text})" for x in entries[i:j]), j - i)
        i = max(j, i + 1)


# IPv4 prefix length -> network mask, and -> the length's part of a table key.
_NETMASK = [(0xFFFFFFFF << (32 - p)) & 0xFFFFFFFF for p in range(33)]
_PLEN_KEY = [p << 32 for p in range(33)]
_U32 = next(t for t in "IL" if array(t).itemsize == 4)  # an unsigned 32-bit array type


def _nets_block(items: list[str]) -> _Block | None:
    """A host list made only of plain networks (the usual large list) as one
    block, its IPv4 part parsed with C-level calls over the whole list; None
    for any other list."""
    v4_pos = [pos for pos, i in enumerate(items) if ":" not in i]
    v4 = [items[pos] for pos in v4_pos]
    if len(v4) < len(items) // 2 or any(i[-1] == "/" or i[0] == "*" for i in v4):
        return None
    flat = "/".join([i if "/" in i else i + "/32" for i in v4]).split("/")
    addrs, masks = flat[0::2], flat[1::2]
    joined = "".join(masks)
    if len(masks) != len(v4) or not all(masks) or not (joined.isdigit() and joined.isascii()):
        return None
    try:  # every step a C-level map: no Python code runs per item
        values = array(_U32)
        values.frombytes(b"".join(map(socket.inet_pton, repeat(socket.AF_INET), addrs)))
        if sys.byteorder == "little":
            values.byteswap()
        plens = list(map(min, map(int, masks), repeat(32)))
        keys = list(map(operator.or_, map(operator.and_, values, map(_NETMASK.__getitem__, plens)),
                        map(_PLEN_KEY.__getitem__, plens)))
    except OSError:
        return None
    block = _Block(False, tuple(items), True, count=len(items))
    if keys:  # reversed, so that the earliest of equal networks is kept
        block.nets[4] = dict(zip(reversed(keys), reversed(v4_pos)))
        block.plens[4] = set(plens)
    if len(v4) < len(items):
        for pos, item in enumerate(items):
            if ":" in item:
                net = _parse_net(item)
                if net is None:
                    return None
                block.add_net(*net, pos)
    return block


def _item_kind(kind: str, item: str) -> str:
    if item.startswith("+") and len(item) > 1:
        return "named"
    if item.startswith("/"):
        return "file"
    if kind == "address":
        return "address"
    if item.startswith("^"):
        return "regex"
    if _lookup_type(item, kind) is not None:
        return "lookup"
    return "special"


@functools.lru_cache(maxsize=512)
def compile_list(kind: str, text: str, caseful: bool = False) -> CompiledList:
    """The matcher for a list text of ``kind`` (already expanded)."""
    with _no_gc():
        return _compile_items(kind, list(iter_list(text)), caseful)


def _file_items(kind: str, path: str) -> list[str]:
    """The items of a list file: one a line, comments and blank lines dropped."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "surrogateescape")
    except OSError as exc:
        raise ExpansionError(
            f'failed to open {path} when checking "{path}": {os.strerror(exc.errno or 0)}') from None
    lines = text.split("\n")
    if "#" in text:
        lines = [_strip_comment(kind, line) if "#" in line else line for line in lines]
    return [line for line in map(_strip_space, lines) if line]


def _strip_space(line: str) -> str:
    return line.strip(SPACE)


def _strip_comment(kind: str, line: str) -> str:
    """A domain or host file's comment starts at any ``#``; in address and
    local-part files only at one that starts the line or follows white space."""
    if kind not in ("address", "localpart"):
        return line.split("#", 1)[0]
    for i, c in enumerate(line):
        if c == "#" and (i == 0 or line[i - 1] in SPACE):
            return line[:i]
    return line


_FILE_CACHE: dict[tuple[str, str, bool], tuple[tuple[int, int, int, int], CompiledList]] = {}
_FILE_CACHE_MAX = 32  # compiled files kept; a million-entry list weighs about 100 MB


def _load_file(kind: str, path: str, caseful: bool) -> CompiledList:
    """A list file, compiled once and reused until the file changes (its inode,
    size or modification time differ from the cached copy's)."""
    try:
        st = os.stat(path)
        stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = None
    key = (kind, path, caseful)
    hit = _FILE_CACHE.get(key)
    if hit is not None and stamp is not None and hit[0] == stamp:
        return hit[1]
    with _no_gc():
        cl = _compile_items(kind, _file_items(kind, path), caseful)
    if stamp is not None:
        _FILE_CACHE.pop(key, None)
        while len(_FILE_CACHE) >= _FILE_CACHE_MAX:
            del _FILE_CACHE[next(iter(_FILE_CACHE))]
        _FILE_CACHE[key] = (stamp, cl)
    return cl
