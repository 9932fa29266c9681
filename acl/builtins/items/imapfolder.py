"""``${imapfolder{name}{sep}{specials}}``: a folder name in IMAP's modified UTF-7
(RFC 3501), with the hierarchy separator turned into ".", for Maildir++."""

from __future__ import annotations

from typing import Any

from acl.builtins.registry import ItemCall, item
from acl.runtime.values import like

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"


def _b64(units: bytes) -> str:
    """Modified base64 of UTF-16BE bytes, without padding, closed by '-'."""
    out: list[str] = []
    bits = nbits = 0
    for byte in units:
        bits = (bits << 8) | byte
        nbits += 8
        while nbits >= 6:
            nbits -= 6
            out.append(_B64[(bits >> nbits) & 0x3F])
    if nbits:
        out.append(_B64[(bits << (6 - nbits)) & 0x3F])
    return "&" + "".join(out) + "-"


def _plain(c: str, sep: str, specials: str) -> bool:
    return " " <= c < "\x7f" and c not in "./&" and c != sep and c not in specials


def encode(name: str, sep: str, specials: str) -> str:
    """The Maildir name; raises ValueError with Exim's message on a character
    that may not appear unencoded."""
    if name[:1] == sep:
        name = name[1:]
        if all(_plain(c, sep, specials) for c in name):
            return name
    elif all(_plain(c, sep, specials) for c in name):
        return name
    out: list[str] = []
    pending: list[str] = []  # characters waiting for base64 encoding
    lastsep = False

    def flush() -> None:
        if pending:
            out.append(_b64("".join(pending).encode("utf-16-be", "surrogatepass")))
            pending.clear()

    for c in name:
        if " " <= c < "\x7f" and (c == sep or c not in specials):
            flush()
            if c == sep:
                if not lastsep:
                    out.append(".")
                lastsep = True
                continue
            if c == "&":
                out.append("&-")
            elif c in "./":
                raise ValueError(f"imapfolder: illegal character '{c}'")
            else:
                out.append(c)
        else:
            pending.append(c)
        lastsep = False
    flush()
    if lastsep and out:
        out.pop()
    return "".join(out)


@item("imapfolder", args=(1, 3))
def imapfolder(ctx: Any, call: ItemCall) -> str:
    """A possibly multi-level, possibly non-ASCII folder name as a Maildir name."""
    subs = [a.expand(ctx) for a in call.args]
    name = subs[0]
    if len(subs) == 1:
        sep, specials = "/", ""
    else:
        sep = subs[1]
        if len(sep.encode("utf-8", "surrogateescape")) != 1:
            raise call.error(f'IMAP folder separator must be one character, found "{sep}"')
        specials = subs[2] if len(subs) > 2 else ""
    if any("\udc80" <= c <= "\udcff" for c in name):  # bytes that are not UTF-8
        raise call.error("imapfolder: iconv() failed to convert from UTF-8: "
                         "Invalid or incomplete multibyte or wide character")
    try:
        return like(encode(name, sep, specials), name)
    except ValueError as exc:
        raise call.error(str(exc)) from None
