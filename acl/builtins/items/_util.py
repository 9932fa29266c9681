"""Helpers shared by the item modules: Exim's byte view of strings, escape
sequences, line-wise reading as ``cat_file()`` does it, and open-failure text."""

from __future__ import annotations

import os
from typing import Any, Iterable

from acl.runtime.escapes import unescape_until

ENCODING = "utf-8"
ERRORS = "surrogateescape"


def to_bytes(s: str) -> bytes:
    return s.encode(ENCODING, ERRORS)


def from_bytes(b: bytes) -> str:
    return b.decode(ENCODING, ERRORS)


def unescape(s: str) -> str:
    """Every backslash sequence in ``s`` interpreted (``string_unprinting``)."""
    return unescape_until(s, 0)[0]


def fgets_chunks(data: bytes) -> Iterable[bytes]:
    """The pieces ``fgets()`` with a 1024-byte buffer returns, each cut at its
    first NUL as ``strlen()`` would."""
    pos, n = 0, len(data)
    while pos < n:
        nl = data.find(b"\n", pos, pos + 1023)
        end = nl + 1 if nl >= 0 else min(pos + 1023, n)
        chunk = data[pos:end]
        pos = end
        z = chunk.find(b"\0")
        yield chunk if z < 0 else chunk[:z]


def cat_file(data: bytes, eol: str | None) -> str:
    """Exim's ``cat_file()``: the data, with each newline replaced by ``eol``
    when one is given (an empty ``eol`` deletes newlines)."""
    if eol is None:
        return from_bytes(b"".join(fgets_chunks(data)))
    e = to_bytes(eol)
    out: list[bytes] = []
    for chunk in fgets_chunks(data):
        if chunk.endswith(b"\n"):
            out.append(chunk[:-1])
            out.append(e)
        else:
            out.append(chunk)
    return from_bytes(b"".join(out))


def open_failed(name: str, err: OSError) -> str:
    """``string_open_failed()``: the reason, plus the ids when access was denied."""
    msg = f"failed to open {name}: {os.strerror(err.errno or 0)}"
    if err.errno == 13:
        msg += f" (euid={os.geteuid()} egid={os.getegid()})"
    return msg


def set_var(ctx: Any, name: str, value: str | None) -> None:
    """Set (or, with None, unset) a variable kept in ``ctx.variables``."""
    if value is None:
        ctx.variables.pop(name, None)
    else:
        ctx.variables[name] = value


def too_few(name: str, lo: int) -> str:
    return f"Not enough arguments for '{name}' (min is {lo})"


def too_many(name: str, hi: int) -> str:
    return f"Too many arguments for '{name}' (max is {hi})"
