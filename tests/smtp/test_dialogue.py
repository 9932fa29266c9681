"""The SMTP dialogue against replies and log lines recorded from exim -bh
(Exim 4.96) on the same configurations and input. Dates and message ids are
normalised; everything else is compared exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from acl.cli.session import session_main
from acl.smtp.data import DotReader, Received
from acl.smtp.params import SyntaxFail, extract_option, mail_params, parse_address

BASE = "primary_hostname = test.example\n"
RCPT_DATA = BASE + """acl_smtp_rcpt = accept
acl_smtp_data = acl_data
begin acl
acl_data:
  warn logwrite = bl=$body_linecount ml=$message_linecount size=$message_size b=[$message_body]
  accept
"""


def run(tmp_path: Path, conf: str, lines: str | bytes, host: str = "192.0.2.1") -> tuple[list[str], list[str]]:
    path = tmp_path / "exim.conf"
    path.write_text(conf)
    data = lines if isinstance(lines, bytes) else lines.replace("\n", "\r\n").encode()
    out, err, rc = session_main(["-C", str(path), "--host", host], data)
    assert rc == 0
    out = re.sub(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4}", "DATE", out)
    out = re.sub(r"\b\w{6}-\w{6}-\w{2}\b", "ID", out)
    err = re.sub(r"\b\w{6}-\w{6}-\w{2}\b", "ID", err)
    return out.split("\n")[5:], [x for x in err.splitlines() if x.startswith("LOG:")]


def test_preamble_and_banner(tmp_path: Path) -> None:
    path = tmp_path / "c"
    path.write_text(BASE)
    out, _, rc = session_main(["-C", str(path), "-bh", "192.0.2.1"], b"QUIT\r\n")
    assert out.startswith("\n**** SMTP testing session as if from host 192.0.2.1\n"
                          "**** but without any ident (RFC 1413) callback.\n"
                          "**** This is not for real!\n\n220 test.example ESMTP Exim 4.96 ")
    assert out.endswith("221 test.example closing connection\r\n") and rc == 0


def test_defaults_without_acls(tmp_path: Path) -> None:
    out, log = run(tmp_path, BASE, "HELO x\nMAIL FROM:<a@b>\nRCPT TO:<c@d>\nDATA\n")
    assert out[1:] == ["250 test.example Hello x [192.0.2.1]\r", "250 OK\r",
                       "550 Administrative prohibition\r",
                       "503-All RCPT commands were rejected with this error:\r",
                       "503-Administrative prohibition\r",
                       "503 valid RCPT command must precede DATA\r",
                       "421 test.example lost input connection\r", ""]
    assert log == ["LOG: H=(x) [192.0.2.1] F=<a@b> rejected RCPT <c@d>",
                   "LOG: unexpected disconnection while reading SMTP command from (x) "
                   "[192.0.2.1] D=0s"]


def test_ehlo_extensions_in_exims_order(tmp_path: Path) -> None:
    conf = BASE + "dsn_advertise_hosts = *\nprdr_enable = true\nmessage_size_limit = 1k\n"
    out, _ = run(tmp_path, conf, "EHLO a.b\nQUIT\n")
    assert [x.rstrip("\r") for x in out[1:12]] == [
        "250-test.example Hello a.b [192.0.2.1]", "250-SIZE 1024", "250-8BITMIME", "250-DSN",
        "250-PIPELINING", "250-PIPECONNECT", "250-CHUNKING", "250-STARTTLS", "250-PRDR",
        "250-SMTPUTF8", "250 HELP"]


def test_parameter_errors(tmp_path: Path) -> None:
    conf = BASE + "dsn_advertise_hosts = *\nmessage_size_limit = 1k\nacl_smtp_rcpt = accept\n"
    out, log = run(tmp_path, conf, "EHLO a.b\nMAIL FROM:<a@b> SIZE=2000\nMAIL FROM:<a@b> FOO=1\n"
                   "MAIL FROM:<a@b> RET=X\nRSET\nMAIL FROM:<a@b> ENVID=a ENVID=b\nQUIT\n")
    assert [x.rstrip("\r") for x in out[11:16]] == [
        "552 Message size exceeds maximum permitted",
        "501 <a@b> FOO=1: malformed address: FOO=1 may not follow <a@b> ",
        "501 Value for RET is invalid", "250 Reset OK", "501 ENVID can be specified once only"]
    assert log == ["LOG: rejected MAIL FROM:<a@b> H=(a.b) [192.0.2.1]: message too big: "
                   "size=2000 max=1024"]


def test_syntax_errors_drop_the_connection(tmp_path: Path) -> None:
    out, log = run(tmp_path, BASE, "FOO\nhelo\nHELO\nEHLO\nMAIL\n")
    assert [x.rstrip("\r") for x in out[1:5]] == [
        "500 unrecognized command", "501 Syntactically invalid HELO argument(s)",
        "501 Syntactically invalid HELO argument(s)", "501 Syntactically invalid EHLO argument(s)"]
    assert log[-1] == ('LOG: SMTP call from [192.0.2.1] dropped: too many syntax or protocol '
                       'errors (last command was "EHLO",  C=HELO,HELO,EHLO)')


def test_unknown_commands_limit_and_nul(tmp_path: Path) -> None:
    out, log = run(tmp_path, BASE, "A\nB\nC\nD\nE\n")
    assert out[4].rstrip("\r") == "500 Too many unrecognized commands"
    assert log == ['LOG: SMTP call from [192.0.2.1] dropped: too many unrecognized commands '
                   '(last was "D")']
    out, _ = run(tmp_path, BASE, "NOOP x\nRSET x\nHELO a\0b\n")
    assert [x.rstrip("\r") for x in out[1:4]] == [
        "250 OK", "501 unexpected argument data",
        "501 NUL characters are not allowed in SMTP commands"]


def test_too_many_nonmail_commands(tmp_path: Path) -> None:
    out, log = run(tmp_path, BASE, "HELO a\n" + "NOOP\n" * 12)
    assert out[12].rstrip("\r") == "554 Too many nonmail commands"
    assert log == ['LOG: SMTP call from (a) [192.0.2.1] dropped: too many nonmail commands '
                   '(last was "NOOP")']


def test_long_command_line_is_two_unknown_commands(tmp_path: Path) -> None:
    out, _ = run(tmp_path, BASE, "HELO a\nNOOP " + "x" * 17000 + "\nNOOP\n")
    assert [x.rstrip("\r") for x in out[2:5]] == ["500 unrecognized command",
                                                  "500 unrecognized command", "250 OK"]


def test_bare_lf_does_not_end_data(tmp_path: Path) -> None:
    msg = b"HELO a\r\nMAIL FROM:<>\r\nRCPT TO:<x@y>\r\nDATA\r\nS: x\r\n\r\na\n.\nb\r\n.\r\nQUIT\r\n"
    out, log = run(tmp_path, RCPT_DATA, msg)
    assert "250 OK id=ID\r" in out and "500 unrecognized command\r" not in out
    assert log[0] == "LOG: ID bl=1 ml=3 size=12 b=[a . b ]"


def test_lf_only_client(tmp_path: Path) -> None:
    msg = b"HELO a\r\nMAIL FROM:<>\r\nRCPT TO:<x@y>\r\nDATA\r\nS: x\nT: y\n\na\nb\r\n.\r\nQUIT\r\n"
    _, log = run(tmp_path, RCPT_DATA, msg)
    assert log[0] == "LOG: ID bl=2 ml=5 size=15 b=[a b ]"


def test_eof_inside_message(tmp_path: Path) -> None:
    out, log = run(tmp_path, RCPT_DATA, "HELO ok\nMAIL FROM:<>\nRCPT TO:<x@x>\nDATA\nSubject: x\n")
    assert out[-2] == "421 Lost incoming connection\r"
    assert log == ["LOG: SMTP connection from (ok) [192.0.2.1] lost while reading message "
                   "data (after header)"]


def test_verbs_drop_discard_defer(tmp_path: Path) -> None:
    conf = BASE + """acl_smtp_mail = c_mail
acl_smtp_rcpt = c_rcpt
begin acl
c_mail:
  defer senders = defer@x.y
        message = 452 4.3.1 later
  drop senders = drop@x.y
  accept
c_rcpt:
  discard local_parts = disc
  deny local_parts = custom
       message = 551 5.7.1 custom\\nsecond line
  accept
"""
    out, log = run(tmp_path, conf, "EHLO a.b\nMAIL FROM:<a@b.c>\nRCPT TO:<disc@x>\n"
                   "RCPT TO:<custom@x>\nRSET\nMAIL FROM:<defer@x.y>\nMAIL FROM:<drop@x.y>\nNOOP\n")
    assert [x.rstrip("\r") for x in out[10:]] == [
        "250 OK", "250 Accepted", "551-5.7.1 custom", "551 5.7.1 second line", "250 Reset OK",
        "452 4.3.1 later", "550 Administrative prohibition", ""]
    assert log == [
        "LOG: H=(a.b) [192.0.2.1] F=<a@b.c> RCPT <disc@x>: discarded by RCPT ACL",
        "LOG: H=(a.b) [192.0.2.1] F=<a@b.c> rejected RCPT <custom@x>: 551 5.7.1 custom",
        "LOG: H=(a.b) [192.0.2.1] temporarily rejected MAIL <defer@x.y>: 452 4.3.1 later",
        "LOG: H=(a.b) [192.0.2.1] rejected MAIL <drop@x.y>"]


def test_dot_reader_only_crlf_dot_crlf_ends() -> None:
    msg = Received()
    r = DotReader(msg, 0)
    assert r.feed(b"S: x\r\n\r\nbody\n.\nmore\r\n") and not msg.ended
    r.feed(b".\r\n")
    assert msg.ended and bytes(msg.data) == b"S: x\n\nbody\n.\nmore\n"


def test_params_parsing() -> None:
    assert extract_option("<a@b> SIZE=10 BODY=8BITMIME") == ("<a@b> SIZE=10", "BODY", "8BITMIME")
    assert extract_option("<a@b>") is None
    rest, p = mail_params("<a@b> SIZE=10 BODY=7bit", dsn=False, prdr_enable=False, smtputf8=True)
    assert rest == "<a@b>" and p.size == 10 and p.body == "7BIT"
    with pytest.raises(SyntaxFail, match="invalid data for BODY"):
        mail_params("<a@b> BODY=FOO", dsn=False, prdr_enable=False, smtputf8=True)
    assert parse_address("<>", True) == ("", False)
    with pytest.raises(SyntaxFail, match="missing or malformed local part"):
        parse_address("<>", False)
    with pytest.raises(SyntaxFail, match="'>' missing at end of address"):
        parse_address("<a@b", True)


ACTIVE = BASE + """smtp_active_hostname = ${if eq{$sender_host_address}{192.0.2.1}{one.example}{}}
acl_smtp_rcpt = r
begin acl
r:
  deny message = act=$smtp_active_hostname prim=$primary_hostname
"""


def test_smtp_active_hostname_expanded_at_connect(tmp_path: Path) -> None:
    """Recorded from exim -bh: banner, HELO reply, $smtp_active_hostname and
    QUIT use the expanded option; an empty result keeps the primary name."""
    stdin = "HELO c.e\nMAIL FROM:<a@b.c>\nRCPT TO:<x@y.z>\nQUIT\n"
    out, _ = run(tmp_path, ACTIVE, stdin)
    assert out[0].startswith("220 one.example ESMTP Exim 4.96 ")
    assert out[1:] == ["250 one.example Hello c.e [192.0.2.1]\r", "250 OK\r",
                       "550 act=one.example prim=test.example\r",
                       "221 one.example closing connection\r", ""]
    out, _ = run(tmp_path, ACTIVE, stdin, host="192.0.2.9")
    assert out[1:] == ["250 test.example Hello c.e [192.0.2.9]\r", "250 OK\r",
                       "550 act=test.example prim=test.example\r",
                       "221 test.example closing connection\r", ""]


def test_smtp_active_hostname_expansion_failure(tmp_path: Path) -> None:
    """exim -bh writes nothing to standard output, logs the failure to the main
    and panic logs, and exits 1."""
    path = tmp_path / "exim.conf"
    path.write_text(BASE + "smtp_active_hostname = ${substr{x}{y}}\n")
    out, err, rc = session_main(["-C", str(path), "--host", "192.0.2.1"], b"QUIT\r\n")
    line = ('LOG: failed to expand "${substr{x}{y}}" (smtp_active_hostname): "x" is not a '
            'number (in "substr" expansion)')
    assert (out, err.splitlines(), rc) == ("", [line, line], 1)


LITERALS = BASE + "acl_smtp_rcpt = accept\n"
LITERAL_INPUT = ('EHLO x.y\nMAIL FROM:<x@[127.0.0.1]>\nMAIL FROM:<a@b>\nRCPT TO:<"x y"@[1.2.3.4]>\n'
                 "RCPT TO:<x@[1.2.3.4]>\nRCPT TO:<x@[foo]>\nQUIT\n")


def test_domain_literals_refused_by_default(tmp_path: Path) -> None:
    out, _ = run(tmp_path, LITERALS, LITERAL_INPUT)
    assert out[-7:] == ["501 <x@[127.0.0.1]>: domain literals not allowed\r", "250 OK\r",
                        '501 <"x y"@[1.2.3.4]>: domain literals not allowed\r',
                        "501 <x@[1.2.3.4]>: domain literals not allowed\r",
                        "501-<x@[foo]>: domain literals not allowed\r",
                        "501 Too many syntax or protocol errors\r", ""]


def test_domain_literals_allowed(tmp_path: Path) -> None:
    out, _ = run(tmp_path, "allow_domain_literals = true\n" + LITERALS, LITERAL_INPUT)
    assert out[-7:] == ["250 OK\r", "503 sender already given\r", "250 Accepted\r",
                        "250 Accepted\r", "501 <x@[foo]>: malformed domain literal\r",
                        "221 test.example closing connection\r", ""]


def test_vrfy_acl_sees_lowercased_address(tmp_path: Path) -> None:
    conf = BASE + "acl_smtp_vrfy = v\nbegin acl\nv:\n  deny message = lp=$local_part d=$domain\n"
    out, log = run(tmp_path, conf, "VRFY Bob@Example.COM\nQUIT\n")
    assert out[1] == "252 lp=bob d=example.com\r"
    assert log == ["LOG: H=[192.0.2.1] rejected VRFY Bob@Example.COM: lp=bob d=example.com"]
