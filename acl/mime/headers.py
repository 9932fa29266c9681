"""MIME part headers as Exim 4.96's mime.c reads them: each header line is
squeezed into one ``name:value;`` string (white space and comments dropped
from names and parameter names, kept inside parameter values), the five
Content-* headers set $mime_* (lower-cased, up to the first ``;``), and the
name=, filename=, charset=, boundary= parameters (RFC 2047 decoded) and
name*= / filename*= (RFC 2231, turned into RFC 2047 and decoded) set
$mime_filename, $mime_charset and $mime_boundary. Bytes throughout."""

from __future__ import annotations

from acl.mime.stream import Stream

MAX_HEADER = 8192  # Exim's MIME_MAX_HEADER_SIZE

# header prefix -> the variable its value (up to ';', lower-cased) sets
HEADERS = (
    (b"content-type:", "mime_content_type"),
    (b"content-disposition:", "mime_content_disposition"),
    (b"content-transfer-encoding:", "mime_content_transfer_encoding"),
    (b"content-id:", "mime_content_id"),
    (b"content-description:", "mime_content_description"),
)
PARAMETERS = (
    (b"name=", "mime_filename"),
    (b"filename=", "mime_filename"),
    (b"charset=", "mime_charset"),
    (b"boundary=", "mime_boundary"),
)
_NAME, _TOKEN, _VALUE_START, _VALUE = range(4)


def get_header(f: Stream) -> bytes | None:
    """The next header line of a part, normalised and ending in ``;``; None
    at the blank line ending the headers (or at EOF, the partial line lost)."""
    out = bytearray()
    mode, depth = _NAME, 0
    c = -1
    for _ in range(len(f.data) + 1):
        c = f.getc()
        if c < 0:
            break
        if c == 0x0D:
            continue
        done = False
        if c == 0x0A:
            if out:
                c = f.getc()
                if c < 0:
                    break
                if c in (0x20, 0x09):  # a continuation: the newline and one blank go
                    continue
                f.ungetc()
            c, done = 0x3B, True
        if c < 32:
            pass  # control characters (tabs too) are dropped
        elif mode == _NAME:
            if c != 0x20:
                out.append(c)
                if c == 0x3A:
                    mode = _TOKEN
        elif mode in (_TOKEN, _VALUE_START) and (c == 0x20 or depth or c in b"()"):
            if c == 0x28 and mode == _TOKEN:
                depth += 1
            elif c == 0x29 and depth:
                depth -= 1
            elif c != 0x20 and mode == _VALUE_START:
                mode = _VALUE
                out.append(c)
        else:
            if mode == _VALUE_START:
                mode = _VALUE
            out.append(c)
            if mode == _TOKEN and c == 0x3D:
                mode = _VALUE_START
            elif mode == _VALUE and c == 0x3B:  # quotes do not protect it here
                mode = _TOKEN
        if len(out) > MAX_HEADER - 1:
            done = True
        if done:
            break
    if out and out[-1] != 0x3B:
        out[-1] = 0x3B
    if c < 0 or len(out) == 1:
        return None
    return bytes(out)


def param_value(s: bytes, p: int) -> tuple[bytes, int]:
    """Exim's mime_param_val(): the value up to ``;``, quotes removed (a
    quoted ``;`` is kept); and the position of the ``;`` (or the end)."""
    val = bytearray()
    n = len(s)
    while p < n and s[p] != 0x3B:
        if s[p] == 0x22:
            p += 1
            while p < n and s[p] != 0x22:
                val.append(s[p])
                p += 1
            p += p < n
        else:
            val.append(s[p])
            p += 1
    return bytes(val), p


def next_semicolon(s: bytes, p: int) -> int:
    return param_value(s, p)[1]


def rfc2047(b: bytes, lencheck: bool, zeroval: int) -> bytes:
    """RFC 2047 decoding without charset conversion (Exim passes no target
    charset here); NUL bytes become ``zeroval``."""
    from acl.builtins.operators.encoding import _find_word

    word = _find_word(b, 0, lencheck)
    if word is None:
        return b
    out, pos = bytearray(), 0
    for _ in range(len(b)):
        if word is None:
            break
        start, end, _q1, data = word
        out += b[pos:start] + data.replace(b"\0", bytes([zeroval]))
        pos = end
        word = _find_word(b, pos, lencheck)
        if word is not None and not b[pos:word[0]].strip(b" \t\n\r\f\v"):
            pos = word[0]  # white space between encoded words goes
    return bytes(out + b[pos:])


def rfc2231_to_2047(fname: bytes, charset: bytes | None) -> bytes:
    out = bytearray(b"=?" + (charset or b"") + b"?Q?")
    i, n = 0, len(fname)
    hexd = b"0123456789abcdefABCDEF"
    while i < n:
        if fname[i] == 0x25 and i + 2 < n and fname[i + 1] in hexd and fname[i + 2] in hexd:
            out += b"=" + fname[i + 1:i + 3]
            i += 3
        else:
            out.append(fname[i])
            i += 1
    return bytes(out + b"?=")


class _Rfc2231:
    """The pieces of one header's name*= / filename*= parameters."""

    def __init__(self) -> None:
        self.raw: bytes | None = None  # the undecoded concatenation
        self.decoded: bytes | None = None
        self.charset: bytes | None = None
        self.failed = False

    def add(self, q: bytes) -> bytes | None:
        """Add one segment; the filename so far, if decoding still works."""
        self.raw = (self.raw or b"") + q
        if self.failed:
            return None
        p = q
        if self.charset is None:
            quote = q.find(b"'")
            if quote >= 0:
                if quote > 0:
                    self.charset = q[:quote]
                p = q[quote + 1:].lstrip(b"'")
        encoded = rfc2231_to_2047(p, self.charset)
        plain = rfc2047(encoded, False, 0x20)
        if len(plain) == len(encoded):
            self.failed = True
            return None
        self.decoded = (self.decoded or b"") + plain
        return self.decoded


def _startswith_ci(s: bytes, p: int, prefix: bytes) -> bool:
    return s[p:p + len(prefix)].lower() == prefix


def apply_header(header: bytes, out: dict[str, bytes | None], lencheck: bool) -> None:
    """Set the variables (bytes, in ``out``) one normalised header line gives."""
    low = header.lower()
    for prefix, var in HEADERS:
        if not low.startswith(prefix):
            continue
        p = len(prefix)
        q = header.find(b";", p)
        q = len(header) if q < 0 else q
        out[var] = header[p:q].lower()
        p = q + (q < len(header))
        ext = _Rfc2231()
        for _ in range(len(header) + 1):
            if p >= len(header):
                break
            if _startswith_ci(header, p, b"filename*") or _startswith_ci(header, p, b"name*"):
                eq = header.find(b"=", p)
                p = len(header) if eq < 0 else eq + 1
                val, p = param_value(header, p)
                if val:
                    name = ext.add(val)
                    if name is not None:
                        out["mime_filename"] = name
            else:
                for pname, pvar in PARAMETERS:
                    if _startswith_ci(header, p, pname):
                        val, p = param_value(header, p + len(pname))
                        out[pvar] = rfc2047(val, lencheck, 0x20) if val else None
                        break
            p = next_semicolon(header, p)
            p += p < len(header)
        if prefix == b"content-disposition:" and ext.failed:
            out["mime_filename"] = ext.raw
