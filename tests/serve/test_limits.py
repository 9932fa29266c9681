"""Connection limits, timeouts and hostile input. Replies and log lines are
the ones Exim 4.96's daemon gave for the same configuration (observed with
exim -bd on loopback)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.serve.support import InProcess, converse, state_for

CONF = """primary_hostname = test.example
smtp_accept_max = 3
smtp_accept_max_per_host = 1
smtp_accept_reserve = 1
smtp_reserve_hosts = 127.0.0.2
smtp_receive_timeout = 1s
acl_smtp_rcpt = accept
queue_only
"""


def _connect(port: int, source: str) -> socket.socket:
    s = socket.socket()
    s.settimeout(5)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def _server(tmp_path: Path, text: str = CONF) -> InProcess:
    conf = tmp_path / "c.conf"
    conf.write_text(text)
    return InProcess(state_for(conf, tmp_path / "spool"))


def _log(tmp_path: Path) -> str:
    return (tmp_path / "spool" / "mainlog").read_text()


def test_max_per_host_and_reserve(tmp_path: Path) -> None:
    with _server(tmp_path) as srv:
        a = _connect(srv.port, "127.0.0.1")
        assert a.recv(200).startswith(b"220 test.example ESMTP Exim 4.96 ")
        b = _connect(srv.port, "127.0.0.1")
        assert b.recv(200) == (b"421 Too many concurrent SMTP connections from this IP address; "
                               b"please try again later.\r\n")
        r = _connect(srv.port, "127.0.0.2")  # in smtp_reserve_hosts
        assert r.recv(200).startswith(b"220 ")
        c = _connect(srv.port, "127.0.0.3")
        assert c.recv(200) == (b"421 test.example: Too many concurrent SMTP connections; please "
                               b"try again later\r\n")
        for s in (a, b, r, c):
            s.close()
        srv.wait_idle()
    log = _log(tmp_path)
    assert "Connection from [127.0.0.1] refused: too many connections from that IP address\n" in log
    assert ("temporarily refused connection from [127.0.0.3]: not in reserve list: connected=2 "
            "max=3 reserve=1\n") in log


def test_max_connections(tmp_path: Path) -> None:
    with _server(tmp_path, CONF.replace("smtp_accept_reserve = 1", "")) as srv:
        open_ = [_connect(srv.port, f"127.0.0.{n}") for n in (1, 2, 3)]
        for s in open_:
            assert s.recv(200).startswith(b"220 ")
        extra = _connect(srv.port, "127.0.0.4")
        assert extra.recv(200) == (b"421 Too many concurrent SMTP connections; please try again "
                                   b"later.\r\n")
        for s in open_ + [extra]:
            s.close()
        srv.wait_idle()
    assert "Connection from [127.0.0.4] refused: too many connections\n" in _log(tmp_path)


def test_receive_timeouts(tmp_path: Path) -> None:
    with _server(tmp_path) as srv:
        s = _connect(srv.port, "127.0.0.1")
        s.recv(200)
        time.sleep(1.5)
        assert s.recv(200) == b"421 test.example: SMTP command timeout - closing connection\r\n"
        s.close()
        srv.wait_idle()
        s = _connect(srv.port, "127.0.0.1")
        s.sendall(b"EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nSubject: x\r\n")
        time.sleep(1.5)
        got = s.recv(4000)
        assert got.endswith(b"354 Enter message, ending with \".\" on a line by itself\r\n"
                            b"421 test.example SMTP incoming data timeout - closing connection.\r\n")
        s.close()
        srv.wait_idle()
    log = _log(tmp_path)
    assert "SMTP command timeout on connection from [127.0.0.1]\n" in log
    assert "SMTP data timeout (message abandoned) on connection from (x) [127.0.0.1] F=<a@b.c>\n" in log


def test_hostile_input_leaves_other_sessions_alone(tmp_path: Path) -> None:
    conf = CONF.replace("smtp_accept_max = 3", "smtp_accept_max = 50").replace(
        "smtp_accept_max_per_host = 1", "").replace("smtp_receive_timeout = 1s", "")
    with _server(tmp_path, conf) as srv:
        good = _connect(srv.port, "127.0.0.1")
        good.recv(200)
        junk = [
            bytes(range(256)) * 64,  # binary garbage, NULs included
            b"EHLO " + b"a" * (1 << 20) + b"\r\n",  # a 1 MiB command line
            b"EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n" + b"y" * 100000,
            b"\r\n" * 5000,
            b"MAIL FROM:<" + b"\xff" * 5000 + b">\r\n",
        ]
        for data in junk:
            converse(srv.port, data)
        for _ in range(3):  # vanish without a word
            _connect(srv.port, "127.0.0.1").close()
        good.sendall(b"EHLO ok\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n")
        f = good.makefile("rb")
        while not f.readline().startswith(b"354"):
            pass
        good.sendall(b"Subject: fine\r\n\r\nstill here\r\n.\r\nQUIT\r\n")
        assert f.readline().startswith(b"250 OK id=")
        assert f.readline() == b"221 test.example closing connection\r\n"
        good.close()
        srv.wait_idle()
        assert srv.call(lambda: (len(srv.server.sessions), srv.server.per_host)) == (0, {})
    assert len(list((tmp_path / "spool" / "input").glob("*-H"))) == 1
