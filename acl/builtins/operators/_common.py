"""Helpers shared by the operator families.

Exim works on bytes; this project carries values as ``str`` in which bytes that
are not valid UTF-8 ride as surrogate escapes (``"\\udcff"`` is byte 0xff). Byte
exact operators (lengths, hashes, escapes) convert with :func:`to_bytes` and back
with :func:`from_bytes`."""

from __future__ import annotations

from acl.errors import ExpansionError

INT_MAX = (1 << 63) - 1
INT_MIN = -(1 << 63)


def to_bytes(s: str) -> bytes:
    try:
        return s.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
        return s.encode("utf-8", "surrogatepass")


def from_bytes(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def latin(b: bytes) -> str:
    """Bytes known to be ASCII-only (or to be shown byte by byte) as text."""
    return from_bytes(b)


def suffix(params: tuple[str, ...]) -> str | None:
    """The text after the first underscore of the operator name, as Exim keeps it
    (``sha2_256`` -> "256"), or None when the name had no underscore."""
    return "_".join(params) if params else None


def wrap32(n: int) -> int:
    """C ``int`` arithmetic: keep the low 32 bits, signed."""
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n & 0x80000000 else n


def wrap64(n: int) -> int:
    n &= 0xFFFFFFFFFFFFFFFF
    return n - (1 << 64) if n & (1 << 63) else n


def c_isspace(c: int) -> bool:
    return c in b" \t\n\v\f\r"


def c_isalnum(c: int) -> bool:
    return 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122


def c_isdigit(c: int) -> bool:
    return 48 <= c <= 57


def c_isxdigit(c: int) -> bool:
    return c_isdigit(c) or 65 <= c <= 70 or 97 <= c <= 102


def c_ispunct(c: int) -> bool:
    return 33 <= c <= 126 and not c_isalnum(c)


def c_iscntrl(c: int) -> bool:
    return c < 32 or c == 127


def _scan_decimal(b: bytes) -> tuple[bool, int, int]:
    """C strto*() prefix: (negative, first digit, end of digits); skips leading
    white space and one sign."""
    i = 0
    while i < len(b) and c_isspace(b[i]):
        i += 1
    neg = False
    if i < len(b) and b[i] in b"+-":
        neg = b[i] == 0x2D
        i += 1
    j = i
    while j < len(b) and c_isdigit(b[j]):
        j += 1
    return neg, i, j


def strtoul(b: bytes) -> tuple[int, int]:
    """C ``strtoul(s, &end, 10)``: (value, index of the first unread byte).
    Overflow saturates; a minus sign negates modulo 2**64."""
    neg, i, j = _scan_decimal(b)
    if j == i:
        return 0, 0
    n = min(int(b[i:j]), 0xFFFFFFFFFFFFFFFF)
    return ((-n) & 0xFFFFFFFFFFFFFFFF if neg else n), j


def strtol(b: bytes, bits: int = 64) -> tuple[int, int, bool]:
    """C ``strtol``/``strtoll`` base 10: (value, end index, overflowed)."""
    neg, i, j = _scan_decimal(b)
    if j == i:
        return 0, 0, False
    n = -int(b[i:j]) if neg else int(b[i:j])
    hi, lo = (1 << (bits - 1)) - 1, -(1 << (bits - 1))
    if n > hi:
        return hi, j, True
    if n < lo:
        return lo, j, True
    return n, j, False


def fail(message: str) -> ExpansionError:
    return ExpansionError(message)
