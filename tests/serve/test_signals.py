"""SIGHUP reloads the configuration (a broken one is reported and the old
one keeps serving); SIGTERM closes the listeners, lets sessions go on for
the grace period, then ends them with 421."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

from tests.serve.support import Subprocess, free_port

CONF = """primary_hostname = test.example
log_file_path = {log}
smtp_banner = {banner}
acl_smtp_rcpt = accept
"""


def _banner(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        line = s.recv(200)
        s.sendall(b"QUIT\r\n")
        return line


def _wait_log(log: Path, text: str, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if log.exists() and text in log.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not logged:\n{log.read_text() if log.exists() else ''}")


def test_reload_and_graceful_stop(tmp_path: Path) -> None:
    port, log, conf = free_port(), tmp_path / "mainlog", tmp_path / "c.conf"
    srv = Subprocess(["-C", str(conf), "-D", f"SPOOL={tmp_path}", "--listen", f"127.0.0.1:{port}",
                      "--grace", "1"], cwd=tmp_path)
    conf.write_text(f"spool_directory = {tmp_path}/spool\n" + CONF.format(log=log, banner="first"))
    srv.start(port)
    try:
        assert _banner(port) == b"220 first\r\n"
        conf.write_text("this is not = a configuration\nbegin nonsense\n")
        srv.signal(signal.SIGHUP)
        _wait_log(log, "configuration reload failed, old configuration kept")
        assert _banner(port) == b"220 first\r\n"
        conf.write_text(f"spool_directory = {tmp_path}/spool\n" + CONF.format(log=log, banner="second"))
        srv.signal(signal.SIGHUP)
        _wait_log(log, "configuration reloaded")
        assert _banner(port) == b"220 second\r\n"
        idle = socket.create_connection(("127.0.0.1", port), timeout=10)
        assert idle.recv(200) == b"220 second\r\n"
        srv.signal(signal.SIGTERM)
        got = idle.recv(200)
        assert got == b"421 test.example: Service not available - closing connection\r\n"
        idle.close()
    finally:
        assert srv.stop() == 0
