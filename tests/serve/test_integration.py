"""What the daemon adds to the dialogue: ACLs that wait on DNS do not hold up
other sessions, the DATA buffer bounded by message_size_limit with Exim's
552, and the greeting synchronization check of a real socket."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

from tests.serve.support import InProcess, converse, state_for

CONF = """\
primary_hostname = mail.test.example
queue_only
spool_directory = {dir}/spool
log_file_path = {dir}/mainlog
{extra}
acl_smtp_mail = mail
acl_smtp_rcpt = accept
begin acl
mail:
  warn condition = ${{if eq{{$sender_address}}{{slow@example.com}}}}
       set acl_m0 = ${{lookup dnsdb{{defer_never,a=host.slow.test}}}}
  accept
"""


def _serve(tmp: Path, extra: str = "", server_class: Any = None) -> InProcess:
    conf = tmp / "c.conf"
    conf.write_text(CONF.format(dir=tmp, extra=extra))
    srv = InProcess(state_for(conf, tmp / "spool"))
    if server_class is not None:
        srv.server = server_class(srv.server.state)
    return srv


class _Session:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""
        self.reply()

    def reply(self) -> str:
        while not self.buf.endswith(b"\r\n") or self.buf.split(b"\r\n")[-2][3:4] == b"-":
            data = self.sock.recv(4096)
            if not data:
                break
            self.buf += data
        out, self.buf = self.buf.decode(), b""
        return out

    def cmd(self, line: str) -> str:
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def close(self) -> None:
        self.sock.close()


def test_slow_dns_in_one_session_does_not_delay_another(tmp_path: Path) -> None:
    from acl.dns import use_server
    from acl.serve.daemon import Server

    dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # takes queries, never answers
    dead.bind(("127.0.0.1", 0))

    class DeadDns(Server):
        def make_policy(self, proto: Any) -> Any:
            policy = super().make_policy(proto)
            use_server(policy.ctx, "127.0.0.1", dead.getsockname()[1], timeout=2.0, attempts=1)
            return policy

    with _serve(tmp_path, server_class=DeadDns) as srv:
        slow = _Session(srv.port)
        slow.cmd("EHLO slow.example")
        got: dict[str, Any] = {}

        def wait_slow() -> None:
            start = time.monotonic()
            got["reply"] = slow.cmd("MAIL FROM:<slow@example.com>")
            got["took"] = time.monotonic() - start

        waiter = threading.Thread(target=wait_slow)
        waiter.start()
        time.sleep(0.3)  # the slow session is now waiting on its lookup
        fast = _Session(srv.port)
        times = []
        for line in ("EHLO fast.example", "MAIL FROM:<fast@example.com>", "RCPT TO:<b@test.example>",
                     "RSET", "QUIT"):
            start = time.monotonic()
            assert fast.cmd(line)[:1] in ("2",), line
            times.append(time.monotonic() - start)
        waiter.join(20)
        fast.close()
        slow.cmd("QUIT")
        slow.close()
        dead.close()
    assert got["reply"].startswith("250 ")
    assert got["took"] >= 1.5  # it did wait for the resolver
    assert max(times) < 0.5, times  # the other session was answered meanwhile


def test_data_past_message_size_limit(tmp_path: Path) -> None:
    body = b"x" * 998 + b"\r\n"
    smtp = (b"EHLO c.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@test.example>\r\nDATA\r\n"
            + b"Subject: big\r\n\r\n" + body * 300 + b".\r\nQUIT\r\n")
    with _serve(tmp_path, "message_size_limit = 100K") as srv:
        out = converse(srv.port, smtp).decode()
        srv.wait_idle()
    assert "\r\n552 Message size exceeds maximum permitted\r\n221 " in out
    log = (tmp_path / "mainlog").read_text()
    assert "rejected from <a@example.com> H=(c.example) [127.0.0.1]: message too big: " \
           "read=299714 max=102400" in log
    assert not list((tmp_path / "spool").rglob("*-D"))


def test_input_before_the_banner_is_refused(tmp_path: Path) -> None:
    import asyncio

    from acl.serve.daemon import Server

    class Unhurried(Server):  # the client's bytes are in before the banner is due
        async def look_up_host(self, ctx: Any) -> None:
            await asyncio.sleep(0.3)

    with _serve(tmp_path, "pipelining_connect_advertise_hosts =", Unhurried) as srv:
        out = converse(srv.port, b"EHLO early.example\r\nQUIT\r\n").decode()
        srv.wait_idle()
    assert out.startswith("554 SMTP synchronization error\r\n")
    assert ("SMTP protocol synchronization error (input sent without waiting for greeting): "
            'rejected connection from H=[127.0.0.1] input="EHLO early.example\\r\\nQUIT\\r\\n"'
            ) in (tmp_path / "mainlog").read_text()
