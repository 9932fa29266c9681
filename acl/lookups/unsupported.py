"""Lookup types that Exim has and this build does not implement (they need
servers or libraries that exim-acl does not talk to). They are known by name so
that the style checks and the ${quote_<type>:} operators behave as in Exim; a
lookup through one is refused with a clear message."""

from __future__ import annotations

from acl.lookups.base import QUERY, SINGLE_KEY, LookupSpec


def _c_string(s: str) -> str:
    """Quoting functions work on C strings: nothing after a NUL survives."""
    return s.partition("\0")[0]


def quote_mysql(s: str, opt: str | None) -> str | None:
    """Backslash before quotes and backslash; \\n \\t \\r \\b for those controls."""
    if opt is not None:
        return None
    return "".join(_MYSQL.get(c, c) for c in _c_string(s))


_MYSQL = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "'": "\\'", '"': '\\"', "\\": "\\\\"}


def quote_pgsql(s: str, opt: str | None) -> str | None:
    """As MySQL, except that a single quote is doubled."""
    if opt is not None:
        return None
    return "".join(_PGSQL.get(c, c) for c in _c_string(s))


_PGSQL = {**_MYSQL, "'": "''"}


def quote_redis(s: str, opt: str | None) -> str | None:
    if opt is not None:
        return None
    return "".join("\\" + c if c.isspace() and c.isascii() or c == "\\" else c for c in _c_string(s))


def quote_doubled(ch: str):  # type: ignore[no-untyped-def]
    def quote(s: str, opt: str | None) -> str | None:
        return None if opt is not None else _c_string(s).replace(ch, ch + ch)

    return quote


_URL_NONQUOTE = "!$'-._()*+"
_LDAP_QUOTE = "*()\\"
_DN_QUOTE = ',+"\\<>;'


def _bytes(s: str) -> bytes:
    return _c_string(s).encode("utf-8", "surrogateescape")


def _alnum(b: int) -> bool:
    return chr(b).isalnum() and b < 0x80


def quote_ldap(s: str, opt: str | None) -> str | None:
    """quote_ldap (filter values, RFC 2254 then URL quoting) and quote_ldap_dn
    (distinguished names, RFC 2253 then URL quoting)."""
    if opt is None:
        out = []
        for b in _bytes(s):
            c = chr(b)
            if _alnum(b):
                out.append(c)
            elif c in _LDAP_QUOTE:
                out.append(f"%5C{b:02X}")
            elif c in _URL_NONQUOTE:
                out.append(c)
            else:
                out.append(f"%{b:02X}")
        return "".join(out)
    if opt != "dn":
        return None
    raw = _bytes(s)
    end = len(raw.rstrip(b" "))
    out, i = [], 0
    while i < end and raw[i] in b" #":
        out.append(f"%5C%{raw[i]:02X}")
        i += 1
    for b in raw[i:end]:
        c = chr(b)
        if _alnum(b):
            out.append(c)
            continue
        if c in _DN_QUOTE:
            out.append("%5C")
        out.append(c if c in _URL_NONQUOTE else f"%{b:02X}")
    out.append("%5C%20" * (len(raw) - end))
    return "".join(out)


def _spec(name: str, style: str, doc: str, quote=None) -> LookupSpec:  # type: ignore[no-untyped-def]
    return LookupSpec(name, style, style == SINGLE_KEY, doc + " (not supported in this build)", quote=quote)


LOOKUPS = [
    _spec("dbm", SINGLE_KEY, "Berkeley DB / DBM file"),
    _spec("dbmnz", SINGLE_KEY, "DBM file, key without a terminating zero"),
    _spec("dbmjz", SINGLE_KEY, "DBM file, key list joined with zeros"),
    _spec("lmdb", SINGLE_KEY, "LMDB database"),
    _spec("nis", SINGLE_KEY, "NIS map"),
    _spec("nis0", SINGLE_KEY, "NIS map, key with a terminating zero"),
    _spec("spf", SINGLE_KEY, "SPF check of an address from an IP"),
    _spec("dnsdb", QUERY, "DNS records"),
    _spec("ldap", QUERY, "LDAP query returning one entry", quote_ldap),
    _spec("ldapdn", QUERY, "LDAP query returning a distinguished name", quote_ldap),
    _spec("ldapm", QUERY, "LDAP query returning several entries", quote_ldap),
    _spec("mysql", QUERY, "MySQL query", quote_mysql),
    _spec("pgsql", QUERY, "PostgreSQL query", quote_pgsql),
    _spec("oracle", QUERY, "Oracle query", quote_mysql),
    _spec("ibase", QUERY, "InterBase query", quote_doubled("'")),
    _spec("nisplus", QUERY, "NIS+ query", quote_doubled('"')),
    _spec("whoson", QUERY, "Whoson query"),
]
