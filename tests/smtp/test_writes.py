"""How replies reach the client: one write per reply, and the replies to
pipelined commands held until the dialogue would wait for input (as Exim's
buffered output does), so a pipelined batch is answered in one write."""

from __future__ import annotations

import threading

from acl.builtins import load_all
from acl.config import parse_config_text
from acl.engine import Engine
from acl.runtime.context import ExpansionContext
from acl.runtime.values import TaintedStr
from acl.smtp import stdio
from acl.smtp.policy import Policy

CONF = "primary_hostname = mx.example.test\nacl_smtp_rcpt = accept\n"


def _session(chunks: list[tuple[bytes, bytes]]) -> list[bytes]:
    """Feed each chunk once the reply ending in its marker was written;
    returns the writes as they came."""
    load_all()
    ctx = ExpansionContext(config=parse_config_text(CONF))
    ctx.variables["sender_host_address"] = TaintedStr("192.0.2.1")
    policy = Policy(Engine(ctx.config), ctx, lambda text: None)
    writes: list[bytes] = []
    seen = threading.Condition()
    todo = list(chunks)

    def write(data: bytes) -> None:
        with seen:
            writes.append(data)
            seen.notify_all()

    def read() -> bytes:
        if not todo:
            return b""
        marker, chunk = todo.pop(0)
        with seen:
            assert seen.wait_for(lambda: any(marker in w for w in writes), timeout=10)
        return chunk

    stdio.run_stream(policy, read, write)
    return writes


def test_one_write_per_reply_and_pipelined_batches() -> None:
    writes = _session([
        (b"220 ", b"EHLO client.example.net\r\n"),
        (b"250 HELP", b"MAIL FROM:<s@example.net>\r\nRCPT TO:<a@example.com>\r\n"
                      b"RCPT TO:<b@example.com>\r\nDATA\r\n"),
        (b"354 ", b"Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n"),
    ])
    ehlo = [w for w in writes if b"250-mx.example.test Hello" in w]
    assert len(ehlo) == 1 and ehlo[0].endswith(b"250 HELP\r\n")  # all its lines, one write
    batch = [w for w in writes if b"354 " in w]
    assert batch == [b"250 OK\r\n250 Accepted\r\n250 Accepted\r\n"
                     b'354 Enter message, ending with "." on a line by itself\r\n']
