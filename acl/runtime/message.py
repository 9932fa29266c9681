"""A received message as Exim sees it: header lines, body, and the message
variables Exim derives from them.

API::

    msg = parse_message(data, smtp=True)     # bytes after DATA, dot-unstuffed
    apply_message(ctx, msg, sender="a@b.example", recipients=["x@y.example"],
                  protocol="smtp")            # headers + $message_* into ctx

``parse_message(data, smtp=False)`` reads a message the way ``exim -bem`` does
(non-SMTP input): a line holding only ``.`` ends it, carriage returns are kept
in the body, and blank body lines are not counted in ``$body_linecount``.
With ``smtp=True`` (the DATA phase) CRLF becomes LF throughout and every body
line counts. In both modes header lines lose their CR.

``apply_message`` adds the headers Exim adds at that point, and only those:
for SMTP a ``Received:`` header at the top (``received_header_text``, expanded,
then ``;`` and the date); for local input (``smtp=False``) ``Message-Id:``,
``From:`` (unless the sender is ``<>``) and ``Date:`` at the end when missing.
It sets $message_size, $message_linecount, $body_linecount, $body_zerocount,
$message_body, $message_body_end, $message_body_size, $received_count,
$message_id/$message_exim_id and $received_time; $message_headers,
$message_headers_raw, $reply_address and the ``$h_*`` family are derived from
``ctx.headers`` by the variable table. Header values are tainted.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from acl.runtime.values import TaintedStr

MAX_MESSAGE = 64 * 1024 * 1024  # bytes read from a message file
MAX_HEADER_LINES = 100_000  # bound on the header scan
BODY_VISIBLE = 500  # message_body_visible's default

DEFAULT_RECEIVED_HEADER_TEXT = (
    "Received: "
    "${if def:sender_rcvhost {from $sender_rcvhost\n\t}"
    "{${if def:sender_ident {from ${quote_local_part:$sender_ident} }}"
    "${if def:sender_helo_name {(helo=$sender_helo_name)\n\t}}}}"
    "by $primary_hostname "
    "${if def:received_protocol {with $received_protocol }}"
    "${if def:tls_in_ver { ($tls_in_ver)}}"
    "${if def:tls_in_cipher_std { tls $tls_in_cipher_std\n\t}}"
    "(Exim $version_number)\n\t"
    "${if def:sender_address {(envelope-from <$sender_address>)\n\t}}"
    "id $message_exim_id"
    "${if def:received_for {\n\tfor $received_for}}"
)


@dataclass
class Message:
    """``headers``: (name as received, text after the colon without the final
    newline, continuation lines kept), the shape of ``ExpansionContext.headers``."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    size: int = 0  # $message_size before Exim adds headers
    header_lines: int = 0  # physical lines in the header section
    separator: bool = False  # the header section was ended by a line (blank or not)
    body_linecount: int = 0
    smtp: bool = True

    @property
    def linecount(self) -> int:
        return self.header_lines + self.separator + self.body_linecount

    @property
    def zerocount(self) -> int:
        return self.body.count(b"\0")


def _text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _header_name(line: bytes) -> bytes | None:
    """The name of a header line (anything but control characters, space and
    DEL up to the colon, white space allowed before it; Exim accepts 8-bit
    names), or None when the line is not a header."""
    colon = line.find(b":")
    if colon <= 0:
        return None
    name = line[:colon].rstrip(b" \t")
    if not name or any(c <= 32 or c == 127 for c in name):
        return None
    return line[:colon]


def _split_lines(data: bytes, smtp: bool) -> list[bytes]:
    """Lines with their LF (the last one may lack it); in non-SMTP mode input
    stops at a line holding only a dot, as Exim's non-SMTP reader does."""
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    if not smtp:
        for k, line in enumerate(lines):
            if line in (b".\n", b"."):
                return lines[:k]
    return lines


def _crlf(line: bytes) -> bytes:
    return line[:-2] + b"\n" if line.endswith(b"\r\n") else line


def parse_message(data: bytes, *, smtp: bool = True) -> Message:
    """Split ``data`` into header lines and body and count what Exim counts."""
    lines = _split_lines(data[:MAX_MESSAGE], smtp)
    msg = Message(smtp=smtp)
    i = 0
    size = 0
    n = len(lines)
    while i < n and i < MAX_HEADER_LINES:
        line = _crlf(lines[i])
        bare = line.rstrip(b"\n")
        if bare[:1] in (b" ", b"\t") and msg.headers:
            name, value = msg.headers[-1]
            msg.headers[-1] = (name, value + "\n" + _text(bare))
        elif bare and _header_name(bare) is not None:
            name_b = _header_name(bare)
            assert name_b is not None
            msg.headers.append((_text(name_b), _text(bare[len(name_b) + 1 :])))
        else:
            break
        msg.header_lines += 1
        size += len(line)
        i += 1
    if i < n:
        msg.separator = True
        first = _crlf(lines[i])
        if first.strip(b"\r\n") == b"":
            size += 1  # the blank line, stored as one LF
            i += 1
        elif not smtp:
            size += len(first)  # -bem consumes the line that ends the headers
            i += 1
    body_lines = lines[i:]
    if smtp:
        body = b"".join(_crlf(line) for line in body_lines)
        count = body.count(b"\n")
    else:
        body = b"".join(body_lines)
        count = sum(1 for k, c in enumerate(body) if c == 10 and k > 0 and body[k - 1] != 10)
    if body and not body.endswith(b"\n"):
        count += 1
    msg.body = body
    msg.body_linecount = count
    msg.size = size + len(body)
    return msg


# --- what apply_message adds -------------------------------------------------

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(n: int, width: int) -> str:
    out = ""
    for _ in range(width):
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out


def new_message_id(now: float) -> str:
    """An id of Exim's shape: time, process id, sub-second part, in base 62."""
    frac = int(now % 1 * 1_000_000) // 500  # Exim's 1/2000-second resolution
    return f"{_base62(int(now), 6)}-{_base62(os.getpid(), 6)}-{_base62(frac, 2)}"


def _visible(body: bytes, limit: int, end: bool) -> str:
    part = body[-limit:] if end else body[:limit]
    return TaintedStr(_text(part.replace(b"\n", b" ").replace(b"\0", b" ")))


def sender_rcvhost(v: dict[str, str]) -> str:
    """Exim's $sender_rcvhost: host name and/or [address], HELO and ident."""
    addr = v.get("sender_host_address") or ""
    if not addr:
        return ""
    name = v.get("sender_host_name") or ""
    helo = v.get("sender_helo_name") or ""
    ident = v.get("sender_ident") or ""
    extra = []
    if name:
        if helo and helo.lower() != name.lower():
            extra.append(f"helo={helo}")
        if ident:
            extra.append(f"ident={ident}")
        inner = " ".join([f"[{addr}]", *extra])
        return TaintedStr(f"{name} ({inner})")
    if helo:
        extra.append(f"helo={helo}")
    if ident:
        extra.append(f"ident={ident}")
    return TaintedStr(f"[{addr}]" + (f" ({' '.join(extra)})" if extra else ""))


def _originator(sender: str) -> str:
    """The From: Exim writes for a local message: the caller's name from the
    password file when the sender is the caller's own address."""
    try:
        import pwd

        pw = pwd.getpwuid(os.getuid())
    except (KeyError, ImportError):
        return sender
    if sender.partition("@")[0] != pw.pw_name:
        return sender
    gecos = pw.pw_gecos.split(",", 1)[0].strip()
    return f"{gecos} <{sender}>" if gecos else sender


def _received_header(ctx: Any, tod: str) -> tuple[str, str] | None:
    from acl.expansion import expand  # the engine sits above this module

    template = ctx.option("received_header_text") or DEFAULT_RECEIVED_HEADER_TEXT
    text = str(expand(str(template), ctx))
    if not text:
        return None
    name, _, value = text.partition(":")
    return name, f"{value};\n\t{tod}"


def apply_message(
    ctx: Any,
    msg: Message,
    *,
    sender: str | None = None,
    recipients: Iterable[str] = (),
    protocol: str | None = None,
) -> None:
    """Put ``msg`` into ``ctx`` as Exim has it when the DATA ACL (or ``-bem``)
    runs. ``sender`` None keeps ``$sender_address`` as it is."""
    from acl.builtins.variables import tod_full

    v = ctx.variables
    if sender is not None:
        v["sender_address"] = sender
    if protocol is not None:
        v["received_protocol"] = protocol
    rcpts = list(recipients)
    now = ctx.clock()
    mid = v.get("message_exim_id") or new_message_id(now)
    v.update(message_id=mid, message_exim_id=mid, received_time=str(int(now)))
    tod = tod_full(time.localtime(now))
    headers = [(n, TaintedStr(val)) for n, val in msg.headers]
    received = sum(1 for n, _ in headers if n.strip().lower() == "received")
    if msg.smtp:
        if "sender_rcvhost" not in v:
            rcv = sender_rcvhost(v)
            if rcv:
                v["sender_rcvhost"] = rcv
        had_for = "received_for" in v
        if len(rcpts) == 1 and not had_for:
            v["received_for"] = rcpts[0]
        try:
            top = _received_header(ctx, tod)
        finally:
            if not had_for:
                v.pop("received_for", None)
        if top is not None:
            headers.insert(0, top)
            received += 1
    else:
        received += 1  # Exim counts the Received: it would add
        names = {n.strip().lower() for n, _ in headers}
        host = _primary_hostname(ctx)
        added = []
        if "message-id" not in names:
            added.append(("Message-Id", f" <E{mid}@{host}>"))
        s = v.get("sender_address") or ""
        if "from" not in names and s:
            added.append(("From", " " + _originator(s)))
        if "date" not in names:
            added.append(("Date", " " + tod))
        headers.extend(added)
    ctx.headers.extend(headers)
    limit = int(ctx.option("message_body_visible", BODY_VISIBLE) or BODY_VISIBLE)
    v.update(
        message_size=str(msg.size),
        message_linecount=str(msg.linecount),
        body_linecount=str(msg.body_linecount),
        body_zerocount=str(msg.zerocount),
        message_body=_visible(msg.body, limit, False),
        message_body_end=_visible(msg.body, limit, True),
        message_body_size=str(len(msg.body)),
        received_count=str(received),
    )
    if rcpts:
        v.setdefault("recipients_count", str(len(rcpts)))


def _primary_hostname(ctx: Any) -> str:
    spec = ctx.registry.variables.get("primary_hostname")
    return str(spec.getter(ctx) or "") if spec is not None else ""
