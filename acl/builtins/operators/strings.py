"""Operators that reshape a string byte by byte: case, lengths, substrings,
the two textual hashes, and the escaping/quoting family."""

from __future__ import annotations

from typing import Any

from acl.builtins.registry import operator
from acl.errors import ExpansionError

from ._common import c_isalnum, from_bytes, suffix, to_bytes, wrap32

ANY = (0, 64)  # Exim ignores an underscore suffix on most operators

# ---------------------------------------------------------------- case, length


@operator("lc", params=ANY)
def lc(subject: str, *params: str) -> str:
    """Lower-case ASCII letters (C locale)."""
    return subject.translate(_LOWER)


@operator("uc", params=ANY)
def uc(subject: str, *params: str) -> str:
    """Upper-case ASCII letters (C locale)."""
    return subject.translate(_UPPER)


_LOWER = {c: c + 32 for c in range(65, 91)}
_UPPER = {c: c - 32 for c in range(97, 123)}


@operator("strlen", params=ANY)
def strlen(subject: str, *params: str) -> str:
    """Length in bytes."""
    return str(len(to_bytes(subject)))


# ------------------------------------------- length / substr / hash / nhash

# Exim's table really has "rts" (not "rst"): results depend on it.
_HASHCODES = b"abcdefghijklmnopqrtsuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
           73, 79, 83, 89, 97, 101, 103, 107, 109, 113)


def _numbers(name: str, kind: str, arg: str | None) -> tuple[int, int]:
    """Read the ``_n[_m]`` suffix as Exim does: decimal digits only, C ``int``
    arithmetic, a leading minus only for substr."""
    if arg is None:
        if name in ("length", "substr", "hash", "nhash"):
            raise ExpansionError(f"Not enough arguments for '{name}' (min is 2)")
        raise ExpansionError(f"missing values after {name}")
    full = f"{name}_{arg}"
    v1, v2 = 0, -1
    second = kind == "length"
    if second:
        v2 = 0
    sign = 1
    i = 0
    if kind == "substr" and arg.startswith("-"):
        sign, i = -1, 1
    start = i
    while i < len(arg):
        c = arg[i]
        if i != start and c == "_" and not second:
            second, v2 = True, 0
            if i + 1 < len(arg):
                i += 1
        elif not ("0" <= c <= "9"):
            raise ExpansionError(f'non-digit after underscore in "{full}"')
        else:
            if second:
                v2 = wrap32(v2 * 10 + ord(c) - 48)
            else:
                v1 = wrap32(v1 * 10 + ord(c) - 48)
            i += 1
    return wrap32(v1 * sign), v2


def extract_substr(b: bytes, v1: int, v2: int) -> bytes:
    """Exim's substring rule: negative offsets count from the end; an unset
    (negative) length means 'the rest' or, for a negative offset, 'what precedes'."""
    n = len(b)
    if v1 < 0:
        v1 += n
        if v1 < 0:
            v2 = max(v2 + v1, 0)
            v1 = 0
        elif v2 < 0:
            v2, v1 = v1, 0
    elif v1 > n:
        v1, v2 = n, 0
    elif v2 < 0:
        v2 = n
    if v1 + v2 > n:
        v2 = n - v1
    return b[v1:v1 + v2]


def compute_hash(b: bytes, v1: int, v2: int) -> bytes:
    if v2 < 0:
        v2 = 26
    elif v2 > len(_HASHCODES):
        raise ExpansionError(f'hash count "{v2}" too big')
    if v1 >= len(b):
        return b
    if v1 <= 0:
        return b""
    out = bytearray(b[:v1])
    i = 0
    for j in range(v1, len(b)):
        c = b[j]
        shift = (c + j) & 7
        out[i] = (out[i] ^ ((c << shift) | (c >> (8 - shift)))) & 0xFF
        i += 1
        if i >= v1:
            i = 0
    if v2 == 0:
        raise ExpansionError("hash: division by zero")  # Exim dies with SIGFPE
    return bytes(_HASHCODES[x % v2] for x in out)


def compute_nhash(b: bytes, v1: int, v2: int) -> str:
    total = 0
    i = 0
    for c in b:
        if i == 0:
            i = len(_PRIMES) - 1
        total += _PRIMES[i] * c
        i -= 1
    total &= 0xFFFFFFFFFFFFFFFF
    ul = lambda n: n & 0xFFFFFFFFFFFFFFFF  # noqa: E731 - C int -> unsigned long
    if v2 < 0:
        if v1 == 0:
            raise ExpansionError("nhash: division by zero")  # Exim dies with SIGFPE
        return str(total % ul(v1))
    div = ul(wrap32(v1 * v2))
    if div == 0:
        raise ExpansionError("nhash: division by zero")
    total %= div
    return f"{total // ul(v2)}/{total % ul(v2)}"


def _numeric_op(name: str, kind: str):  # type: ignore[no-untyped-def]
    def op(subject: str, *params: str) -> str:
        v1, v2 = _numbers(name, kind, suffix(params))
        b = to_bytes(subject)
        if kind == "hash":
            return from_bytes(compute_hash(b, v1, v2))
        if kind == "nhash":
            return compute_nhash(b, v1, v2)
        return from_bytes(extract_substr(b, v1, v2))

    op.__name__ = name
    op.__doc__ = f"${{{name}_n[_m]:string}}: the {kind} operator."
    return op


for _name, _kind in (("length", "length"), ("l", "length"), ("substr", "substr"), ("s", "substr"),
                     ("hash", "hash"), ("h", "hash"), ("nhash", "nhash"), ("nh", "nhash")):
    operator(_name, params=ANY)(_numeric_op(_name, _kind))


# ----------------------------------------------------------------- escaping

_C_ESCAPES = {10: "n", 13: "r", 8: "b", 11: "v", 12: "f", 9: "t"}


def _topbit_printable(ctx: Any) -> bool:
    v = ctx.option("print_topbitchars", False) if ctx is not None else False
    if isinstance(v, str):
        return v.strip().lower() in ("true", "yes")
    return bool(v)


def string_printing(b: bytes, topbit: bool = False) -> str:
    """Exim's string_printing(): non-printing bytes as C or octal escapes."""
    out = []
    for c in b:
        if 32 <= c < 127 or c == 9 or (topbit and c > 127):
            out.append(from_bytes(bytes([c])))
        else:
            esc = _C_ESCAPES.get(c)
            out.append("\\" + (esc if esc else f"{c:03o}"))
    return "".join(out)


@operator("escape", params=ANY, ctx=True)
def escape(ctx: Any, subject: str, *params: str) -> str:
    """Escape non-printing bytes (print_topbitchars decides about 8-bit ones)."""
    return string_printing(to_bytes(subject), _topbit_printable(ctx))


@operator("escape8bit", params=ANY)
def escape8bit(subject: str, *params: str) -> str:
    """Octal-escape bytes >= 127 and backslashes."""
    return "".join(chr(c) if c < 127 and c != 92 else f"\\{c:03o}" for c in to_bytes(subject))


@operator("hexquote", params=ANY)
def hexquote(subject: str, *params: str) -> str:
    """\\xNN for every byte outside 33..126."""
    return "".join(chr(c) if 33 <= c <= 126 else f"\\x{c:02x}" for c in to_bytes(subject))


@operator("rxquote", params=ANY)
def rxquote(subject: str, *params: str) -> str:
    """Backslash before every non-alphanumeric byte."""
    out = bytearray()
    for c in to_bytes(subject):
        if not c_isalnum(c):
            out.append(92)
        out.append(c)
    return from_bytes(bytes(out))


def _dquote(b: bytes) -> str:
    out = bytearray(b'"')
    for c in b:
        if c == 10:
            out += b"\\n"
        elif c == 13:
            out += b"\\r"
        else:
            if c in b'\\"':
                out.append(92)
            out.append(c)
    out.append(34)
    return from_bytes(bytes(out))


_LP_SPECIALS = b"!#$%&'*+-/=?^_`{|}~"


def _lp_needs_quote(b: bytes) -> bool:
    if not b:
        return True
    for i, c in enumerate(b):
        if not c_isalnum(c) and c not in _LP_SPECIALS and (c != 46 or i == 0 or i == len(b) - 1):
            return True
    return False


@operator("quote", params=ANY, ctx=True)
def quote(ctx: Any, subject: str, *params: str) -> str:
    """Double-quote unless only letters, digits, ``_-.``; ``quote_<lookup>``
    applies that lookup's quoting."""
    arg = suffix(params)
    if arg is not None:
        return _lookup_quote(ctx, subject, arg)
    b = to_bytes(subject)
    if b and all(c_isalnum(c) or c in b"_-." for c in b):
        return subject
    return _dquote(b)


def _lookup_quote(ctx: Any, subject: str, arg: str) -> str:
    name, _, opt = arg.partition("_")
    try:
        from acl.lookups import quote as lookup_quote
    except ImportError:
        raise ExpansionError(f'unknown lookup type "{name}"') from None
    return lookup_quote(ctx, name, subject, opt or None)


@operator("quote_local_part")
def quote_local_part(subject: str) -> str:
    """Quote as RFC 2822 requires for a local part."""
    b = to_bytes(subject)
    return _dquote(b) if _lp_needs_quote(b) else subject


# ------------------------------------------------------------------- UTF-8


@operator("utf8clean", params=ANY)
def utf8clean(subject: str, *params: str) -> str:
    """Replace each invalid UTF-8 sequence by '?', with Exim's exact recovery."""
    out = bytearray()
    seq = bytearray()
    left = 0
    cp = 0
    for c in to_bytes(subject):
        complete = 0
        if left:
            if c & 0xC0 != 0x80:
                complete = 1
            else:
                cp = (cp << 6) | (c & 0x3F)
                seq.append(c)
                left -= 1
                if left == 0:
                    if cp > 0x10FFFF or (cp & 0x1FF800) == 0xD800:
                        complete = -1
                    else:
                        out += seq
                        seq.clear()
        else:
            if not c & 0x80:
                out.append(c)
                continue
            if c & 0xE0 == 0xC0:
                if c in (0xC0, 0xC1):
                    complete = -1
                else:
                    left, cp = 1, c & 0x1F
            elif c & 0xF0 == 0xE0:
                left, cp = 2, c & 0x0F
            elif c & 0xF8 == 0xF0:
                left, cp = 3, c & 0x07
            else:
                complete = -1
            seq[:] = bytes([c])
        if complete:
            left = 0
            seq.clear()
            out.append(63)
            if complete == 1 and not c & 0x80:
                out.append(c)
    if left:
        out.append(63)
    return from_bytes(bytes(out))


_EXTRA = [1] * 32 + [2] * 16 + [3] * 8 + [4] * 4 + [5] * 4
_MASKS = (0xFF, 0x1F, 0x0F, 0x07, 0x03, 0x01)


@operator("from_utf8")
def from_utf8(subject: str) -> str:
    """UTF-8 to ISO-8859-1; code points above 255 become '_'."""
    b = to_bytes(subject)
    out = bytearray()
    i = 0
    while i < len(b):
        c = b[i]
        i += 1
        if c & 0xC0 == 0xC0:
            a = _EXTRA[c & 0x3F]
            shift = 6 * a
            c = (c & _MASKS[min(a, 5)]) << shift
            while a > 0 and i < len(b):
                a -= 1
                shift -= 6
                c |= (b[i] & 0x3F) << shift
                i += 1
        out.append(c if c <= 255 else 95)
    return from_bytes(bytes(out))


def _idna_op(name: str, to_alabel: bool, domain: bool):  # type: ignore[no-untyped-def]
    def op(subject: str) -> str:
        if to_alabel:
            raw = to_bytes(subject)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                why = "string encoding error" if domain else "l_u2a: bad UTF-8 input"
                raise ExpansionError(f"error converting utf8 ({string_printing(raw)}) to alabel: {why}") from None
            if all(ord(ch) < 128 for ch in text):
                return subject
            if domain:  # IDNA lower-cases the whole domain
                return ".".join(_to_alabel(lab) for lab in text.lower().split("."))
            return _to_alabel(text)
        try:
            if domain:
                return ".".join(_from_alabel(lab) for lab in subject.split("."))
            if not subject.startswith("xn--"):
                raise ExpansionError(f"error converting alabel ({subject}) to utf8: bad alabel prefix")
            return _from_alabel(subject)
        except UnicodeError:
            raise ExpansionError(f"error converting alabel ({subject}) to utf8: bad alabel") from None

    op.__name__ = name
    op.__doc__ = f"Convert between UTF-8 and A-label forms ({name})."
    return op


def _to_alabel(lab: str) -> str:
    return lab if all(ord(ch) < 128 for ch in lab) else "xn--" + lab.encode("punycode").decode("ascii")


def _from_alabel(lab: str) -> str:
    return lab[4:].encode("ascii").decode("punycode") if lab.startswith("xn--") else lab


for _n, _to, _dom in (("utf8_domain_to_alabel", True, True), ("utf8_domain_from_alabel", False, True),
                      ("utf8_localpart_to_alabel", True, False), ("utf8_localpart_from_alabel", False, False)):
    operator(_n)(_idna_op(_n, _to, _dom))

