"""A real HAProxy in front of `acl serve` (with the PROXY step of
tests/proxy/harness.py): v1 and v2 headers, IPv4 and IPv6 clients; the
connect ACL sees the client's address and the proxy's, the arrival log line
carries PRX=, and the seed's per-connection rate limit runs on the real
client address."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest

from tests.proxy.cases import MAIL, read_reply
from tests.proxy.harness import serve


def _session(host: str, port: int, commands: list[bytes]) -> tuple[int, list[str]]:
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam) as s:
        s.settimeout(10)
        s.connect((host, port))
        client_port = s.getsockname()[1]
        out = [read_reply(s, time.monotonic() + 10).decode()]
        for cmd in commands:
            s.sendall(cmd)
            out.append(read_reply(s, time.monotonic() + 10).decode())
    return client_port, out


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_proxied_session(haproxy: Any, tmp_path: Path, version: int, family: str) -> None:
    with serve(tmp_path) as srv:
        front = haproxy(srv.port, version=version, family=family)
        cport, replies = _session(front.host, front.port, MAIL)
        srv.wait_idle()
    assert replies[0].startswith("220 mail.test.example ESMTP")
    assert f"Hello client.example [{front.host}]" in replies[1]
    assert replies[-1].startswith("221 ")
    log = (tmp_path / "mainlog").read_text()
    connect = next(x for x in log.splitlines() if "CONNECT " in x and f":{cport} " in x)
    # The client's address and port; the proxy's own connection is local=; the
    # address HAProxy was reached at is external=.
    assert f"host={front.host}:{cport}" in connect
    assert f"ext={front.host}:{front.port}" in connect
    assert "local=127.0.0.1:" in connect and "session=yes" in connect
    arrival = next(x for x in log.splitlines() if " <= a@example.com " in x)
    assert f"[{front.host}]" in arrival and " PRX=127.0.0.1 " in arrival


def test_seed_rate_limit_per_real_client(haproxy: Any, tmp_path: Path) -> None:
    rule = ("defer ratelimit = 2 / 5s / per_conn / strict\n"
            "        message = Too many connections from this IP right now")
    with serve(tmp_path, connect=rule) as srv:
        front = haproxy(srv.port, version=2)
        first = [_session(front.host, front.port, [b"QUIT\r\n"])[1][0] for _ in range(4)]
    # HAProxy's start-up probe (tests/haproxy/conftest.py) may or may not have
    # counted as a connection by then: one or two sessions get through, then
    # every later one is deferred with the ACL's message.
    codes = [x[:3] for x in first]
    accepted = codes.count("220")
    assert 1 <= accepted <= 2 and codes == ["220"] * accepted + ["451"] * (4 - accepted)
    assert "Too many connections from this IP right now" in first[accepted]
