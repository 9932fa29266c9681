"""One DNS question over UDP for an asyncio event loop, without dnspython's
asyncio transport: a connected non-blocking socket (a fresh one per question,
so the kernel picks a random source port, and only the server's datagrams
reach it), the loop's reader callback and one timer. The query's wire form is
built directly. Measured: about a fifth of dnspython's CPU per question on
uvloop, where a server makes several per connection (host_lookup, dnslists).

Responses are checked as a stub resolver must: same id, QR set, the same
question; anything else (a stray or forged datagram, a malformed packet) is
ignored and the wait goes on until the deadline.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import struct

import dns.exception
import dns.message
import dns.name
import dns.rdataclass

EDNS_PAYLOAD = 1232  # dnspython's default, so both paths send the same packet
_RD, _AD, _QR = 0x0100, 0x0020, 0x8000
MAX_DATAGRAMS = 64  # unexpected datagrams tolerated per question


class Query:
    """A question's packet (and, for TCP or the blocking path, its dnspython
    message, built on demand from the same bytes)."""

    __slots__ = ("qname", "rtype", "qid", "wire", "_message")

    def __init__(self, qname: dns.name.Name, rtype: int, *, edns: bool, dnssec_ok: bool) -> None:
        self.qname, self.rtype = qname, rtype
        self.qid = secrets.randbits(16)
        flags = _RD | (_AD if dnssec_ok else 0)
        wire = struct.pack("!HHHHHH", self.qid, flags, 1, 0, 0, 1 if edns else 0)
        wire += qname.to_wire() + struct.pack("!HH", rtype, dns.rdataclass.IN)
        if edns:  # OPT: root name, type 41, payload, DO bit in the TTL field
            wire += b"\x00" + struct.pack("!HHIH", 41, EDNS_PAYLOAD, 0x8000 if dnssec_ok else 0, 0)
        self.wire = wire
        self._message: dns.message.Message | None = None

    @property
    def message(self) -> dns.message.Message:
        if self._message is None:
            self._message = dns.message.from_wire(self.wire)
        return self._message

    def answers(self, data: bytes) -> dns.message.Message | None:
        """The response in ``data`` if it answers this question, else None."""
        if len(data) < 12 or data[:2] != self.wire[:2] or not data[2] & 0x80:
            return None
        try:
            r = dns.message.from_wire(data, ignore_trailing=True)
        except dns.exception.DNSException:
            return None
        if r.id != self.qid or not r.flags & _QR:
            return None
        # A truncated reply may come without its question section.
        if r.question and (len(r.question) != 1 or r.question[0].name != self.qname
                           or r.question[0].rdtype != self.rtype):
            return None
        return r


async def udp(query: Query, server: str, port: int, timeout: float) -> dns.message.Message:
    """Send ``query`` to ``server`` and wait up to ``timeout`` seconds for its
    answer; dns.exception.Timeout or OSError otherwise."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    fd = sock.fileno()
    try:
        sock.setblocking(False)
        sock.connect((server, port))
        sock.send(query.wire)
        deadline = loop.time() + timeout
        for _ in range(MAX_DATAGRAMS):
            data = await _datagram(loop, sock, fd, deadline)
            r = query.answers(data)
            if r is not None:
                return r
        raise dns.exception.Timeout
    finally:
        sock.close()


async def _datagram(loop: asyncio.AbstractEventLoop, sock: socket.socket, fd: int,
                    deadline: float) -> bytes:
    while True:
        try:
            return sock.recv(65535)
        except BlockingIOError:
            pass
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise dns.exception.Timeout
        ready: asyncio.Future[None] = loop.create_future()
        loop.add_reader(fd, _wake, ready)
        timer = loop.call_later(remaining, _wake, ready)
        try:
            await ready
        finally:
            loop.remove_reader(fd)
            timer.cancel()


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
