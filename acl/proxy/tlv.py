"""PROXY v2 type-length-value records (the bytes after the address block).

Exim 4.96 reads them but looks at none, so a malformed TLV area never fails
the session here either: parsing stops at the first record that does not fit
and the problem is kept in ``Tlvs.error`` for the caller to see."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

PP2_TYPE_ALPN = 0x01
PP2_TYPE_AUTHORITY = 0x02
PP2_TYPE_CRC32C = 0x03
PP2_TYPE_NOOP = 0x04
PP2_TYPE_UNIQUE_ID = 0x05
PP2_TYPE_SSL = 0x20
PP2_SUBTYPE_SSL_VERSION = 0x21
PP2_SUBTYPE_SSL_CN = 0x22
PP2_SUBTYPE_SSL_CIPHER = 0x23
PP2_SUBTYPE_SSL_SIG_ALG = 0x24
PP2_SUBTYPE_SSL_KEY_ALG = 0x25
PP2_TYPE_NETNS = 0x30

PP2_CLIENT_SSL = 0x01
PP2_CLIENT_CERT_CONN = 0x02
PP2_CLIENT_CERT_SESS = 0x04

MAX_UNIQUE_ID = 128  # the protocol's own limit on PP2_TYPE_UNIQUE_ID


@dataclass(frozen=True)
class SslInfo:
    client: int  # PP2_CLIENT_* bits
    verify: int  # 0: the client presented a certificate that verified
    version: str | None = None
    cn: str | None = None
    cipher: str | None = None
    sig_alg: str | None = None
    key_alg: str | None = None

    @property
    def used_ssl(self) -> bool:
        return bool(self.client & PP2_CLIENT_SSL)


@dataclass(frozen=True)
class Tlvs:
    records: tuple[tuple[int, bytes], ...] = ()
    error: str | None = None
    crc_ok: bool | None = None  # None: no CRC32C record
    ssl: SslInfo | None = None

    def first(self, kind: int) -> bytes | None:
        for k, v in self.records:
            if k == kind:
                return v
        return None

    def text(self, kind: int) -> str | None:
        v = self.first(kind)
        return None if v is None else v.decode("utf-8", "replace")


def split_records(data: bytes) -> tuple[list[tuple[int, bytes]], str | None]:
    """(type, value) pairs; the error text when the area does not parse.
    Bounded by the data: each pass consumes at least three bytes."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 3:
            return out, f"{len(data) - pos} stray octets after the last TLV"
        kind = data[pos]
        (n,) = struct.unpack_from("!H", data, pos + 1)
        if pos + 3 + n > len(data):
            return out, f"TLV 0x{kind:02x} claims {n} octets, {len(data) - pos - 3} left"
        out.append((kind, data[pos + 3:pos + 3 + n]))
        pos += 3 + n
    return out, None


def _ssl(value: bytes) -> tuple[SslInfo | None, str | None]:
    if len(value) < 5:
        return None, "PP2_TYPE_SSL shorter than 5 octets"
    client = value[0]
    (verify,) = struct.unpack_from("!I", value, 1)
    subs, err = split_records(value[5:])
    names = {PP2_SUBTYPE_SSL_VERSION: "version", PP2_SUBTYPE_SSL_CN: "cn",
             PP2_SUBTYPE_SSL_CIPHER: "cipher", PP2_SUBTYPE_SSL_SIG_ALG: "sig_alg",
             PP2_SUBTYPE_SSL_KEY_ALG: "key_alg"}
    found = {names[k]: v.decode("utf-8", "replace") for k, v in subs if k in names}
    return SslInfo(client=client, verify=verify, **found), err


def parse_tlvs(data: bytes, whole_header: bytes) -> Tlvs:
    """The TLV area ``data``; ``whole_header`` (signature included) is what a
    CRC32C record covers."""
    records, error = split_records(data)
    ssl = None
    crc_ok = None
    for kind, value in records:
        if kind == PP2_TYPE_SSL and ssl is None:
            ssl, err = _ssl(value)
            error = error or err
        elif kind == PP2_TYPE_CRC32C and crc_ok is None:
            crc_ok = len(value) == 4 and _check_crc(whole_header, value)
        elif kind == PP2_TYPE_UNIQUE_ID and len(value) > MAX_UNIQUE_ID:
            error = error or f"PP2_TYPE_UNIQUE_ID of {len(value)} octets"
    return Tlvs(records=tuple(records), error=error, crc_ok=crc_ok, ssl=ssl)


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), as the PROXY v2 checksum record uses."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _check_crc(header: bytes, value: bytes) -> bool:
    """The checksum is computed with its own four octets zeroed."""
    at = header.find(bytes([PP2_TYPE_CRC32C, 0, 4]) + value, 16)
    if at < 0:
        return False
    zeroed = header[:at + 3] + b"\0\0\0\0" + header[at + 7:]
    return crc32c(zeroed) == struct.unpack("!I", value)[0]
