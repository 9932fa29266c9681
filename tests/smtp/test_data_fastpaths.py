"""What a message skips when nothing needs it: DKIM verification (and its
thread-pool hop) without a DKIM-Signature:, the MIME scan file without a MIME
ACL or a scanning condition, and stat calls in the spool's commit. Expected
log lines were recorded with `exim -bh` (Exim 4.96)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from acl.cli.session import session_main
from acl.config import load_config
from acl.mime.scan import scan_needed
from acl.smtp.data import Received, signed
from acl.spool import Envelope, Spool, SpoolError

DKIM_CONF = """\
primary_hostname = mx.example.org
acl_smtp_rcpt = accept
acl_smtp_dkim = dkim
acl_smtp_data = data
{extra}
begin acl
dkim:
  warn logwrite = DKIM signer=$dkim_cur_signer status=$dkim_verify_status reason=$dkim_verify_reason
  accept
data:
  warn logwrite = DATA signers=[$dkim_signers] status=[$dkim_verify_status] cur=[$dkim_cur_signer]
  accept
"""


def _logs(tmp: Path, conf_text: str, body: bytes) -> list[str]:
    conf = tmp / "t.conf"
    conf.write_text(conf_text)
    smtp = (b"EHLO c.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
            b"DATA\r\n" + body + b".\r\nQUIT\r\n")
    _, err, _ = session_main(["-C", str(conf), "-bh", "192.0.2.1"], smtp)
    return [x.split(" ", 2)[2] for x in err.splitlines() if x.startswith("LOG: ")]


PLAIN = b"Subject: hi\r\nX-Note: plain\r\n\r\nbody\r\n"
MENTION = b"Subject: hi\r\nX-Note: mentions DKIM-Signature here\r\n\r\nbody\r\n"


@pytest.mark.parametrize("body", [PLAIN, MENTION])
def test_unsigned_message_runs_the_dkim_acl_for_listed_signers(tmp_path: Path, body: bytes) -> None:
    extra = "dkim_verify_signers = example.com : $dkim_signers"
    logs = _logs(tmp_path, DKIM_CONF.format(extra=extra), body)
    assert logs[:2] == ["DKIM signer=example.com status=none reason=",
                        "DATA signers=[] status=[none] cur=[example.com]"]


@pytest.mark.parametrize("body", [PLAIN, MENTION])
def test_unsigned_message_without_signers_skips_the_dkim_acl(tmp_path: Path, body: bytes) -> None:
    logs = _logs(tmp_path, DKIM_CONF.format(extra=""), body)
    assert logs[0] == "DATA signers=[] status=[] cur=[]"
    assert logs[1].startswith("<= a@example.com H=(c.example) [192.0.2.1] P=esmtp S=")


def _received(data: bytes) -> Received:
    end = data.find(b"\n\n")
    return Received(data=bytearray(data), header_end=end + 2 if end >= 0 else -1,
                    in_header=end < 0)


def test_signed_looks_only_at_the_header_section() -> None:
    assert signed(_received(b"dkim-signature: v=1\nSubject: x\n\nbody\n"))
    assert signed(_received(b"Subject: x\nDKIM-Signature : v=1\n\nbody\n"))
    assert signed(_received(b"Subject: x\nDKIM-Signature: v=1\n"))  # no body at all
    assert not signed(_received(b"Subject: x\n\nDKIM-Signature: v=1\n"))
    assert not signed(_received(b"Subject: x\n\nbody\n"))


def _config(tmp: Path, acls: str, options: str = "") -> Any:
    conf = tmp / "scan.conf"
    conf.write_text(f"primary_hostname = mx.example.org\n{options}\nbegin acl\n{acls}")
    return load_config(str(conf))


@pytest.mark.parametrize("options,acls,needed", [
    ("acl_smtp_data = data", "data:\n  accept\n", False),
    ("acl_smtp_data = data", "data:\n  deny regex = ^Subject: spam\n  accept\n", True),
    ("acl_smtp_data = data", "data:\n  accept acl = sub\nsub:\n  deny !regex = x\n", True),
    ("acl_smtp_data = data\nacl_smtp_mime = mime", "data:\n  accept\nmime:\n  accept\n", True),
    ("acl_smtp_data = deny regex = x", "", True),  # inline text the model cannot see
    ("acl_smtp_data = accept", "", False),
    ("acl_smtp_data = /etc/exim-acl-data", "", True),  # a file: unknown
])
def test_scan_needed_is_decided_from_the_configuration(tmp_path: Path, options: str, acls: str,
                                                      needed: bool) -> None:
    config = _config(tmp_path, acls, options)
    assert scan_needed(config) is needed
    assert scan_needed(config) is needed  # the cached answer


def test_no_scan_file_when_nothing_scans(tmp_path: Path, monkeypatch: Any) -> None:
    import acl.mime.scan

    def refuse(*_a: Any) -> Any:
        raise AssertionError("spooled for scanning")

    monkeypatch.setattr(acl.mime.scan, "spool_mbox", refuse)
    conf = ("primary_hostname = mx.example.org\nacl_smtp_rcpt = accept\nacl_smtp_data = data\n"
            "begin acl\ndata:\n  warn logwrite = DATA lines=$body_linecount\n  accept\n")
    assert _logs(tmp_path, conf, PLAIN)[0] == "DATA lines=1"


def test_regex_in_the_data_acl_still_scans(tmp_path: Path) -> None:
    # The match lies past message_body_visible: only the spooled file has it.
    conf = ("primary_hostname = mx.example.org\nacl_smtp_rcpt = accept\nacl_smtp_data = data\n"
            "begin acl\ndata:\n  warn regex = tail(\\\\d+)\n"
            "       logwrite = DATA matched=$regex_match_string one=$regex1\n  accept\n")
    body = b"Subject: hi\r\n\r\n" + b"".join(b"line %03d of filler text\r\n" % i
                                             for i in range(60)) + b"tail42 end\r\n"
    assert _logs(tmp_path, conf, body)[:2] == [
        "DATA matched=tail(\\d+) one=42", "<= a@example.com H=(c.example) [192.0.2.1] P=esmtp S=1657"]


def _env(mid: str) -> Envelope:
    return Envelope(id=mid, sender="a@example.com", recipients=["b@example.org"], received=0.0)


def test_store_refuses_a_taken_id_and_keeps_the_first(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.create()
    mid = "1xVzLQ-0000YE-0o"
    spool.store(_env(mid), b"Subject: first\n\nbody\n")
    with pytest.raises(SpoolError):
        spool.store(_env(mid), b"Subject: second\n\nbody\n")
    assert spool.data(mid) == b"Subject: first\n\nbody\n"
    assert spool.ids() == [mid]
    assert list((tmp_path / "spool" / "tmp").iterdir()) == []
