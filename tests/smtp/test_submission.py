"""control = submission / suppress_local_fixups: the headers Exim adds before
the DATA ACL, as recorded from exim -bh (Exim 4.96) on this configuration."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from acl.cli.session import session_main

CONF = """primary_hostname = mx.example.test
acl_smtp_mail = acl_mail
acl_smtp_rcpt = accept
acl_smtp_data = acl_data
begin acl
acl_mail:
  accept  condition = ${if eq{$sender_address}{s@example.net}}
          control = submission/domain=example.net
  accept  condition = ${if eq{$sender_address}{t@example.net}}
          control = submission/name=Joe Bloggs
  accept  condition = ${if eq{$sender_address}{v@example.net}}
          control = suppress_local_fixups
  accept  control = submission
acl_data:
  warn    logwrite = H=[$message_headers_raw] S=$message_size L=$message_linecount
  accept
"""
RECEIVED = ("Received: from [192.0.2.1] (helo=c.e)\\n\tby mx.example.test with esmtp (Exim 4.96)"
            "\\n\t(envelope-from <{s}@example.net>)\\n\tid ID\\n\tfor a@example.com;\\n\tDATE\\n")
ADDED = "Message-Id: <EID@mx.example.test>\\n"


def _expected(s: str, own_from: bool, fixups: bool) -> list[str]:
    head = RECEIVED.format(s=s) + ("From: Other <o@other.example>\\n" if own_from else "")
    head += "Subject: sub\\n"
    if fixups:
        head += ADDED
        if not own_from:
            head += f"From: {'Joe Bloggs <t@example.net>' if s == 't' else s + '@example.net'}\\n"
        head += "Date: DATE\\n"
    size = {(False, False): 204, (True, False): 234, (False, True): 310 + 13 * (s == "t"),
            (True, True): 320}[(own_from, fixups)]
    lines = 4 if own_from else 3
    msg_size = 46 if own_from else 16
    return [f"LOG: ID H=[{head}] S={msg_size} L={lines}",
            f"LOG: ID <= {s}@example.net H=(c.e) [192.0.2.1] P=esmtp S={size}"]


@pytest.mark.parametrize("s", ["s", "t", "v", "w"])
def test_submission_fixups(tmp_path: Path, s: str) -> None:
    conf = tmp_path / "exim.conf"
    conf.write_text(CONF)
    msg = (f"MAIL FROM:<{s}@example.net>\r\nRCPT TO:<a@example.com>\r\nDATA\r\n"
           "{from}Subject: sub\r\n\r\nx\r\n.\r\n")
    stdin = ("EHLO c.e\r\n" + msg.format(**{"from": ""})
             + msg.format(**{"from": "From: Other <o@other.example>\r\n"}) + "QUIT\r\n")
    _, err, rc = session_main(["-C", str(conf), "--host", "192.0.2.1"], stdin.encode())
    assert rc == 0
    log = [x for x in err.splitlines() if x.startswith("LOG:")]
    log = [re.sub(r"\w{3}, \d+ \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4}", "DATE",
                  re.sub(r"\w{6}-\w{6}-\w{2}\b", "ID", x)) for x in log]
    fixups = s != "v"
    assert log == _expected(s, False, fixups) + _expected(s, True, fixups)
