"""Exim's lookups: the ``${lookup}`` item, ``type;source`` list items and the
``${quote_<type>:}`` operators all come through here.

A lookup type as written is ``[partial[N](-|(affix))]NAME[*|*@][,opt=value...]``.
Single-key types search a file for a key, trying in turn the key itself, the
partial-matching keys and the ``*@domain`` / ``*`` defaults; query-style types
take a query. Each underlying find is cached per context (type, file, key),
reused only when the options agree and ``cache=no_rd`` is not given.

Side effects, as Exim's: a partial or default match sets ``$1`` (the wild part)
and ``$2`` (the fixed part) in ``ctx.bindings`` and unsets ``$3``..``$9``; a
(n)wildlsearch match unsets the numeric variables. The ``${lookup}`` item must
restore the numeric variables afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from acl.errors import ExpansionError, LookupDefer
from acl.lookups import cdb, dsearch, iplsearch, json, lsearch, passwd, sqlite, unsupported
from acl.lookups.base import ABS_FILE_QUERY, C_SPACE, QUERY, SINGLE_KEY, Defer, Found, LookupSpec, option, printing
from acl.runtime.values import is_tainted, like, untaint

__all__ = [
    "ABS_FILE_QUERY", "LOOKUPS", "LookupSpec", "QUERY", "SINGLE_KEY", "is_query_style",
    "list_lookup", "lookup", "parse_type", "quote", "register",
]

LOOKUPS: dict[str, LookupSpec] = {}


def register(spec: LookupSpec) -> None:
    """Add or replace a lookup type (later modules, e.g. dnsdb, call this)."""
    LOOKUPS[spec.name] = spec


for _module in (unsupported, lsearch, iplsearch, dsearch, cdb, json, sqlite, passwd):
    for _spec in _module.LOOKUPS:
        register(_spec)

STAR, STARAT = 1, 2


@dataclass(frozen=True, slots=True)
class LookupType:
    """A lookup type as written, taken apart."""

    spec: LookupSpec
    partial: int  # minimum number of non-wild components; -1 when not partial
    affix: str
    starflags: int
    opts: str | None


def _ispunct(c: str) -> bool:
    return c.isascii() and c.isprintable() and not c.isalnum() and c != " "


def parse_type(written: str) -> LookupType:
    """search_findtype_partial(): errors carry Exim's wording."""
    if not written or not (written[0].isascii() and written[0].isalpha()):
        raise ExpansionError("missing lookup type")
    ss, partial, affix = written, -1, ""
    if ss.startswith("partial"):
        ss = ss[7:]
        digits = 0
        while digits < len(ss) and ss[digits] in "0123456789":
            digits += 1
        partial, ss = (int(ss[:digits]) if digits else 2), ss[digits:]
        if ss.startswith("("):
            end = 1
            while end < len(ss) and _ispunct(ss[end]) and ss[end] != ")":
                end += 1
            if end >= len(ss) or ss[end] != ")":
                raise ExpansionError(f'format error in lookup type "{written}"')
            affix, ss = ss[1:end], ss[end + 1 :]
        elif ss.startswith("-"):
            affix, ss = "*.", ss[1:]
        else:
            raise ExpansionError(f'format error in lookup type "{written}"')
    length, starflags = len(ss), 0
    star = ss.find("*")
    if star >= 0:
        length = star
        starflags = STARAT if ss[star + 1 : star + 2] == "@" else STAR
    comma = ss.find(",", max(star, 0))
    opts = None
    if comma >= 0:
        length, opts = min(length, comma), ss[comma + 1 :]
    spec = LOOKUPS.get(ss[:length])
    if spec is None:
        raise ExpansionError(f'unknown lookup type "{ss[:length]}"')
    if spec.style == QUERY:
        if partial >= 0:
            raise ExpansionError(f'"partial" is not permitted for lookup type "{ss}"')
        if starflags:
            raise ExpansionError(f'defaults using "*" or "*@" are not permitted for lookup type "{ss}"')
    return LookupType(spec, partial, affix, starflags, opts)


def is_query_style(name: str) -> bool:
    """True for types that take a query rather than a key and a file."""
    spec = LOOKUPS.get(name)
    return spec is not None and spec.style != SINGLE_KEY


def _split_opts(opts: str | None) -> tuple[str | None, bool, bool]:
    """Take ret=key and cache=no_rd out of the options (they are search-level,
    not passed to the lookup, and not part of the cache comparison)."""
    if not opts:
        return None, False, True
    kept, ret_key, cache_rd = [], False, True
    for ele in opts.split(","):
        if ele == "ret=key":
            ret_key = True
        elif ele == "cache=no_rd":
            cache_rd = False
        elif ele:
            kept.append(ele)
    return (",".join(kept) or None), ret_key, cache_rd


def _query_args(ctx: Any, lt: LookupType, query: str) -> tuple[str | None, str]:
    """search_args(): the file name and the query proper."""
    i = 0
    while i < len(query) and query[i] in C_SPACE:
        i += 1
    query = like(query[i:], query)
    if lt.spec.style != ABS_FILE_QUERY:
        return None, query
    filename = option(lt.opts, "file")
    if filename is None and query.startswith("/"):
        end = 0
        while end < len(query) and query[end] not in C_SPACE:
            end += 1
        filename = like(query[:end], query)
        while end < len(query) and query[end] in C_SPACE:
            end += 1
        query = like(query[end:], query)
    if filename is None and ctx is not None:
        filename = ctx.option(f"{lt.spec.name}_dbfile", None)
    return filename, query


def _open(ctx: Any, spec: LookupSpec, filename: str | None) -> Any:
    if filename is not None and is_tainted(filename):
        raise ExpansionError(f"Tainted filename for search: '{filename}'")
    if spec.style == ABS_FILE_QUERY and not (filename and filename.startswith("/")):
        raise ExpansionError(f'absolute file name expected for "{spec.name}" lookup')
    if spec.open is None:
        return None
    if spec.style == SINGLE_KEY or ctx is None:
        return spec.open(ctx, untaint(filename or ""))
    handles = ctx.extra.setdefault("lookups.handles", {})  # database connections stay open
    hk = (spec.name, filename)
    if hk not in handles:
        handles[hk] = spec.open(ctx, untaint(filename or ""))
    return handles[hk]


class _Search:
    """One search_find(): the sequence of keys, each through the cache."""

    def __init__(self, ctx: Any, lt: LookupType, filename: str | None, handle: Any, opts: str | None, cache_rd: bool):
        self.ctx, self.lt, self.filename, self.handle = ctx, lt, filename, handle
        self.opts, self.cache_rd = opts, cache_rd
        self.reset_numeric = False

    def find(self, key: str) -> str | None:
        if not key:
            return None  # an empty key never matches anything
        spec = self.lt.spec
        cache = self.ctx.lookup_cache if self.ctx is not None else {}
        ck = ("lookup", spec.name, self.filename, str(key))
        hit = cache.get(ck)
        if hit is not None and self.cache_rd and hit[0] == self.opts:
            return hit[1]  # type: ignore[no-any-return]
        found: Found = spec.find(self.ctx, self.handle, self.filename, key, self.opts)  # type: ignore[misc]
        self.reset_numeric |= found.reset_numeric
        if found.cache:
            cache[ck] = (self.opts, found.data)
        return found.data

    def run(self, key: str) -> tuple[str | None, tuple[str, str] | None]:
        """The data and, for partial and default matches, ($1, $2)."""
        lt = self.lt
        data = self.find(key)
        if data is not None:
            return data, ("", key) if lt.partial >= 0 else None
        if lt.partial >= 0:
            if lt.affix:
                data = self.find(lt.affix + key)
                if data is not None:
                    return data, ("", key)
            hit = self._chop(key)
            if hit is not None:
                return hit
        if lt.starflags & STARAT:
            at = key.rfind("@")
            if at > 0:
                data = self.find("*" + key[at:])
                if data is not None:
                    return data, (key[:at], "")
        if lt.starflags:
            data = self.find("*")
            if data is not None:
                return data, (key, "")
        return None, None

    def _chop(self, key: str) -> tuple[str, tuple[str, str]] | None:
        """Partial matching: drop leading components one by one, affix in front."""
        affix, dotcount, pos = self.lt.affix, key.count("."), 0
        while dotcount >= self.lt.partial:
            dotcount -= 1
            dot = key.find(".", pos)
            if dot < 0:
                if not affix:
                    return None
                if len(affix) > 1 and affix.endswith("."):
                    affix = affix[:-1]
                candidate, fixed = affix, ""
            else:
                pos = dot + 1
                candidate, fixed = affix + key[pos:], key[pos:]
            data = self.find(candidate)
            if data is not None:
                return data, (key[: max(len(key) - len(fixed) - 1, 0)], fixed)
        return None


def lookup(ctx: Any, spec: str, key: str | None, source: str, *, set_numeric: bool = True) -> str | None:
    """``${lookup{key}SPEC{source}}`` (key None for ``${lookup SPEC{query}}``).
    Returns the data (untainted), None when not found."""
    lt = parse_type(spec)
    if lt.spec.style == SINGLE_KEY:
        if key is None:
            raise ExpansionError(f'missing {{key}} for single-key "{spec}" lookup')
    elif key is not None:
        raise ExpansionError(
            f'a single key was given for lookup type "{spec}", which is not a single-key lookup type'
        )
    if not lt.spec.supported:
        raise ExpansionError(f'lookup type "{lt.spec.name}" is not supported in this build of exim-acl')
    if key is None:
        filename, key = _query_args(ctx, lt, source)
    else:
        filename = source
    handle = _open(ctx, lt.spec, filename)
    opts, ret_key, cache_rd = _split_opts(lt.opts)
    search = _Search(ctx, lt, filename, handle, opts, cache_rd)
    try:
        data, numeric = search.run(key)
    except Defer as d:
        raise LookupDefer(f'lookup of "{printing(key)}" gave DEFER: {d.reason}') from None
    if set_numeric and ctx is not None:
        _set_numeric(ctx, key, search.reset_numeric, numeric if data is not None else None)
    if data is None:
        return None
    return untaint(key) if ret_key else untaint(data)


def _set_numeric(ctx: Any, key: str, reset: bool, numeric: tuple[str, str] | None) -> None:
    b = ctx.bindings
    if reset:
        for i in range(10):
            b.pop(str(i), None)
    if numeric is not None:
        b["1"], b["2"] = like(numeric[0], key), like(numeric[1], key)
        for i in range(3, 10):
            b.pop(str(i), None)


def list_lookup(ctx: Any, typespec: str, source: str, subject: str) -> str | None:
    """A ``type;source`` list item: single-key types look up ``subject`` in the
    file, query-style types run the query as written."""
    lt = parse_type(typespec)
    if lt.spec.style == SINGLE_KEY:
        return lookup(ctx, typespec, subject, source, set_numeric=False)
    return lookup(ctx, typespec, None, source, set_numeric=False)


def quote(ctx: Any, lookup_name: str, s: str, opts: str | None = None) -> str:
    """``${quote_<lookup>[_<opt>]:s}``: the type's own quoting; types without
    quoting give ``s`` unchanged (and refuse an option)."""
    if opts is None and "_" in lookup_name:
        lookup_name, _, opts = lookup_name.partition("_")
    spec = LOOKUPS.get(lookup_name)
    if spec is None:
        raise ExpansionError(f'unknown lookup type "{lookup_name}"')
    if spec.quote is not None:
        result = spec.quote(s, opts)
    else:
        result = s if opts is None else None
    if result is None:
        raise ExpansionError(f'"{opts}" unrecognized after "${{quote_{lookup_name}"')
    return like(result, s)
import acl.lookups.dnsdb  # noqa: E402,F401  (registers itself; after register() exists)
import acl.lookups.redis  # noqa: E402,F401  (registers itself)
