"""The delay warning of acl serve against the ones Exim 4.96 queued for the
same messages (tests/smtp/data/dsn/delay-*.eml, tests/smtp/record_dsn.py):
each message is sent with the recorder's DSN parameters, its recipients
late* defer, its envelope is moved back past delay_warning and a delivery
attempt is queued again, as a queue run would."""

from __future__ import annotations

import dataclasses
import re
import smtplib
from pathlib import Path

import pytest

from acl.serve.deliver import warning_due
from acl.spool import Spool
from acl.spool.dsn import delay_words
from tests.serve.support import InProcess, state_for
from tests.serve.test_dsn import CONF as DSN_CONF
from tests.serve.test_dsn import RECORDED, _shape
from tests.smtp.record_dsn import HOURS, LATE, OUTPUTS, WORDING, Case

CONF = """
primary_hostname = mx.example.test
qualify_domain = example.com
dsn_advertise_hosts = *
domainlist local_domains = example.com
acl_smtp_rcpt = acl_rcpt
queue_only = false
delay_warning = DELAY

begin acl

acl_rcpt:
  accept

begin routers

local:
  driver = accept
  domains = +local_domains
  local_parts = !^late
  transport = md

""" + DSN_CONF[DSN_CONF.index("begin transports"):]  # the same Maildir transport


def _send(port: int, case: Case) -> None:
    mail, rcpts, message = case
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
        c.ehlo("client.example.net")
        assert c.mail("sender@example.com", mail.split())[0] == 250
        for r, params in rcpts:
            assert c.rcpt(r, params.split())[0] == 250
        c.data(message.replace("\n", "\r\n").encode())


def _run(tmp_path: Path, delay: str, cases: dict[str, Case], back: float) -> dict[str, str]:
    """Reports by (kind, subject of the reported message) after a second
    attempt on each message moved ``back`` seconds into the past."""
    (tmp_path / "mail").mkdir()
    conf = tmp_path / "dsn.conf"
    conf.write_text(CONF.replace("MAILROOT", str(tmp_path / "mail")).replace("DELAY", delay))
    spool = Spool(tmp_path / "spool")
    srv = InProcess(state_for(conf, tmp_path / "spool"))
    with srv:
        for case in cases.values():
            _send(srv.port, case)
        srv.wait_idle()
        for mid in spool.ids():
            env = spool.envelope(mid)
            if env.sender:
                env = dataclasses.replace(env, received=env.received - back)
                spool.path(mid, "H").write_bytes(env.to_json())
                srv.call(lambda m=mid: srv.server.to_deliver.put_nowait(m))
        srv.wait_idle()
    out = {}
    for mid in spool.ids():
        if spool.envelope(mid).sender:
            continue
        text = spool.data(mid).decode()
        kind = "delay" if "\nSubject: Warning: message" in text else "success"
        about = re.findall(r"(?m)^Subject: (.*)$", text)[-1]
        assert (kind, about) not in out
        out[(kind, about)] = text
    return out


def _norm(text: str) -> str:
    """_shape, less what Exim adds on delivery and the reasons (Exim's
    redirect router said 'mailbox busy', ours is the routing defer)."""
    text = _shape(text).replace("Return-path: <>\n", "", 1)
    return re.sub(r"(?m)^    Delay reason: .*$", "    Delay reason: REASON", text)


def _expected(cases: dict[str, Case]) -> dict[tuple[str, str], str]:
    return {k: f for k, f in OUTPUTS.items() if k[1] in cases}


def test_delay_warnings_match_exim(tmp_path: Path) -> None:
    got = _run(tmp_path, "2s", LATE, 3)
    want = _expected(LATE)
    assert set(got) == set(want)  # none for late four, five and nine
    for key, name in want.items():
        assert _norm(got[key]) == _norm((RECORDED / name).read_text()), name


def test_delay_in_hours(tmp_path: Path) -> None:
    got = _run(tmp_path, "4h", HOURS, 5 * 3600)
    want = _expected(HOURS)
    assert set(got) == set(want)
    for key, name in want.items():
        assert _norm(got[key]) == _norm((RECORDED / name).read_text()), name


@pytest.mark.parametrize("value", sorted(WORDING))
def test_delay_wording(value: str) -> None:
    """The delay a warning names: the last delay_warning time passed, the
    last gap repeating (recorded with messages WORDING[value] seconds old)."""
    from acl.serve.deliver import parse_time

    subject = re.search(r"(?m)^Subject: Warning: message \S+ delayed (.*)$",
                        (RECORDED / f"delay-{value}.eml").read_text())
    assert subject
    count, shown = warning_due([parse_time(value)], WORDING[value])
    assert count >= 1 and delay_words(shown) == subject.group(1)


def test_warning_schedule() -> None:
    times = [4 * 3600, 8 * 3600, 24 * 3600]
    assert warning_due(times, 3 * 3600) == (0, 0)
    assert warning_due(times, 5 * 3600) == (1, 4 * 3600)
    assert warning_due(times, 25 * 3600) == (3, 24 * 3600)
    assert warning_due(times, 41 * 3600) == (4, 40 * 3600)  # then every 16h
    assert warning_due([], 10**6) == (0, 0)
