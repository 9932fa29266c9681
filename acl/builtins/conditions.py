"""The simple ``${if}`` conditions: numeric and string comparisons, regular
expressions, lists, IP-address tests, files, booleans and password checks.
The combinators (``!``, ``and``, ``or``, ``def:``, ``forall``...) belong to the
evaluator (acl.expansion.conditions_core)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any, Callable

from acl.builtins.registry import condition
from acl.errors import ExpansionError
from acl.expansion import expand
from acl.runtime import lists
from acl.runtime import regex as rx

INT_MAX = 2**63 - 1
INT_MIN = -(2**63)
_SPACE = " \t\n\v\f\r"
_SUFFIX = {"k": 1024, "m": 1024**2, "g": 1024**3}


# ---- numbers


def _strtoll(s: str) -> tuple[int | None, int, bool]:
    """C strtoll base 10: (value or None when no digits, end offset, overflow)."""
    i, n = 0, len(s)
    while i < n and s[i] in _SPACE:
        i += 1
    sign = 1
    if i < n and s[i] in "+-":
        sign = -1 if s[i] == "-" else 1
        i += 1
    j = i
    while j < n and "0" <= s[j] <= "9":
        j += 1
    if j == i:
        return None, 0, False
    v = sign * int(s[i:j])
    if v > INT_MAX or v < INT_MIN:
        return (INT_MAX if v > 0 else INT_MIN), j, True
    return v, j, False


def exim_integer(s: str) -> int:
    """Exim's ``expanded_string_integer`` (not "isplus"): an optionally signed
    decimal with an optional K/M/G multiplier; empty or blank means 0."""
    t = s.lstrip(_SPACE)
    if len(t) < 19 and t.isdigit() and t.isascii():  # the usual case, which cannot overflow
        return int(t)
    if t == "":
        return 0
    value, end, overflow = _strtoll(t)
    if value is None:
        raise ExpansionError(f'integer expected but "{t}" found')
    if overflow:
        raise ExpansionError(f'absolute value of integer "{t}" is too large (overflow)')
    mult = _SUFFIX.get(t[end:end + 1].lower())
    if mult:
        if value > INT_MAX // mult or value < -(INT_MAX // mult) - 1:
            raise ExpansionError(f'absolute value of integer "{t}" is too large (overflow)')
        value *= mult
        end += 1
    if t[end:].strip(_SPACE):
        raise ExpansionError(f'invalid integer "{t}"')
    return value


def _numeric(name: str, op: Callable[[int, int], bool]) -> None:
    @condition(name, nargs=2, doc=f"Numeric comparison: true if the first integer {name} the second.")
    def cmp(ctx: Any, a: str, b: str) -> bool:
        return op(exim_integer(a), exim_integer(b))


_numeric("<", lambda a, b: a < b)
_numeric("<=", lambda a, b: a <= b)
_numeric("=", lambda a, b: a == b)
_numeric("==", lambda a, b: a == b)
_numeric(">", lambda a, b: a > b)
_numeric(">=", lambda a, b: a >= b)


# ---- strings (byte order in the C locale; caseless means ASCII only)


def _string(name: str, op: Callable[[str, str], bool], caseless: bool) -> None:
    how = "case-independent " if caseless else ""

    @condition(name, nargs=2, doc=f"Lexical {how}comparison of two strings ({name[:2]}).")
    def cmp(ctx: Any, a: str, b: str) -> bool:
        if caseless:
            a, b = lists.lc(a), lists.lc(b)
        return op(a, b)


for _name, _op in (
    ("eq", lambda a, b: a == b), ("ge", lambda a, b: a >= b), ("gt", lambda a, b: a > b),
    ("le", lambda a, b: a <= b), ("lt", lambda a, b: a < b),
):
    _string(_name, _op, False)
    _string(_name + "i", _op, True)


# ---- regular expressions and lists


@condition("match", nargs=2)
def match(ctx: Any, subject: str, pattern: str) -> bool:
    """True if the regular expression (second string) matches the first; sets $0..$9."""
    m = rx.search(rx.compile_regex(pattern), subject, ctx)
    if m is None:
        return False
    rx.set_captures(ctx, m)
    return True


def _list_condition(name: str, check: Callable[[Any, str, str], lists.Found | None]) -> None:
    @condition(name, nargs=2, doc=f"True if the first string is in the {name[6:].replace('_', ' ')} list; sets $value.")
    def run(ctx: Any, subject: str, listtext: str) -> bool:
        try:
            found = check(ctx, subject, listtext)
        except lists.ListDefer as exc:
            reason = exc.search_error or "NULL"
            reason = reason.split(" gave DEFER: ", 1)[-1]  # Exim shows the lookup's own reason
            raise ExpansionError(f'unable to complete match against "{listtext}": {reason}') from None
        if found is None:
            return False
        ctx.bindings["value"] = found.value if found.value is not None else ""
        lists.set_captures(ctx, found)
        return True

    # Exim does not expand the list argument itself but has the list matcher
    # expand it; the evaluator may honour this marker.
    run.raw_list_arg = True  # type: ignore[attr-defined]


def _ip_check(ctx: Any, ip: str, text: str) -> lists.Found | None:
    if ip and not lists.is_ip(ip):
        raise ExpansionError(f'"{ip}" is not an IP address')
    # The condition reads the list with "$" as text; the host-list matcher then
    # expands it (Exim only logs why that failed).
    try:
        text = expand(text, ctx)
    except ExpansionError:
        raise ExpansionError(f'unable to complete match against "{text}": NULL') from None
    return lists.check_list(ctx, "host", lists.host_subject(ip, None, ip_only=True), text)


_list_condition("match_domain", lambda ctx, s, t: lists.check_list(ctx, "domain", lists.domain_subject(s), t))
_list_condition("match_local_part",
                lambda ctx, s, t: lists.check_list(ctx, "localpart", lists.local_part_subject(s), t))
_list_condition("match_address", lambda ctx, s, t: lists.check_list(ctx, "address", lists.address_subject(s), t))
_list_condition("match_ip", _ip_check)


def _inlist(name: str, caseless: bool) -> None:
    @condition(name, nargs=2, doc="True if the first string is an item of the list; $value is that item.")
    def run(ctx: Any, s: str, listtext: str) -> bool:
        value = lists.inlist_value(s, listtext, caseless)
        if value is None:
            return False
        ctx.bindings["value"] = value
        return True


_inlist("inlist", False)
_inlist("inlisti", True)


# ---- IP addresses


@condition("isip", nargs=1)
def isip(ctx: Any, s: str) -> bool:
    """True if the string is an IPv4 or IPv6 address."""
    return lists.is_ip(s)


@condition("isip4", nargs=1)
def isip4(ctx: Any, s: str) -> bool:
    """True if the string is an IPv4 address."""
    return lists.is_ip(s, 4)


@condition("isip6", nargs=1)
def isip6(ctx: Any, s: str) -> bool:
    """True if the string is an IPv6 address."""
    return lists.is_ip(s, 6)


# ---- files and booleans


@condition("exists", nargs=1)
def exists(ctx: Any, path: str) -> bool:
    """True if the named file or directory exists. Exim 4.96 does not refuse a
    tainted name here (checked against the oracle), so neither do we."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def _atoi(t: str) -> int:
    """C atoi: strtol clamped to a long, then truncated to an int."""
    v = int(t)
    v = max(min(v, INT_MAX), INT_MIN)
    v &= 0xFFFFFFFF
    return v - 2**32 if v >= 2**31 else v


def _boolean(s: str, lax: bool) -> bool:
    t = s.strip(_SPACE)
    if t == "":
        return False
    digits = t[1:] if t.startswith("-") else t
    if digits == "" or digits.isascii() and digits.isdigit():
        value = digits != "" and _atoi(t) != 0
        return True if lax and len(t) > 1 else value
    low = lists.lc(t)
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if lax:
        return True
    raise ExpansionError(f'unrecognised boolean value "{t}"')


@condition("bool", nargs=1)
def bool_(ctx: Any, s: str) -> bool:
    """true/yes/false/no (any case) or an integer (non-zero is true); empty is false."""
    return _boolean(s, False)


@condition("bool_lax", nargs=1)
def bool_lax(ctx: Any, s: str) -> bool:
    """False only for empty, "false", "no" and "0"; anything else is true."""
    return _boolean(s, True)


# ---- password checks


def _digest_matches(digest: bytes, given: str) -> bool:
    if len(given) == len(base64.b64encode(digest)):
        return hmac.compare_digest(base64.b64encode(digest).decode(), given)
    if len(given) == 2 * len(digest):
        return hmac.compare_digest(digest.hex(), given.lower())
    return False


def _crypt_handler(hashed: str) -> Any:
    """The libpass scheme for a crypt() string: $1$ MD5, $5$ SHA-256, $6$
    SHA-512, else traditional DES (the schemes Exim's crypt() gives on Debian,
    short of yescrypt and bcrypt)."""
    from passlib import hash as schemes  # libpass: pure Python, no crypt module

    if hashed.startswith("$1$"):
        return schemes.md5_crypt
    if hashed.startswith("$5$"):
        return schemes.sha256_crypt
    if hashed.startswith("$6$"):
        return schemes.sha512_crypt
    return None if hashed.startswith("$") else schemes.des_crypt


def _crypt_matches(password: str, hashed: str) -> bool:
    handler = _crypt_handler(hashed)
    if handler is None:
        return False
    try:
        return bool(handler.verify(password.encode("utf-8", "surrogateescape"), hashed))
    except (ValueError, TypeError):  # not a well-formed hash of that scheme: crypt() differs
        return False


def _des(password: str, salt: str) -> str | None:
    from passlib.hash import des_crypt

    try:
        return str(des_crypt.using(salt=salt).hash(password.encode("utf-8", "surrogateescape")))
    except (ValueError, TypeError):
        return None


def _crypt16(password: str, salt: str) -> str | None:
    """Exim's own crypt16: DES crypt() of each eight-character half."""
    first = _des(password[:8], salt[:2])
    if first is None or len(password) <= 8:
        return first and first[:13]
    second = _des(password[8:16], first[2:4])
    return None if second is None else first[:13] + second[2:13]


@condition("crypteq", nargs=2)
def crypteq(ctx: Any, password: str, encrypted: str) -> bool:
    """Compares a clear password with {md5}, {sha1}, {crypt}, {crypt16} or crypt() text."""
    scheme, rest = "", encrypted
    if encrypted.startswith("{"):
        close = encrypted.find("}")
        scheme = lists.lc(encrypted[1:close]) if close > 0 else "?"
        rest = encrypted[close + 1:]
        if scheme not in ("md5", "sha1", "crypt", "crypt16"):
            raise ExpansionError(f'unknown encryption mechanism in "{encrypted}"')
    data = password.encode("utf-8", "surrogateescape")
    if scheme == "md5":
        return _digest_matches(hashlib.md5(data).digest(), rest)
    if scheme == "sha1":
        return _digest_matches(hashlib.sha1(data).digest(), rest)
    if scheme == "crypt16":
        out = _crypt16(password, rest)
        return bool(rest) and out is not None and hmac.compare_digest(out, rest)
    return bool(rest) and _crypt_matches(password, rest)


# ---- delivery state (this program never delivers)


@condition("first_delivery", nargs=0)
def first_delivery(ctx: Any) -> bool:
    """True during a message's first delivery attempt; false here."""
    return bool(ctx.extra.get("first_delivery", False))


@condition("queue_running", nargs=0)
def queue_running(ctx: Any) -> bool:
    """True during a queue-runner delivery; false here."""
    return bool(ctx.extra.get("queue_running", False))


# ---- conditions that need an external service


def _unsupported(name: str, nargs: int) -> None:
    @condition(name, nargs=nargs, doc="Needs an external service; not supported here.")
    def run(ctx: Any, *args: str) -> bool:
        raise ExpansionError(f'support for "{name}" not compiled')


# Exim's own words for a condition left out of its build.
_unsupported("radius", 1)
_unsupported("pwcheck", 1)


@condition("pam", nargs=1)
def pam(ctx: Any, data: str) -> bool:
    """PAM authentication. This program has no PAM service, so every attempt
    fails, as it does in an Exim whose PAM stack rejects the user."""
    return False


SASLAUTHD_SOCKET = "/var/run/saslauthd/mux"


@condition("saslauthd", nargs=4, min_args=2)
def saslauthd(ctx: Any, user: str, password: str, service: str = "", realm: str = "") -> bool:
    """Asks the Cyrus saslauthd daemon (its counted-string protocol) to check a password."""
    import socket
    import struct

    path = ctx.extra.get("saslauthd_socket", SASLAUTHD_SOCKET)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(path)
            parts = (user, password, service or "smtp", realm)
            sock.sendall(b"".join(struct.pack("!H", len(b)) + b for b in (x.encode() for x in parts)))
            head = sock.recv(2)
            reply = sock.recv(struct.unpack("!H", head)[0]) if len(head) == 2 else b""
    except OSError as exc:
        raise ExpansionError(
            f"cannot connect to saslauthd daemon at {path}: {os.strerror(exc.errno or 0)}") from None
    return reply.startswith(b"OK")


@condition("ldapauth", nargs=1)
def ldapauth(ctx: Any, query: str) -> bool:
    """LDAP bind check: the query is parsed for Exim's errors; binding is not supported."""
    t = query.lstrip(_SPACE)
    params = {}
    while t and not lists.lc(t).startswith("ldap"):
        word, _, t = t.partition(" ")
        name, eq, value = word.partition("=")
        if not eq:
            raise ExpansionError("malformed parameter setting precedes LDAP URL")
        params[lists.lc(name)] = value
        t = t.lstrip(_SPACE)
    if not t:  # no LDAP URL at all
        raise ExpansionError("malformed parameter setting precedes LDAP URL")
    if not params.get("user") or "pass" not in params:
        raise ExpansionError("ldapauth lookups must specify the username and password")
    if params["pass"] == "":
        return False
    raise ExpansionError('support for "ldapauth" not compiled')

