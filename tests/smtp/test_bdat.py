"""BDAT (CHUNKING) against exim -bh (Exim 4.96): replies after EHLO and the
log lines, recorded from Exim on this configuration and these inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from acl.cli.session import session_main

CONF = """primary_hostname = mx.example.test
acl_smtp_rcpt = accept
acl_smtp_predata = p
acl_smtp_data = d
begin acl
p:
  warn logwrite = predata ran
  accept
d:
  warn logwrite = bl=$body_linecount ml=$message_linecount size=$message_size b=[$message_body]
  deny condition = ${if eq{$h_subject:}{no}}
  accept
"""
TXN = b"EHLO x.y\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\n"
NOTICE = ["", "**** SMTP testing: that is not a real message id!", ""]

CASES = [
    ("rejected by the DATA ACL: no chunk line",
     TXN + b"BDAT 15 LAST\r\nSubject: no\r\n\r\nQUIT\r\n",
     ["250 OK", "250 Accepted", "550 Administrative prohibition",
      "221 mx.example.test closing connection"],
     ["LOG: ID bl=0 ml=2 size=13 b=[]",
      "LOG: ID H=(x.y) [192.0.2.1] F=<a@b> rejected after DATA"]),
    ("bare LF in the body ends a line; total counts CR LF",
     TXN + b"BDAT 19 LAST\r\nS: a\r\n\r\nb\nc\r\nd.\r\nRSET\r\nQUIT\r\n",
     ["250 OK", "250 Accepted", "250- 19 byte chunk, total 22", "250 OK id=ID", *NOTICE,
      "500 unrecognized command", "221 mx.example.test closing connection"],
     ["LOG: ID bl=4 ml=6 size=16 b=[b c d. RS ]",
      "LOG: ID <= a@b H=(x.y) [192.0.2.1] P=esmtp K S=184"]),
    ("two chunks, lower-case last",
     TXN + b"BDAT 5\r\nA:b\r\nBDAT 2 last\r\n\r\nQUIT\r\n",
     ["250 OK", "250 Accepted", "250 5 byte chunk received", "250- 2 byte chunk, total 7",
      "250 OK id=ID", *NOTICE, "221 mx.example.test closing connection"],
     ["LOG: ID bl=0 ml=2 size=5 b=[]",
      "LOG: ID <= a@b H=(x.y) [192.0.2.1] P=esmtp K S=173"]),
    ("no recipient: the chunk is skipped; a missing size",
     b"EHLO x.y\r\nBDAT 0 LAST\r\nMAIL FROM:<a@b>\r\nBDAT 1\r\nRCPT TO:<x@y>\r\nBDAT\r\n"
     b"BDAT x\r\nQUIT\r\n",
     ["503 valid RCPT command must precede BDAT", "250 OK",
      "503 valid RCPT command must precede BDAT", "500 unrecognized command",
      "501-missing size for BDAT command", "501 Too many syntax or protocol errors"],
     ['LOG: SMTP call from (x.y) [192.0.2.1] dropped: too many syntax or protocol errors '
      '(last command was "BDAT",  C=EHLO,BDAT,MAIL,BDAT,BDAT)']),
    ("only BDAT after a non-LAST chunk",
     TXN + b"BDAT 3\r\nA:bDATA\r\nQUIT\r\n",
     ["250 OK", "250 Accepted", "250 3 byte chunk received",
      "503 only BDAT permissible after non-LAST BDAT",
      "221 mx.example.test closing connection", "421 Lost incoming connection"],
     ["LOG: SMTP connection from (x.y) [192.0.2.1] lost while reading message data (header)"]),
    ("bare LF in the header section abandons the message",
     TXN + b"BDAT 6 LAST\r\nA:b\nxQUIT\r\n",
     ["250 OK", "250 Accepted", "552 Message header not CRLF terminated",
      "500 unrecognized command", "421 mx.example.test lost input connection"],
     ["LOG: rejected from <a@b> H=(x.y) [192.0.2.1]: Non-CRLF-terminated header, under "
      "CHUNKING: message abandoned"]),
    ("input ends inside a chunk",
     TXN + b"BDAT 30 LAST\r\nA:b\r\n",
     ["250 OK", "250 Accepted", "421 Lost incoming connection"],
     ["LOG: SMTP connection from (x.y) [192.0.2.1] lost while reading message data "
      "(after header)"]),
]


@pytest.mark.parametrize("title,stdin,replies,log", CASES, ids=[c[0] for c in CASES])
def test_bdat(tmp_path: Path, title: str, stdin: bytes, replies: list[str],
              log: list[str]) -> None:
    conf = tmp_path / "exim.conf"
    conf.write_text(CONF)
    out, err, rc = session_main(["-C", str(conf), "--host", "192.0.2.1"], stdin)
    assert rc == 0
    out = re.sub(r"\b\w{6}-\w{6}-\w{2}\b", "ID", out)
    lines = out.replace("\r\n", "\n").split("\n")
    after = lines[lines.index("250 HELP") + 1:-1]
    assert after == replies
    assert [re.sub(r"\b\w{6}-\w{6}-\w{2}\b", "ID", x) for x in err.splitlines()
            if x.startswith("LOG:")] == log


def test_bdat_needs_chunking_advertised(tmp_path: Path) -> None:
    conf = tmp_path / "exim.conf"
    conf.write_text(CONF)
    stdin = b"HELO x.y\r\nMAIL FROM:<a@b>\r\nRCPT TO:<x@y>\r\nBDAT 3 LAST\r\nA:bQUIT\r\n"
    out, err, _ = session_main(["-C", str(conf), "--host", "192.0.2.1"], stdin)
    assert out.replace("\r\n", "\n").split("\n")[-5:-1] == [
        "250 Accepted", "503 BDAT command used when CHUNKING not advertised",
        "500 unrecognized command", "421 mx.example.test lost input connection"]
    assert "predata ran" not in err
