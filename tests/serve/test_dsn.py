"""DSN through acl serve: the parameters reach the spool, and local
deliveries produce Exim's success and failure reports (compared with the
reports Exim 4.96 queued for the same cases, tests/smtp/data/dsn/)."""

from __future__ import annotations

import json
import re
import smtplib
from pathlib import Path

from acl.spool import Spool
from tests.serve.support import InProcess, state_for

RECORDED = Path(__file__).resolve().parents[1] / "smtp" / "data" / "dsn"

CONF = """
primary_hostname = mx.example.test
qualify_domain = example.com
dsn_advertise_hosts = *
domainlist local_domains = example.com
acl_smtp_rcpt = acl_rcpt
queue_only = false

begin acl

acl_rcpt:
  accept

begin routers

unwritable:
  driver = accept
  local_parts = nowrite
  transport = blocked

local:
  driver = accept
  domains = +local_domains
  transport = md

begin transports

md:
  driver = appendfile
  directory = MAILROOT/${lc:$local_part_data}
  maildir_format
  return_path_add

blocked:
  driver = appendfile
  directory = MAILROOT/afile/${lc:$local_part_data}
  maildir_format
"""


def _setup(tmp_path: Path) -> tuple[InProcess, Spool]:
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "afile").write_text("a file where a directory should be\n")
    conf = tmp_path / "dsn.conf"
    conf.write_text(CONF.replace("MAILROOT", str(mail)))
    st = state_for(conf, tmp_path / "spool")
    return InProcess(st), Spool(tmp_path / "spool")


def _reports(spool: Spool) -> dict[str, tuple[object, str]]:
    """Queued reports by kind (they are left queued for a later run)."""
    out = {}
    for mid in spool.ids():
        env = spool.envelope(mid)
        text = spool.data(mid).decode()
        kind = "failure" if "X-Failed-Recipients" in text else "success"
        out[kind] = (env, text)
    return out


def _shape(text: str) -> str:
    """A report with what varies between runs (ids, dates, boundaries,
    the host-dependent Received lines) taken out."""
    text = re.sub(r"\d{10}-eximdsn-\d+", "BOUNDARY", text)
    text = re.sub(r"[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b", "ID", text)
    text = re.sub(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", "DATE", text)
    text = re.sub(r"(?m)^Received: .*(\n\t.*)*\n", "", text)
    text = re.sub(r"(?m)^(Delivery-date|Envelope-to): .*\n", "", text)
    return text


def test_success_and_failure_reports(tmp_path: Path) -> None:
    srv, spool = _setup(tmp_path)
    with srv:
        with smtplib.SMTP("127.0.0.1", srv.port, timeout=10) as c:
            c.ehlo("client.example.net")
            assert "dsn" in c.esmtp_features
            c.mail("sender@example.com", ["RET=HDRS", "ENVID=env+2Bid1"])
            assert c.rcpt("ok@example.com", ["NOTIFY=SUCCESS",
                                             "ORCPT=rfc822;orig+2Bok@example.com"])[0] == 250
            assert c.rcpt("nowrite@example.com", ["NOTIFY=FAILURE,DELAY",
                                                  "ORCPT=rfc822;nowrite@example.com"])[0] == 250
            assert c.rcpt("never@example.com", ["NOTIFY=NEVER"])[0] == 250
            c.data(b"Subject: test one\r\nFrom: sender@example.com\r\n"
                   b"Message-ID: <m1@example.com>\r\n\r\nHello body line\r\nsecond\r\n")
        srv.wait_idle()
    reports = _reports(spool)
    assert set(reports) == {"success", "failure"}
    env, success = reports["success"]
    assert env.sender == "" and env.recipients == ["sender@example.com"] and env.queued
    # Same layout and texts as Exim's, but for the Diagnostic/Received lines that vary.
    recorded = _shape((RECORDED / "success.eml").read_text())
    recorded = recorded.replace("Return-path: <>\n", "", 1)
    assert _shape(success) == recorded
    _, failure = reports["failure"]
    want = _shape((RECORDED / "failure-hdrs.eml").read_text()).replace("Return-path: <>\n", "", 1)
    got = _shape(failure)
    # Our reason is the file system's, Exim's was its redirect router's text.
    got = re.sub(r"(?m)^(    ).*\n(?=\n--BOUNDARY\nContent-type: message/delivery-status)",
                 r"\1REASON\n", got)
    want = re.sub(r"(?m)^(    ).*\n(?=\n--BOUNDARY\nContent-type: message/delivery-status)",
                  r"\1REASON\n", want)
    assert got == want.replace("fail@example.com", "nowrite@example.com")
    log = (tmp_path / "spool" / "mainlog").read_text()
    assert re.search(r" \*\* nowrite@example.com R=unwritable T=blocked: Not a directory", log)
    assert re.search(r"\S+ <= <> R=\S+ U=\S+ P=local S=\d+", log)


def test_dsn_data_kept_in_the_spool_and_never(tmp_path: Path) -> None:
    """NOTIFY=NEVER: no report; a queued message keeps RET, ENVID, NOTIFY
    and ORCPT in its envelope (the -H file, JSON)."""
    srv, spool = _setup(tmp_path)
    with srv:
        with smtplib.SMTP("127.0.0.1", srv.port, timeout=10) as c:
            c.ehlo("client.example.net")
            c.mail("sender@example.com", ["RET=FULL", "ENVID=abc"])
            c.rcpt("nowrite@example.com", ["NOTIFY=NEVER"])
            c.rcpt("far@example.org", ["NOTIFY=SUCCESS,DELAY", "ORCPT=rfc822;far+40x"])
            c.data(b"Subject: two\r\n\r\nbody\r\n")
        srv.wait_idle()
    ids = spool.ids()
    assert len(ids) == 1  # the relayed one waits; no report for NEVER
    head = json.loads(spool.path(ids[0], "H").read_text())
    assert head["dsn"] == {"ret": "FULL", "envid": "abc", "recipients": {
        "nowrite@example.com": {"notify": ["NEVER"]},
        "far@example.org": {"notify": ["DELAY", "SUCCESS"], "orcpt": "rfc822;far+40x"}}}
