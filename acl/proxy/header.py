"""PROXY protocol headers, v1 (a text line) and v2 (binary), parsed the way
Exim 4.96's setup_proxy() does (smtp_in.c), including its leniencies: any
white space after "PROXY", an address of either family after TCP4 or TCP6,
ports read by strtol (so "+25" and 99999 pass, 0 does not).

Exim sets the client's address before it has checked the rest of a v1 line,
so a header that fails half-way still changes $sender_host_address; a
:class:`ProxyError` carries those partial values in ``partial``."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field, replace

from acl.errors import AclError
from acl.proxy.tlv import Tlvs, parse_tlvs
from acl.runtime.lists import is_ip

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
INITIAL_READ = 14  # Exim's first read: enough to tell v1 from v2
V2_HEADER_SIZE = 16
MAX_HEADER = 232  # Exim's header buffer (16 octets + the AF_UNIX address block)
_C_SPACE = b" \t\n\v\f\r"


@dataclass(frozen=True)
class ProxyInfo:
    """What a header said. ``src_*`` is the real client, ``dst_*`` the
    address it reached on the proxy; both None for LOCAL and UNKNOWN."""

    version: int  # 1 or 2
    kind: str  # Exim's iptype: "IPv4", "IPv6", "Unknown" (v1), "local" (v2 LOCAL)
    src_address: str | None = None
    src_port: int | None = None
    dst_address: str | None = None
    dst_port: int | None = None
    tlvs: Tlvs = field(default_factory=Tlvs)
    length: int = 0  # octets of the header

    @property
    def relayed(self) -> bool:
        """Did the header name a client (so the connection's address is replaced)?"""
        return self.src_address is not None


class ProxyError(AclError):
    """Negotiation failed; ``message`` is the reason Exim's debug output gives."""

    def __init__(self, message: str, partial: ProxyInfo | None = None) -> None:
        super().__init__(message)
        self.partial = partial


def _strtol_port(text: bytes) -> int | None:
    """strtol(text, &end, 10) with Exim's checks (*end == 0, value != 0),
    stored in a C int as Exim does; None when refused."""
    s = text.lstrip(_C_SPACE)
    negative = s[:1] == b"-"
    if s[:1] in (b"+", b"-"):
        s = s[1:]
    if not (s.isascii() and s.isdigit()):  # strtol stopped early, or read nothing
        return None
    value = -min(int(s), 1 << 63) if negative else min(int(s), (1 << 63) - 1)
    value &= 0xFFFFFFFF  # long to int: the low 32 bits
    value = value - (1 << 32) if value >= 1 << 31 else value
    return value or None


def parse_v1(line: bytes) -> ProxyInfo:
    """A v1 header: ``line`` is everything read, through the CR LF."""
    text = line.split(b"\0", 1)[0]  # Exim copies it as a C string
    cr = text.find(b"\r", 0, max(0, len(line) - 1))
    if cr < 0 or text[cr + 1:cr + 2] != b"\n":
        raise ProxyError("Partial or invalid PROXY header")
    p = text[:cr]
    if not p.startswith(b"PROXY") or p[5:6] == b"" or p[5:6] not in _C_SPACE:
        raise ProxyError("Missing space after PROXY command")
    p = p[6:]
    if p.startswith(b"TCP4"):
        kind = "IPv4"
    elif p.startswith(b"TCP6"):
        kind = "IPv6"
    elif p.startswith(b"UNKNOWN"):
        return ProxyInfo(version=1, kind="Unknown", length=cr + 2)
    else:
        raise ProxyError("Invalid TCP type")
    if p[4:5] == b"" or p[4:5] not in _C_SPACE:
        raise ProxyError("Missing space after TCP4/6 command")
    info = ProxyInfo(version=1, kind=kind, length=cr + 2)
    fields = p[5:].split(b" ", 3)
    if len(fields) < 2:
        raise ProxyError(f"Did not find proxied src {kind}")
    src = fields[0].decode("latin-1")
    if not is_ip(src):
        raise ProxyError(f"Proxied src arg is not an {kind} address")
    info = replace(info, src_address=src)
    if len(fields) < 3:
        raise ProxyError(f"Did not find proxy dest {kind}", info)
    dst = fields[1].decode("latin-1")
    if not is_ip(dst):
        raise ProxyError(f"Proxy dest arg is not an {kind} address", info)
    info = replace(info, dst_address=dst)
    if len(fields) < 4:
        raise ProxyError("Did not find proxied src port", info)
    sport = _strtol_port(fields[2])
    if sport is None:
        raise ProxyError(f"Proxied src port '{fields[2].decode('latin-1')}' not an integer", info)
    info = replace(info, src_port=sport)
    dport = _strtol_port(fields[3])
    if dport is None:
        raise ProxyError(f"Proxy dest port '{fields[3].decode('latin-1')}' not an integer", info)
    return replace(info, dst_port=dport)


def v2_size(first16: bytes) -> int:
    """The whole v2 header's length from its first 16 octets (version checked)."""
    ver = first16[12] >> 4
    if ver != 2:
        raise ProxyError(f"Invalid Proxy Protocol version: {ver}")
    size = V2_HEADER_SIZE + struct.unpack_from("!H", first16, 14)[0]
    if size > MAX_HEADER:
        raise ProxyError("Truncated or too large PROXYv2 header")
    return size


def parse_v2(header: bytes) -> ProxyInfo:
    """A complete v2 header (signature included)."""
    if len(header) < V2_HEADER_SIZE or not header.startswith(V2_SIGNATURE):
        raise ProxyError("Invalid proxy protocol version negotiation")
    size = v2_size(header)
    if len(header) != size:
        raise ProxyError("Truncated or too large PROXYv2 header")
    cmd, fam = header[12] & 0x0F, header[13]
    body = header[V2_HEADER_SIZE:]
    if cmd == 0x00:  # LOCAL: the proxy speaking for itself (a health check)
        skip = {0x11: 12, 0x12: 12, 0x21: 36, 0x22: 36, 0x31: 216, 0x32: 216}.get(fam, 0)
        return ProxyInfo(version=2, kind="local", length=size,
                         tlvs=parse_tlvs(body[skip:], header) if len(body) >= skip else Tlvs())
    if cmd != 0x01:
        raise ProxyError(f"Unsupported PROXYv2 command: 0x{cmd:x}")
    if fam == 0x11:
        kind, af, alen = "IPv4", socket.AF_INET, 4
    elif fam == 0x21:
        kind, af, alen = "IPv6", socket.AF_INET6, 16
    else:
        raise ProxyError(f"Unsupported PROXYv2 connection type: 0x{fam:02x}")
    block = 2 * alen + 4
    if len(body) < block:
        # Exim reads whatever its buffer holds there; refusing is the safe reading.
        raise ProxyError(f"PROXYv2 {kind} address block needs {block} octets, has {len(body)}")
    src = socket.inet_ntop(af, body[:alen])
    dst = socket.inet_ntop(af, body[alen:2 * alen])
    sport, dport = struct.unpack_from("!HH", body, 2 * alen)
    return ProxyInfo(version=2, kind=kind, src_address=src, src_port=sport, dst_address=dst,
                     dst_port=dport, length=size, tlvs=parse_tlvs(body[block:], header))


def parse(data: bytes) -> ProxyInfo:
    """A whole header given at once (tests, tools): v1 or v2 by its first octets."""
    if data.startswith(V2_SIGNATURE):
        if len(data) < V2_HEADER_SIZE:
            raise ProxyError("Truncated or too large PROXYv2 header")
        return parse_v2(data[:v2_size(data)])
    if len(data) >= 8 and data.startswith(b"PROXY"):
        if len(data) > MAX_HEADER:
            data = data[:MAX_HEADER]
        return parse_v1(data)
    raise ProxyError("Invalid proxy protocol version negotiation")
