"""Client scenarios for a server that requires a PROXY header from 127.0.0.1:
each one is recorded from Exim 4.96's daemon by record_exim.py and replayed
against exim-acl by the tests. A step is bytes to send, a float (seconds to
wait), or the marker BANNER (read the greeting before going on)."""

from __future__ import annotations

import socket
import struct
import time
from typing import Any

BANNER = "banner"
# The ACLs of the recording configuration: the connect ACL logs what a header set.
ACLS = """acl_smtp_connect = connect
acl_smtp_rcpt = accept
begin acl
connect:
  warn logwrite = CONNECT session=$proxy_session ext=$proxy_external_address:$proxy_external_port \\
         local=$proxy_local_address:$proxy_local_port \\
         host=$sender_host_address:$sender_host_port recv=$received_ip_address:$received_port
"""
SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def v2(cmd: int, fam: int, body: bytes, ver: int = 2, length: int | None = None) -> bytes:
    n = len(body) if length is None else length
    return SIG + bytes([(ver << 4) | cmd, fam]) + struct.pack("!H", n) + body


def ip4(src: str, dst: str, sport: int, dport: int) -> bytes:
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)


def ip6(src: str, dst: str, sport: int, dport: int) -> bytes:
    return (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
            + struct.pack("!HH", sport, dport))


def tlv(kind: int, value: bytes) -> bytes:
    return bytes([kind]) + struct.pack("!H", len(value)) + value


V4 = ip4("192.0.2.1", "192.0.2.2", 12345, 25)
V6 = ip6("2001:db8::1", "2001:db8::2", 12345, 25)
MAIL = [b"EHLO client.example\r\n", b"MAIL FROM:<a@example.com>\r\n", b"RCPT TO:<b@test.example>\r\n",
        b"DATA\r\n", b"Subject: hi\r\n\r\nbody\r\n.\r\n", b"QUIT\r\n"]
SHORT = [b"EHLO client.example\r\n", b"QUIT\r\n"]
REFUSED = [b"EHLO client.example\r\n", b"MAIL FROM:<a@example.com>\r\n", b"NOOP\r\n", b"QUIT\r\n"]

# name -> (steps before the banner, commands after it, each sent after the previous reply)
CASES: dict[str, tuple[list[Any], list[bytes]]] = {
    "v1_tcp4": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 25\r\n"], MAIL),
    "v1_tcp6": ([b"PROXY TCP6 2001:db8::1 2001:db8::2 12345 25\r\n"], MAIL),
    "v1_unknown": ([b"PROXY UNKNOWN\r\n"], SHORT),
    "v1_unknown_mail": ([b"PROXY UNKNOWN\r\n"], MAIL),
    "v1_long_port": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 " + b"0" * 150 + b"25\r\n"], SHORT),
    "v1_over_buffer": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 " + b"0" * 200 + b"25\r\n"], SHORT),
    "v1_unknown_addresses": ([b"PROXY UNKNOWN 192.0.2.1 192.0.2.2 12345 25\r\n"], SHORT),
    "v1_in_pieces": ([b"PROXY TCP4 192.0", 0.5, b".2.1 192.0.2.2 12345 25\r\n"], SHORT),
    "v1_family_mismatch": ([b"PROXY TCP4 2001:db8::1 2001:db8::2 12345 25\r\n"], SHORT),
    "v1_missing_port": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 12345\r\n"], REFUSED),
    "v1_port_zero": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 0 25\r\n"], SHORT),
    "v1_port_word": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 smtp\r\n"], SHORT),
    "v1_port_big": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 99999 25\r\n"], SHORT),
    "v1_bad_address": ([b"PROXY TCP4 192.0.2.300 192.0.2.2 12345 25\r\n"], SHORT),
    "v1_bad_dest": ([b"PROXY TCP4 192.0.2.1 nowhere 12345 25\r\n"], SHORT),
    "v1_double_space": ([b"PROXY TCP4  192.0.2.1 192.0.2.2 12345 25\r\n"], SHORT),
    "v1_lowercase": ([b"proxy TCP4 192.0.2.1 192.0.2.2 12345 25\r\n"], SHORT),
    "v1_bad_protocol": ([b"PROXY TCP5 192.0.2.1 192.0.2.2 12345 25\r\n"], SHORT),
    "v1_no_space": ([b"PROXY\tTCP4 192.0.2.1 192.0.2.2 12345 25\r\n"], SHORT),
    "v1_lf_only": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 25\n"], SHORT),
    "v1_too_long": ([b"PROXY TCP4 " + b"1" * 120 + b"\r\n"], SHORT),
    "v1_trailing_space": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 25 \r\n"], SHORT),
    "v1_then_pipelined": ([b"PROXY TCP4 192.0.2.1 192.0.2.2 12345 25\r\nEHLO early\r\n"], SHORT),
    "v1_partial_slow": ([b"PROXY TCP4 192.0.2.1"], SHORT),
    "v1_partial_close": ([b"PROXY TCP4 192.0.2.1", "close"], []),
    "no_header_silent": ([], REFUSED),
    "no_header_ehlo": ([b"EHLO client.example\r\n"], SHORT),
    "no_header_long_pipeline": ([b"EHLO client.example\r\nMAIL FROM:<a@example.com>\r\n"], SHORT),
    "garbage_line": ([b"GARBAGE\r\n"], SHORT),
    "garbage_binary": ([bytes(range(256)) * 2], SHORT),
    "v2_tcp4": ([v2(1, 0x11, V4)], MAIL),
    "v2_tcp6": ([v2(1, 0x21, V6)], MAIL),
    "v2_local": ([v2(0, 0x00, b"")], SHORT),
    "v2_local_mail": ([v2(0, 0x00, b"")], MAIL),
    "v2_local_with_addresses": ([v2(0, 0x11, V4)], SHORT),
    "v2_tlvs": ([v2(1, 0x11, V4 + tlv(1, b"smtp") + tlv(2, b"mx.example") + tlv(5, b"id-1234"))],
                SHORT),
    "v2_tlvs_oversized": ([v2(1, 0x11, V4 + tlv(2, b"a" * 240))], SHORT),
    "v2_udp4": ([v2(1, 0x12, V4)], SHORT),
    "v2_unix": ([v2(1, 0x31, b"\0" * 216)], SHORT),
    "v2_unspec_proxy": ([v2(1, 0x00, b"")], SHORT),
    "v2_bad_version": ([v2(1, 0x11, V4, ver=1)], SHORT),
    "v2_bad_command": ([v2(2, 0x11, V4)], SHORT),
    "v2_length_huge": ([v2(1, 0x11, V4, length=0xFFFF)], SHORT),
    "v2_truncated_slow": ([v2(1, 0x11, V4)[:20]], SHORT),
    "v2_truncated_close": ([v2(1, 0x11, V4)[:20], "close"], []),
    "v2_signature_only_slow": ([SIG], SHORT),
    "v2_then_pipelined": ([v2(1, 0x11, V4) + b"EHLO early\r\n"], SHORT),
    "slow_complete_header": ([b"PROXY TCP4 ", 1.0, b"192.0.2.1 192.0.2.2 ", 1.0, b"12345 25\r\n"], SHORT),
}


def read_reply(s: socket.socket, deadline: float) -> bytes:
    """One complete SMTP reply (through its last line), or what came before EOF."""
    out = b""
    while time.monotonic() < deadline:
        lines = out.split(b"\r\n")
        if len(lines) > 1 and any(len(x) >= 4 and x[3:4] == b" " for x in lines[:-1]):
            return out
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            got = s.recv(65536)
        except (socket.timeout, OSError):
            return out
        if not got:
            return out + b"<EOF>"
        out += got
    return out


def play(host: str, port: int, steps: list[Any], commands: list[bytes],
         limit: float = 10.0) -> dict[str, Any]:
    """Run one scenario; the outcome is what the recordings hold."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(limit)
    s.connect((host, port))
    start = time.monotonic()
    result: dict[str, Any] = {"replies": [], "client_port": s.getsockname()[1]}
    try:
        for step in steps:
            if step == "close":
                s.close()
                result["banner"] = None
                return result
            if isinstance(step, float):
                time.sleep(step)
            else:
                s.sendall(step)
        banner = read_reply(s, time.monotonic() + limit)
        result["banner_after"] = round(time.monotonic() - start)
        result["banner"] = banner.decode("latin-1")
        for cmd in commands:
            if banner.endswith(b"<EOF>"):
                break
            try:
                s.sendall(cmd)
            except OSError:
                result["replies"].append("<send failed>")
                break
            reply = read_reply(s, time.monotonic() + limit).decode("latin-1")
            result["replies"].append(reply)
            if reply.endswith("<EOF>"):
                break
    finally:
        s.close()
    return result
