"""DSN pieces without a server: xtext, NOTIFY defaults, the delay warning."""

from __future__ import annotations

import time
from pathlib import Path

from acl.config import load_config
from acl.serve.deliver import Deliverer, parse_time
from acl.spool import Envelope, Spool
from acl.spool.dsn import notify_of, xtext_decode


def test_xtext() -> None:
    assert xtext_decode("env+2Bid1") == "env+id1"
    assert xtext_decode("a+ZZb") is None  # '+' not followed by two upper-case hex digits
    assert xtext_decode("a+2b") is None
    assert xtext_decode("a+0D+0Ab") is None  # decodes to CR LF: never put in a header
    assert xtext_decode("a b") is None and xtext_decode("a=b") is None


def test_notify_defaults() -> None:
    dsn = {"recipients": {"n@x": {"notify": ["NEVER"]}, "s@x": {"notify": ["SUCCESS"]}}}
    assert notify_of(dsn, "other@x") == {"FAILURE", "DELAY"}
    assert notify_of(dsn, "n@x") == {"NEVER"}
    assert notify_of({}, "s@x") == {"FAILURE", "DELAY"}
    assert parse_time("1d2h") == 93600 and parse_time("30") == 30 and parse_time("x") == 0


def test_delay_warning_once(tmp_path: Path) -> None:
    conf = tmp_path / "c.conf"
    conf.write_text("primary_hostname = mx.example.test\nqualify_domain = example.com\n"
                    "delay_warning = 1h\n")
    config = load_config(str(conf))
    spool = Spool(tmp_path / "spool")
    spool.create()
    env = Envelope(id="1xVyaq-0006yv-0f", sender="s@example.com",
                   recipients=["far@example.org", "n@example.org"],
                   received=time.time() - 7200,
                   dsn={"envid": "e1", "recipients": {"n@example.org": {"notify": ["NEVER"]}}})
    spool.store(env, b"Subject: late\nMessage-ID: <q@example.com>\n\nbody\n")
    logged: list[str] = []
    d = Deliverer(spool, config, logged.append)
    assert d.run(env.id) is False and d.run(env.id) is False  # no router: deferred
    reports = [m for m in spool.ids() if m != env.id]
    assert len(reports) == 1  # once only
    text = spool.data(reports[0]).decode()
    # The layout is compared with Exim's recordings in tests/serve/test_dsn_delay.py;
    # here the rules those recordings showed: the delay named is the schedule's
    # (1h on a 2h-old message: "2 hours"), the first deferred recipient's NOTIFY
    # decides, and then every deferred recipient is named, in envelope order.
    assert f"Subject: Warning: message {env.id} delayed 2 hours\n" in text
    assert "Auto-Submitted: auto-replied\nFrom: " in text and "\nTo: s@example.com\n" in text
    assert text.index("\n  far@example.org\n    Delay reason: no local router accepts this address\n") < \
        text.index("\n  n@example.org\n")
    assert "Original-Envelope-ID: e1\n\nAction: delayed\nFinal-Recipient: rfc822;far@example.org\n" \
           "Status: 4.0.0\n" in text
    assert spool.envelope(reports[0]).sender == ""
    assert any(f"<= <> R={env.id} U=" in line for line in logged)
