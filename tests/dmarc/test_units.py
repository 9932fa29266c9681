"""DMARC pieces: records, discovery, alignment, pct/sp, From: domain, the
Authentication-Results header, history lines, and the condition's phase."""

from __future__ import annotations

import io

import pytest

from acl.dmarc import forensic
from acl.dmarc.authres_header import ar_header
from acl.dmarc.evaluate import Inputs, aligned, evaluate
from acl.dmarc.fromdomain import from_domain
from acl.dmarc.history import entry
from acl.dmarc.psl import organizational_domain
from acl.dmarc.record import RecordError, parse
from acl.dns import use_server
from acl.runtime.context import ExpansionContext


def _ctx(dns=None):  # type: ignore[no-untyped-def]
    ctx = ExpansionContext()
    if dns is not None:
        use_server(ctx, dns.host, dns.port)
    return ctx


def test_record_parsing() -> None:
    r = parse("v=DMARC1; p=Reject; sp=none; adkim=s; pct=20; rua=mailto:a@x.test,mailto:b@x.test")
    assert (r.p, r.sp, r.adkim, r.aspf, r.pct, r.rua) == ("r", "n", "s", "", 20,
                                                          ("mailto:a@x.test", "mailto:b@x.test"))
    assert parse("v=DMARC1; rua=mailto:a@x.test").p == "n"  # no p but rua: p=none
    for bad in ("v=DMARC1", "v=DMARC1; p=maybe", "p=none; v=DMARC1", "v=DMARC1; p=none; pct=101",
                "v=DMARC1; p=none; adkim=x"):
        with pytest.raises(RecordError):
            parse(bad)


def test_organizational_domains_and_alignment(tmp_path) -> None:
    assert organizational_domain(None, "a.b.Example.co.uk") == "example.co.uk"
    assert aligned("mail.example.com", "example.com", "r", None)
    assert not aligned("mail.example.com", "example.com", "s", None)
    assert not aligned("example.co.uk", "other.co.uk", "r", None)
    # dmarc_tld_file replaces the packaged list
    tld = tmp_path / "tld.dat"
    tld.write_text("uk\nexample.co.uk\n")
    ctx = _ctx()
    ctx.config = type("C", (), {"options": {"dmarc_tld_file": str(tld)}, "macros": {}})()
    assert organizational_domain(ctx, "a.b.example.co.uk") == "b.example.co.uk"


@pytest.mark.parametrize(("header", "domain"), [
    ([("From", " Bob <bob@Example.TEST>")], "example.test"),
    ([("From", " a@x.test, b@X.test")], "x.test"),
    ([("From", " a@x.test, b@y.test")], ""),
    ([("From", " a@x.test"), ("From", " b@x.test")], ""),
    ([("Subject", " none")], ""),
    ([("From", " no address here")], ""),
])
def test_from_domain(header, domain) -> None:  # type: ignore[no-untyped-def]
    assert from_domain(header) == domain


@pytest.mark.parametrize(("inp", "status", "policy", "used"), [
    (Inputs("reject.test", "reject.test", "pass", ()), "accept", "reject", "reject.test"),
    (Inputs("reject.test", "reject.test", "fail", ()), "reject", "reject", "reject.test"),
    (Inputs("reject.test", "other.test", "pass", ()), "reject", "reject", "reject.test"),
    (Inputs("reject.test", "", "", (("reject.test", "pass"),)), "accept", "reject", "reject.test"),
    (Inputs("reject.test", "", "", (("reject.test", "fail"),)), "reject", "reject", "reject.test"),
    (Inputs("reject.test", "", "", (("sub.reject.test", "pass"),)), "accept", "reject", "reject.test"),
    (Inputs("quarantine.test", "mail.quarantine.test", "pass", ()), "quarantine", "quarantine",
     "quarantine.test"),
    (Inputs("a.quarantine.test", "x.test", "fail", ()), "reject", "reject", "quarantine.test"),
    (Inputs("none.test", "x.test", "fail", ()), "none", "none", "none.test"),
    (Inputs("x.norecord.test", "x.test", "fail", ()), "norecord", "", "norecord.test"),
    (Inputs("two.test", "x.test", "fail", ()), "norecord", "", "two.test"),
    (Inputs("bad.test", "x.test", "fail", ()), "norecord", "", "bad.test"),
    (Inputs("norua.test", "x.test", "fail", ()), "none", "none", "norua.test"),
    (Inputs("x.broken.test", "x.test", "fail", ()), "temperror", "", "x.broken.test"),
    (Inputs("", "x.test", "pass", ()), "nofrom", "", ""),
])
def test_evaluate(dmarc_dns, inp, status, policy, used) -> None:  # type: ignore[no-untyped-def]
    out = evaluate(_ctx(dmarc_dns), inp)
    assert (out.status, out.domain_policy, out.used_domain) == (status, policy, used)


def test_pct_applies_the_next_weaker_policy(dmarc_dns) -> None:
    inp = Inputs("pct.test", "x.test", "fail", ())
    assert evaluate(_ctx(dmarc_dns), inp, rand=lambda: 0.2).status == "reject"
    out = evaluate(_ctx(dmarc_dns), inp, rand=lambda: 0.7)
    assert (out.status, out.sampled_out, out.domain_policy) == ("quarantine", True, "reject")


def test_ar_header(dmarc_dns) -> None:
    out = evaluate(_ctx(dmarc_dns), Inputs("reject.test", "x.test", "fail", ()))
    assert ar_header("mx.recv.test", out, "reject.test") == (
        "Authentication-Results: mx.recv.test; dmarc=fail (p=reject dis=reject) "
        "header.from=reject.test")
    out = evaluate(_ctx(dmarc_dns), Inputs("norecord.test", "x.test", "fail", ()))
    assert ar_header("mx", out, "norecord.test") == (
        "Authentication-Results: mx; dmarc=none header.from=norecord.test")


def test_history_entry(dmarc_dns) -> None:
    out = evaluate(_ctx(dmarc_dns), Inputs("quarantine.test", "quarantine.test", "pass", ()))
    text = entry(job="1abcde-000001-AB", reporter="mx", received=1700000000, ip="192.0.2.1",
                 from_domain="quarantine.test", mfrom="quarantine.test", spf="pass",
                 dkim=[("quarantine.test", "s1", "fail")], out=out)
    assert text == ("job 1abcde-000001-AB\nreporter mx\nreceived 1700000000\nipaddr 192.0.2.1\n"
                    "from quarantine.test\nmfrom quarantine.test\nspf 0\n"
                    "dkim quarantine.test s1 7\npdomain quarantine.test\npolicy 15\nrua -\n"
                    "pct 100\nadkim 0\naspf 115\np 113\nsp 114\nalign_dkim 5\nalign_spf 4\n"
                    "action 2\n")


def test_forensic_only_when_fo_asks(dmarc_dns) -> None:
    ctx = _ctx(dmarc_dns)
    out = evaluate(ctx, Inputs("reject.test", "x.test", "fail", ()))
    facts = forensic.Facts("reject.test", "192.0.2.1", "", 0.0, True, False, "", [])
    assert forensic.wanted(out, facts) and forensic.targets(ctx, out) == ["forensic@reject.test"]
    out = evaluate(ctx, Inputs("quarantine.test", "x.test", "fail", ()))
    assert not forensic.wanted(out, facts)  # no ruf


def test_condition_only_in_data_acl(make) -> None:  # type: ignore[no-untyped-def]
    h = make("a:\n  accept dmarc_status = none\n")
    v = h.run("a", where="rcpt", local_part="x", domain="y.z")
    assert v.result.name == "ERROR"
    assert v.log_message == "cannot test dmarc_status condition in RCPT ACL"
