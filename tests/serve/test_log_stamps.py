"""log_selector +millisec and +pid in the daemon's main log: the time stamp
ends in .mmm and every line, the daemon's own and the sessions', carries
[pid] after it (the -bh form of both is proved by tests/session's
logselector goldens; a daemon adds the date)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.serve.support import InProcess, converse, state_for

CONF = """
primary_hostname = mx.example.test
log_selector = {selector}
acl_smtp_rcpt = accept
"""
SESSION = b"EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.test>\r\nQUIT\r\n"


def _lines(tmp_path: Path, selector: str) -> list[str]:
    conf = tmp_path / "conf"
    conf.write_text(CONF.format(selector=selector))
    with InProcess(state_for(conf, tmp_path / "spool")) as srv:
        converse(srv.port, SESSION)
        srv.wait_idle()
    return (tmp_path / "spool" / "mainlog").read_text().splitlines()


def test_millisec_and_pid(tmp_path: Path) -> None:
    lines = _lines(tmp_path, "+millisec +pid +smtp_connection")
    stamp = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[(\d+)\] ")
    assert len(lines) >= 3  # daemon started, connection, closed by QUIT
    for line in lines:
        m = stamp.match(line)
        assert m and int(m.group(1)) == os.getpid(), line
    assert any("SMTP connection from" in x and "closed by QUIT" in x for x in lines)
    assert any("daemon started" in x for x in lines)


def test_without_them(tmp_path: Path) -> None:
    lines = _lines(tmp_path, "+smtp_connection")
    assert lines and all(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [^\[]", x) for x in lines), lines
