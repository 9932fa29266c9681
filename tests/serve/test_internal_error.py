"""An exception no layer expects (a bug) costs its session only: a main-log
line saying what and where, 421 to that client, and the server goes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.serve.support import InProcess, converse, state_for

CONF = "primary_hostname = mx.example.test\nacl_smtp_rcpt = accept\n"
SESSION = (b"EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.test>\r\n"
           b"DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n")


def test_bug_in_one_session(tmp_path: Path, monkeypatch: Any) -> None:
    from acl.smtp import data

    real = data.receive
    calls = []

    async def broken(smtp: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("planted")
        await real(smtp)

    monkeypatch.setattr(data, "receive", broken)
    conf = tmp_path / "conf"
    conf.write_text(CONF)
    with InProcess(state_for(conf, tmp_path / "spool")) as srv:
        first = converse(srv.port, SESSION).decode()
        second = converse(srv.port, SESSION).decode()
        srv.wait_idle()
    assert first.splitlines()[-1] == "421 mx.example.test: internal error - closing connection"
    assert "250 OK id=" in second and second.rstrip().endswith("221 mx.example.test closing connection")
    log = (tmp_path / "spool" / "mainlog").read_text()
    assert "internal error in session from (client.test) [127.0.0.1]: " \
           "KeyError: 'planted' at test_internal_error.py:" in log
    assert "Traceback" not in log
