"""log_selector items of reception through `acl session`: +incoming_port (the
port after H= and in $sender_fullhost, port= in $sender_rcvhost),
+smtp_connection (the connection, QUIT and lost lines), +subject,
+received_sender and +received_recipients on the `<=` line. Expected lines
recorded from exim -bh 192.0.2.1.4567 with the same configuration."""

from __future__ import annotations

import re
from pathlib import Path

from acl.cli.session import session_main

CONF = """\
primary_hostname = mail.test.example
log_selector = +incoming_port +smtp_connection +subject +received_recipients +received_sender
acl_smtp_helo = a1
acl_smtp_rcpt = a2
acl_smtp_data = a3
begin acl
a1:
  warn logwrite = R=$sender_rcvhost F=$sender_fullhost
  accept
a2:
  accept
a3:
  warn logwrite = R=$sender_rcvhost F=$sender_fullhost
  accept
"""
HOST = "(client.example) [192.0.2.1]:4567"


def _log(tmp: Path, smtp: bytes) -> list[str]:
    conf = tmp / "c.conf"
    conf.write_text(CONF)
    _, err, _ = session_main(["-C", str(conf), "-bh", "192.0.2.1.4567"], smtp)
    return [re.sub(r"^\w{6}-\w{6}-\w{2} ", "ID ", x[5:]) for x in err.splitlines()
            if x.startswith("LOG: ")]


def test_message_and_quit(tmp_path: Path) -> None:
    smtp = (b'EHLO client.example\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<x@y.z>\r\nRCPT TO:<w@y.z>\r\n'
            b'DATA\r\nSubject: x \x01y "q" \\\\z\r\nMessage-Id: <q@r>\r\n\r\nhi\r\n.\r\nQUIT\r\n')
    assert _log(tmp_path, smtp) == [
        "SMTP connection from [192.0.2.1]:4567",
        f"R=[192.0.2.1] (port=4567 helo=client.example) F={HOST}",
        f"ID R=[192.0.2.1] (port=4567 helo=client.example) F={HOST}",
        f'ID <= a@b.c H={HOST} P=esmtp S=228 id=q@r T="x \\001y \\"q\\" \\\\\\\\z" '
        "from <a@b.c> for x@y.z w@y.z",
        f"ID SMTP connection from {HOST} closed by QUIT",
    ]


def test_lost_connection(tmp_path: Path) -> None:
    assert _log(tmp_path, b"EHLO client.example\r\n") == [
        "SMTP connection from [192.0.2.1]:4567",
        f"R=[192.0.2.1] (port=4567 helo=client.example) F={HOST}",
        f"SMTP connection from {HOST} lost D=0s",
    ]
