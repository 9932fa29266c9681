"""stdlib/dmarc.conf, included and tuned by macros, run as the DATA ACL."""

from __future__ import annotations

from pathlib import Path

import pytest

from acl.config import parse_config_text
from acl.dns import use_server
from acl.engine import Engine, Verdict
from acl.runtime.context import ExpansionContext

STDLIB = Path(__file__).resolve().parents[2] / "stdlib" / "dmarc.conf"


def _data(dns, ip: str, sender: str, from_: str, *macros: str) -> Verdict:  # type: ignore[no-untyped-def]
    conf = "\n".join(["primary_hostname = mx.recv.test", *macros, "acl_smtp_data = data",
                      "begin acl", f".include {STDLIB}", "data:", "  require acl = dmarc_policy",
                      "  accept", ""])
    ctx = ExpansionContext()
    use_server(ctx, dns.host, dns.port, timeout=2.0, attempts=1)
    ctx.variables.update(sender_host_address=ip, sender_helo_name="client.example",
                         sender_address=sender, sender_address_domain=sender.rpartition("@")[2],
                         message_exim_id="1abcde-000001-AB")
    ctx.headers = [("From", f" {from_}")] if from_ else []
    engine = Engine(parse_config_text(conf))
    return engine.run_acl(engine.acl_for("data"), ctx, where="data")


def test_pass_gets_the_header(dmarc_dns) -> None:
    v = _data(dmarc_dns, "192.0.2.1", "bob@reject.test", "bob@reject.test")
    assert v.result.name == "OK"
    assert [h.text for h in v.effects.headers_added] == [
        "Authentication-Results: mx.recv.test; dmarc=pass (p=reject dis=none) "
        "header.from=reject.test\n"]


def test_reject(dmarc_dns) -> None:
    v = _data(dmarc_dns, "198.51.100.7", "bob@reject.test", "bob@reject.test")
    assert (v.result.name, v.user_message) == (
        "FAIL", "Message from reject.test failed the domain's DMARC policy")


@pytest.mark.parametrize(("ip", "domain", "macros", "result"), [
    ("198.51.100.7", "reject.test", ("DMARC_ENFORCE_REJECT = no",), "OK"),
    ("198.51.100.7", "reject.test", ("DMARC_SKIP_HOSTS = 198.51.100.0/24",), "OK"),
    ("198.51.100.7", "x.broken.test", (), "OK"),
    ("198.51.100.7", "x.broken.test", ("DMARC_DEFER_TEMPERROR = yes",), "DEFER"),
])
def test_macros_tune_the_policy(dmarc_dns, ip, domain, macros, result) -> None:  # type: ignore[no-untyped-def]
    assert _data(dmarc_dns, ip, f"bob@{domain}", f"bob@{domain}", *macros).result.name == result


def test_quarantine_is_marked(dmarc_dns) -> None:
    v = _data(dmarc_dns, "198.51.100.7", "bob@quarantine.test", "bob@quarantine.test",
              "DMARC_ADD_HEADER = no")
    assert v.result.name == "OK"
    assert [h.text for h in v.effects.headers_added] == [
        "X-DMARC-Quarantine: policy of quarantine.test\n"]
