"""acl.dns.udp: the packet it builds is dnspython's, and only the server's
answer to the question asked is taken (loopback responders)."""

from __future__ import annotations

import asyncio
import socket
import threading

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from acl.dns.udp import Query, udp

QNAME = dns.name.from_text("5.0.0.127.in-addr.arpa")


@pytest.mark.parametrize("edns,dnssec", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("rtype", [dns.rdatatype.A, dns.rdatatype.PTR, dns.rdatatype.TXT])
def test_wire_is_dnspythons(edns: bool, dnssec: bool, rtype: int) -> None:
    q = Query(QNAME, rtype, edns=edns, dnssec_ok=dnssec)
    ref = dns.message.make_query(QNAME, rtype, use_edns=0 if edns else False, want_dnssec=dnssec, id=q.qid)
    if dnssec:
        ref.flags |= dns.flags.AD
    assert q.wire == ref.to_wire()
    assert q.message.id == q.qid and q.message.question == ref.question


class Responder:
    """A UDP server on 127.0.0.1 that sends, for each query, the datagrams
    ``script`` makes of it (forged or stray ones first, if the test wants)."""

    def __init__(self, script) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.script = script
        threading.Thread(target=self.run, daemon=True).start()

    def run(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(4096)
            except OSError:
                return
            for out in self.script(dns.message.from_wire(data)):
                self.sock.sendto(out, addr)

    def close(self) -> None:
        self.sock.close()


def _ptr_answer(q: dns.message.Message) -> dns.message.Message:
    r = dns.message.make_response(q)
    r.answer.append(dns.rrset.from_text(q.question[0].name, 300, "IN", "PTR", "client.test."))
    return r


def _run(q: Query, port: int, timeout: float = 2.0) -> dns.message.Message:
    return asyncio.run(udp(q, "127.0.0.1", port, timeout))


def test_answer_after_forged_and_stray_datagrams() -> None:
    def script(q: dns.message.Message) -> list[bytes]:
        forged = _ptr_answer(q)
        forged.id = (q.id + 1) % 65536  # wrong id
        other = dns.message.make_query("evil.test", "PTR", id=q.id)
        wrong_q = dns.message.make_response(other)  # right id, other question
        return [b"\x00junk", forged.to_wire(), wrong_q.to_wire(), q.to_wire(), _ptr_answer(q).to_wire()]

    srv = Responder(script)
    try:
        r = _run(Query(QNAME, dns.rdatatype.PTR, edns=False, dnssec_ok=False), srv.port)
    finally:
        srv.close()
    assert [str(rd.target) for rd in r.answer[0]] == ["client.test."]


def test_silence_times_out() -> None:
    srv = Responder(lambda q: [])
    try:
        with pytest.raises(dns.exception.Timeout):
            _run(Query(QNAME, dns.rdatatype.PTR, edns=False, dnssec_ok=False), srv.port, timeout=0.2)
    finally:
        srv.close()


def test_nxdomain_is_an_answer() -> None:
    def script(q: dns.message.Message) -> list[bytes]:
        r = dns.message.make_response(q)
        r.set_rcode(dns.rcode.NXDOMAIN)
        return [r.to_wire()]

    srv = Responder(script)
    try:
        r = _run(Query(QNAME, dns.rdatatype.A, edns=True, dnssec_ok=False), srv.port)
    finally:
        srv.close()
    assert r.rcode() == dns.rcode.NXDOMAIN
