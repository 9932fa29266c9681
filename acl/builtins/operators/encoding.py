"""Encodings and digests: base32/62/64 in both directions, hex2b64, the
md5/sha1/sha2/sha3 digests, and RFC 2047 encoding and decoding."""

from __future__ import annotations

import base64
import codecs
import hashlib
from typing import Any

from acl.builtins.registry import operator
from acl.errors import ExpansionError

from ._common import c_isspace, c_isxdigit, from_bytes, strtoul, suffix, to_bytes, wrap64

ANY = (0, 64)
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _decimal(subject: str, name: str) -> int:
    b = to_bytes(subject)
    n, end = strtoul(b)
    if end != len(b):
        raise ExpansionError(f'argument for {name} operator is "{subject}", which is not a decimal number')
    return n


@operator("base32", params=ANY)
def base32(subject: str, *params: str) -> str:
    """A decimal number in base 32 (lower-case letters and 2-7; empty for 0)."""
    n = _decimal(subject, "base32")
    out = []
    while n:
        out.append(_B32[n & 0x1F])
        n >>= 5
    return "".join(reversed(out))


def _decode_digits(subject: str, alphabet: str, base: int, name: str) -> str:
    n = 0
    for ch in subject:
        k = alphabet.find(ch)
        if k < 0:
            raise ExpansionError(f'argument for {name} operator is "{subject}", which is not a base {base} number')
        n = (n * base + k) & 0xFFFFFFFFFFFFFFFF
    return str(wrap64(n))


@operator("base32d", params=ANY)
def base32d(subject: str, *params: str) -> str:
    """Base-32 digits to decimal (64-bit, printed signed)."""
    return _decode_digits(subject, _B32, 32, "base32d")


@operator("base62", params=ANY)
def base62(subject: str, *params: str) -> str:
    """A decimal number as six base-62 digits."""
    n = _decimal(subject, "base62")
    out = []
    for _ in range(6):
        out.append(_B62[n % 62])
        n //= 62
    return "".join(reversed(out))


@operator("base62d", params=ANY)
def base62d(subject: str, *params: str) -> str:
    """Base-62 digits to decimal."""
    return _decode_digits(subject, _B62, 62, "base62d")


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


@operator("base64", params=ANY, aliases=("str2b64",))
def base64_(subject: str, *params: str) -> str:
    """Base64 encoding of the bytes."""
    return _b64(to_bytes(subject))


_DEC64 = {c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def b64decode(code: bytes) -> bytes | None:
    """Exim's b64decode(): white space anywhere, strict '=' padding, None if bad."""
    out = bytearray()
    it = iter(code + b"\0")

    def nxt() -> int:
        c = next(it, 0)
        while c_isspace(c):
            c = next(it, 0)
        return c

    while True:
        x = nxt()
        if x == 0:
            break
        if x not in _DEC64:
            return None
        y = nxt()
        if y not in _DEC64:
            return None
        out.append(((_DEC64[x] << 2) | (_DEC64[y] >> 4)) & 0xFF)
        x = nxt()
        if x == 0x3D:
            if nxt() != 0x3D or nxt() != 0:
                return None
            break
        if x not in _DEC64:
            return None
        out.append(((_DEC64[y] << 4) | (_DEC64[x] >> 2)) & 0xFF)
        y = nxt()
        if y == 0x3D:
            if nxt() != 0:
                return None
            break
        if y not in _DEC64:
            return None
        out.append(((_DEC64[x] << 6) | _DEC64[y]) & 0xFF)
    return bytes(out)


@operator("base64d", params=ANY)
def base64d(subject: str, *params: str) -> str:
    """Base64 decoding; the result stops at a decoded NUL, as a C string does."""
    out = b64decode(to_bytes(subject))
    if out is None:
        raise ExpansionError(f'string "{subject}" is not well-formed for "base64d" operator')
    return from_bytes(out.split(b"\0", 1)[0])


@operator("hex2b64", params=ANY)
def hex2b64(subject: str, *params: str) -> str:
    """A hex string's bytes in base64."""
    b = to_bytes(subject)
    if not all(c_isxdigit(c) for c in b):
        raise ExpansionError(f'"{subject}" is not a hex string')
    if len(b) & 1:
        raise ExpansionError(f'"{subject}" contains an odd number of characters')
    return _b64(bytes.fromhex(b.decode("ascii")))


# ------------------------------------------------------------------ digests


@operator("md5", params=ANY)
def md5(subject: str, *params: str) -> str:
    """MD5 digest, lower-case hex."""
    return hashlib.md5(to_bytes(subject)).hexdigest()


@operator("sha1", params=ANY)
def sha1(subject: str, *params: str) -> str:
    """SHA-1 digest, upper-case hex."""
    return hashlib.sha1(to_bytes(subject)).hexdigest().upper()


def _variant(params: tuple[str, ...], family: str, sizes: tuple[str, ...]) -> str:
    arg = suffix(params)
    if arg is None:
        return "256"
    if arg not in sizes:
        raise ExpansionError(f"unrecognised {family} variant")
    return arg


@operator("sha2", params=ANY, aliases=("sha256",))
def sha2(subject: str, *params: str) -> str:
    """SHA-2 digest (256 by default; _384 and _512 select others), upper-case hex."""
    bits = _variant(params, "sha2", ("256", "384", "512"))
    return hashlib.new(f"sha{bits}", to_bytes(subject)).hexdigest().upper()


@operator("sha3", params=ANY)
def sha3(subject: str, *params: str) -> str:
    """SHA-3 digest (224/256/384/512, default 256), upper-case hex."""
    bits = _variant(params, "sha3", ("224", "256", "384", "512"))
    return hashlib.new(f"sha3_{bits}", to_bytes(subject)).hexdigest().upper()


# ------------------------------------------------------------------ RFC 2047

_Q_SPECIALS = b'?=()<>@,;:\\".[]_'


def _charset(ctx: Any) -> str:
    v = ctx.option("headers_charset", None) if ctx is not None else None
    return str(v) if v else "UTF-8"


def quote_2047(b: bytes, charset: str, fold: bool = False) -> bytes:
    """Exim's parse_quote_2047(): Q-encoding in words that are split when the
    current one exceeds 67 bytes (the first word's header is not counted), never
    between the two bytes of a pair of encoded bytes."""
    head = f"=?{charset}?Q?".encode("utf-8", "surrogateescape")
    out = bytearray(head)
    line_off = len(head)
    coded = first_byte = False
    for ch in b:
        if len(out) - line_off > 67 and not first_byte:
            out += b"?=\n " if fold else b"?= "
            line_off = len(out)
            out += head
        if ch < 33 or ch > 126 or ch in _Q_SPECIALS:
            if ch == 32:
                out.append(95)
                first_byte = False
            else:
                out += b"=%02X" % ch
                coded = True
                first_byte = not first_byte
        else:
            out.append(ch)
            first_byte = False
    out += b"?="
    return bytes(out) if coded else b


@operator("rfc2047", params=ANY, ctx=True)
def rfc2047(ctx: Any, subject: str, *params: str) -> str:
    """RFC 2047 Q-encoding in headers_charset when the text needs it."""
    return from_bytes(quote_2047(to_bytes(subject), _charset(ctx)))


def _qp_decode(b: bytes) -> bytes | None:
    out = bytearray()
    i = 0
    while i < len(b):
        ch = b[i]
        i += 1
        if ch == 0x5F:
            out.append(32)
        elif ch == 0x3D:
            pair = b[i:i + 2]
            if len(pair) < 2 or not (c_isxdigit(pair[0]) and c_isxdigit(pair[1])):
                return None
            out.append(int(pair, 16))
            i += 2
        elif ch in b" \t":
            return None
        else:
            out.append(ch)
    return bytes(out)


def _find_word(b: bytes, start: int, lencheck: bool) -> tuple[int, int, int, bytes] | None:
    """The next decodable =?cs?E?text?= at or after ``start``:
    (start, end after '?=', charset end, decoded bytes)."""
    pos = start
    while True:
        m = b.find(b"=?", pos)
        if m < 0:
            return None
        q1 = b.find(b"?", m + 2)
        q2 = b.find(b"?", q1 + 1) if q1 >= 0 else -1
        end = b.find(b"?=", q2 + 1) if q2 >= 0 else -1
        if end < 0:
            return None
        pos = m + 2
        if (lencheck and end - m > 73) or q2 - q1 != 2:
            continue
        enc = b[q1 + 1] | 0x20
        text = b[q2 + 1:end]
        data = (b64decode(text) if enc == 0x62 else _qp_decode(text) if enc == 0x71 else None)
        if data is not None:
            return m, end + 2, q1, data


def _convert(data: bytes, source: str, target: str) -> bytes:
    """iconv() as Exim drives it: convert up to the first error, then copy the
    rest of the input unconverted."""
    dec = codecs.getincrementaldecoder(source)()
    out = bytearray()
    consumed = 0
    for i in range(len(data)):
        try:
            chars = dec.decode(data[i:i + 1])
        except UnicodeDecodeError:
            break
        if chars:
            try:
                out += chars.encode(target)
            except UnicodeEncodeError:
                break
            consumed = i + 1
    return bytes(out) + data[consumed:]


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def rfc2047_decode(b: bytes, target: str, lencheck: bool = True, zeroval: int = 0x3F) -> bytes:
    """Exim's rfc2047_decode2()."""
    word = _find_word(b, 0, lencheck)
    if word is None:
        return b
    out = bytearray()
    pos = 0
    while word is not None:
        m, end, q1, data = word
        out += b[pos:m]
        charset = b[m + 2:q1].decode("utf-8", "surrogateescape")
        if charset.lower() != target.lower():
            src, dst = _codec(charset), _codec(target)
            if src is None or dst is None:
                raise ExpansionError(f'iconv_open("{target}", "{charset}") failed: Invalid argument '
                                     "(maybe unsupported conversion)")
            data = _convert(data, src, dst)
        out += data.replace(b"\0", bytes([zeroval]))
        pos = end
        word = _find_word(b, pos, lencheck)
        if word is not None:
            gap = pos
            while gap < len(b) and c_isspace(b[gap]):
                gap += 1
            if gap == word[0]:
                pos = gap
    out += b[pos:]
    return bytes(out)


@operator("rfc2047d", params=ANY, ctx=True)
def rfc2047d(ctx: Any, subject: str, *params: str) -> str:
    """Decode RFC 2047 encoded words into headers_charset; NULs become '?'."""
    lencheck = ctx.option("check_rfc2047_length", True) if ctx is not None else True
    if isinstance(lencheck, str):
        lencheck = lencheck.strip().lower() not in ("false", "no")
    out = rfc2047_decode(to_bytes(subject), _charset(ctx), bool(lencheck))
    return from_bytes(out.split(b"\0", 1)[0])
