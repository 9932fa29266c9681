"""What every lookup family shares: the table entry, the internal 'defer'
signal, and the small C-library behaviours (isspace, ASCII case folding,
strerror texts) that Exim's lookups rely on."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from typing import Any, Callable

from acl.errors import ExpansionError

SINGLE_KEY = "single-key"
QUERY = "query"
ABS_FILE_QUERY = "abs-file-query"  # a query plus an absolute file name (sqlite)

# C's isspace() in the C locale.
C_SPACE = " \t\n\v\f\r"

# Exim reads lookup files as bytes; this keeps every byte through a round trip.
ENCODING = "utf-8"
ERRORS = "surrogateescape"


class Defer(Exception):
    """A temporary failure inside a find function; ``lookup()`` turns it into
    LookupDefer with Exim's 'lookup of "key" gave DEFER: ...' wording."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Found:
    """Result of one find: data (None when not found) and whether it may be cached."""

    data: str | None
    cache: bool = True
    reset_numeric: bool = False  # a (n)wildlsearch regex matched: $0..$9 become unset


# open(ctx, filename) -> handle; raises ExpansionError with Exim's open message.
OpenFn = Callable[[Any, str], Any]
# find(ctx, handle, filename, key, opts) -> Found; raises Defer.
FindFn = Callable[[Any, Any, "str | None", str, "str | None"], Found]
# quote(s, opt) -> quoted text, or None when the option is not recognised.
QuoteFn = Callable[[str, "str | None"], "str | None"]


@dataclass(frozen=True, slots=True)
class LookupSpec:
    name: str
    style: str  # SINGLE_KEY, QUERY or ABS_FILE_QUERY
    needs_file: bool
    doc: str
    open: OpenFn | None = None
    find: FindFn | None = None  # None: Exim knows it, this build does not implement it
    quote: QuoteFn | None = None
    options: tuple[str, ...] = ()  # name=value options the lookup understands

    @property
    def supported(self) -> bool:
        return self.find is not None


def ascii_lower(s: str) -> str:
    """strncmpic() folds only ASCII letters."""
    return s.translate(_LOWER)


_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def strerror(code: int | None) -> str:
    return os.strerror(code) if code else "Success"


def open_failed(filename: str, what: str, exc: OSError) -> ExpansionError:
    """Exim's string_open_failed(): 'failed to open F for WHAT: strerror'."""
    return ExpansionError(f"failed to open {filename} for {what}: {strerror(exc.errno)}")


def read_regular_file(filename: str, what: str, lookup: str, memo: dict | None = None) -> bytes:
    """The whole of a lookup file that must be a regular file (lf_check_file).
    ``memo`` (per context) saves re-reading a file that has not changed."""
    try:
        with RawFile(filename) as f:
            if not stat.S_ISREG(f.st.st_mode):
                raise ExpansionError(f"{filename} is not a regular file ({lookup} lookup)")
            return f.read(memo)
    except OSError as exc:
        raise open_failed(filename, what, exc) from None


class RawFile:
    """A file opened as open(2) does (a directory opens; reading it fails)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fd = os.open(name, os.O_RDONLY)
        self.st = os.fstat(self.fd)

    def __enter__(self) -> "RawFile":
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)

    def read(self, memo: dict | None = None) -> bytes:
        st = self.st
        sig = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if memo is not None:
            hit = memo.get(self.name)
            if hit is not None and hit[0] == sig:
                return hit[1]  # type: ignore[no-any-return]
        chunks = []
        while chunk := os.read(self.fd, 1 << 20):
            chunks.append(chunk)
        data = b"".join(chunks)
        if memo is not None:
            memo[self.name] = (sig, data)
        return data


def file_memo(ctx: Any) -> dict | None:
    """The per-context store of file contents read by lookups."""
    if ctx is None:
        return None
    return ctx.extra.setdefault("lookups.files", {})  # type: ignore[no-any-return]


def decode(b: bytes) -> str:
    return b.decode(ENCODING, ERRORS)


def option(opts: str | None, name: str) -> str | None:
    """The value of ``name=value`` in a comma-separated option list."""
    if not opts:
        return None
    for ele in opts.split(","):
        k, eq, v = ele.partition("=")
        if eq and k == name:
            return v
    return None


def printing(s: str) -> str:
    """string_printing2(): control and non-ASCII bytes made visible in messages."""
    out = []
    for ch in s:
        o = ord(ch)
        if 0x20 <= o < 0x7F:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        else:
            out.extend(f"\\{b:03o}" for b in ch.encode(ENCODING, ERRORS))
    return "".join(out)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\b": "\\b", "\v": "\\v", "\f": "\\f", "\t": "\\t", "\x1b": "\\e"}

__all__ = [
    "ABS_FILE_QUERY", "C_SPACE", "Defer", "Found", "LookupSpec", "QUERY", "SINGLE_KEY",
    "RawFile", "ascii_lower", "decode", "errno", "file_memo", "open_failed", "option", "printing",
    "read_regular_file", "strerror",
]
