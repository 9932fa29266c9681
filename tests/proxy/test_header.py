"""The parser on whole headers (outcomes checked against Exim's daemon: see
recordings/exim_daemon.json for the same headers on a socket)."""

from __future__ import annotations

import asyncio

import pytest

from acl.proxy import ProxyError, parse, read_proxy_header
from acl.proxy.tlv import crc32c
from tests.proxy.cases import CASES, V4, V6, ip4, tlv, v2


def test_v1_tcp4_and_tcp6() -> None:
    a = parse(b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 25\r\n")
    assert (a.kind, a.src_address, a.src_port, a.dst_address, a.dst_port) == \
        ("IPv4", "192.0.2.1", 12345, "192.0.2.2", 25)
    b = parse(b"PROXY TCP6 2001:db8::1 2001:db8::2 12345 25\r\n")
    assert (b.kind, b.src_address, b.dst_address) == ("IPv6", "2001:db8::1", "2001:db8::2")


def test_v1_unknown_keeps_the_connection_address() -> None:
    assert not parse(b"PROXY UNKNOWN\r\n").relayed
    assert not parse(b"PROXY UNKNOWN 192.0.2.1 192.0.2.2 1 2\r\n").relayed


@pytest.mark.parametrize("line", [b"PROXY\tTCP4 192.0.2.1 192.0.2.2 12345 25\r\n",
                                  b"PROXY TCP4 2001:db8::1 2001:db8::2 12345 25\r\n",
                                  b"PROXY TCP4 192.0.2.1 192.0.2.2 99999 25\r\n"])
def test_v1_leniencies_exim_has(line: bytes) -> None:
    assert parse(line).relayed


@pytest.mark.parametrize("line", [
    b"PROXY TCP4 192.0.2.1 192.0.2.2 12345\r\n", b"PROXY TCP4 192.0.2.1 192.0.2.2 0 25\r\n",
    b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 smtp\r\n", b"PROXY TCP4 192.0.2.300 192.0.2.2 1 25\r\n",
    b"PROXY TCP4  192.0.2.1 192.0.2.2 12345 25\r\n", b"proxy TCP4 192.0.2.1 192.0.2.2 1 25\r\n",
    b"PROXY TCP5 192.0.2.1 192.0.2.2 12345 25\r\n", b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 25\n",
    b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 25 \r\n", b"GARBAGE\r\n", b"",
    b"PROXY TCP4 " + b"1" * 120 + b"\r\n", bytes(range(256))])
def test_v1_malformed(line: bytes) -> None:
    with pytest.raises(ProxyError):
        parse(line)


def test_v1_failure_keeps_what_was_parsed() -> None:
    with pytest.raises(ProxyError) as e:
        parse(b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 smtp\r\n")
    p = e.value.partial
    assert p is not None and (p.src_address, p.src_port, p.dst_address, p.dst_port) == \
        ("192.0.2.1", 12345, "192.0.2.2", None)


def test_v2_families_and_local() -> None:
    a = parse(v2(1, 0x11, V4))
    assert (a.version, a.src_address, a.src_port, a.dst_port) == (2, "192.0.2.1", 12345, 25)
    assert parse(v2(1, 0x21, V6)).src_address == "2001:db8::1"
    local = parse(v2(0, 0x11, V4))
    assert local.kind == "local" and not local.relayed


def test_v2_tlvs() -> None:
    ssl = bytes([1]) + b"\0\0\0\0" + tlv(0x21, b"TLSv1.3") + tlv(0x22, b"client.example")
    body = V4 + tlv(1, b"smtp") + tlv(2, b"mx.example") + tlv(5, b"id-1") + tlv(0x20, ssl)
    info = parse(v2(1, 0x11, body))
    assert info.tlvs.text(1) == "smtp" and info.tlvs.text(2) == "mx.example"
    assert info.tlvs.text(5) == "id-1" and info.tlvs.error is None
    assert info.tlvs.ssl is not None and info.tlvs.ssl.used_ssl
    assert (info.tlvs.ssl.version, info.tlvs.ssl.cn) == ("TLSv1.3", "client.example")


def test_v2_crc32c() -> None:
    assert crc32c(b"123456789") == 0xE3069283  # the standard check value
    head = v2(1, 0x11, V4 + tlv(3, b"\0\0\0\0"))
    good = head[:-4] + crc32c(head).to_bytes(4, "big")
    assert parse(good).tlvs.crc_ok is True
    assert parse(head[:-4] + b"\1\2\3\4").tlvs.crc_ok is False


def test_v2_bad_tlvs_do_not_fail_the_session() -> None:  # Exim ignores them
    info = parse(v2(1, 0x11, V4 + b"\x01\x00\x09ab"))
    assert info.relayed and info.tlvs.error


@pytest.mark.parametrize("name", ["v2_udp4", "v2_unix", "v2_unspec_proxy", "v2_bad_version",
                                  "v2_bad_command", "v2_length_huge", "v2_tlvs_oversized"])
def test_v2_malformed(name: str) -> None:
    with pytest.raises(ProxyError):
        parse(CASES[name][0][0])


def test_v2_short_address_block() -> None:
    with pytest.raises(ProxyError):
        parse(v2(1, 0x11, ip4("192.0.2.1", "192.0.2.2", 1, 2)[:6]))


def _read(data: bytes, eof: bool = True, timeout: float = 0.3) -> tuple[object, bytes]:
    async def go() -> tuple[object, bytes]:
        r = asyncio.StreamReader()
        r.feed_data(data)
        if eof:
            r.feed_eof()
        got = await read_proxy_header(r, timeout)
        return got, bytes(r._buffer)
    return asyncio.run(go())


def test_reader_leaves_what_follows() -> None:
    for head in (b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 25\r\n", v2(1, 0x11, V4)):
        got, rest = _read(head + b"EHLO x\r\n")
        assert not isinstance(got, ProxyError) and rest == b"EHLO x\r\n"


def test_reader_bounded_and_timed() -> None:
    got, _ = _read(b"PROXY TCP4 192.0.2.1", eof=False, timeout=0.2)
    assert isinstance(got, ProxyError) and "Timeout" in got.message
    got, rest = _read(b"PROXY TCP4 " + b"1" * 10_000 + b"\r\n")
    assert isinstance(got, ProxyError) and len(rest) > 9_000  # stopped at Exim's buffer size
    got, _ = _read(v2(1, 0x11, V4)[:20])
    assert isinstance(got, ProxyError)
