"""stdlib/spf.conf: the policy included into a configuration and tuned with
macros, run through the RCPT ACL against the SPF zones."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spf.conftest import run, session_ctx

STDLIB = Path(__file__).resolve().parents[2] / "stdlib" / "spf.conf"


def _conf(*macros: str) -> str:
    return "\n".join(["primary_hostname = mx.recv.test", *macros, "acl_smtp_rcpt = rcpt",
                      "begin acl", f".include {STDLIB}", "rcpt:", "  require acl = spf_policy",
                      "  accept", ""])


def _rcpt(srv, sender: str, *macros: str):  # type: ignore[no-untyped-def]
    ctx = session_ctx(srv, "192.0.2.1", "helo.example.test", sender)
    return run(_conf(*macros), ctx, "rcpt")


def test_pass_accepted_with_received_spf_on_top(spf_server) -> None:
    v = _rcpt(spf_server, "user@pass.example.test")
    assert v.result.name == "OK"
    added = v.effects.headers_added
    assert len(added) == 1 and added[0].text.startswith("Received-SPF: pass (mx.recv.test: domain of")
    assert added[0].position == "at_start"


def test_fail_rejected_with_the_smtp_comment(spf_server) -> None:
    v = _rcpt(spf_server, "user@fail.example.test")
    assert v.result.name == "FAIL"
    # Exim splits replies longer than 75 characters after a colon.
    assert v.user_message == (
        "192.0.2.1 may not send mail for fail.example.test (SPF fail):\n"
        "Please see http://www.open-spf.org/Why : Reason: mechanism")


@pytest.mark.parametrize(("sender", "macros", "result"), [
    ("user@softfail.example.test", (), "OK"),
    ("user@softfail.example.test", ("SPF_REJECT_SOFTFAIL = yes",), "FAIL"),
    ("user@incltemp.example.test", (), "DEFER"),
    ("user@incltemp.example.test", ("SPF_DEFER_TEMPERROR = no",), "OK"),
    ("user@two.example.test", (), "OK"),
    ("user@two.example.test", ("SPF_REJECT_PERMERROR = yes",), "FAIL"),
    ("user@fail.example.test", ("SPF_REJECT_FAIL = no",), "OK"),
    ("user@fail.example.test", ("SPF_EXEMPT_HOSTS = 192.0.2.0/24",), "OK"),
])
def test_macros_tune_the_policy(spf_server, sender: str, macros: tuple[str, ...], result: str) -> None:
    assert _rcpt(spf_server, sender, *macros).result.name == result


def test_no_header_when_turned_off(spf_server) -> None:
    v = _rcpt(spf_server, "user@pass.example.test", "SPF_ADD_RECEIVED = no")
    assert v.result.name == "OK" and not v.effects.headers_added
