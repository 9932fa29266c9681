"""stdlib/dnsbl.conf: the policy included into a configuration and tuned with
macros, run through the RCPT ACL against the dnslists zones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from acl.config import parse_config_text
from acl.dns import use_server
from acl.engine import Engine
from acl.engine.verdict import Verdict
from acl.runtime.context import ExpansionContext

STDLIB = Path(__file__).resolve().parents[2] / "stdlib" / "dnsbl.conf"


def _rcpt(srv: Any, ip: str, *macros: str, sender: str = "user@clean.example") -> Verdict:
    conf = "\n".join(["primary_hostname = mx.example.test", *macros, "acl_smtp_rcpt = rcpt",
                      "begin acl", f".include {STDLIB}", "rcpt:", "  require acl = dnsbl_policy",
                      "  accept", ""])
    ctx = ExpansionContext()
    use_server(ctx, srv.host, srv.port, timeout=2.0, attempts=1)
    ctx.variables.update(sender_host_address=ip, sender_address=sender,
                         sender_address_domain=sender.rpartition("@")[2])
    engine = Engine(parse_config_text(conf))
    return engine.run_acl(engine.acl_for("rcpt"), ctx, where="rcpt")


IP_LISTS = "DNSBL_IP_LISTS = broken.test : bl.test"


def test_listed_client_rejected_with_the_list_text(zones_server: Any) -> None:
    v = _rcpt(zones_server, "192.0.2.1", IP_LISTS)
    assert v.result.name == "FAIL"
    assert v.user_message == "192.0.2.1 is listed at bl.test: Listed: see http://bl.test/?192.0.2.1"


@pytest.mark.parametrize(("ip", "macros", "result"), [
    ("192.0.2.99", (IP_LISTS,), "OK"),  # not listed
    ("192.0.2.3", (IP_LISTS,), "OK"),  # answer outside 127/8: ignored
    ("192.0.2.1", (), "OK"),  # no lists configured
    ("192.0.2.1", (IP_LISTS, "DNSBL_EXEMPT_HOSTS = 192.0.2.0/28"), "OK"),
    ("192.0.2.1", ("DNSBL_IP_LISTS = bl.test=127.0.0.3",), "OK"),  # other return codes only
    ("192.0.2.99", (IP_LISTS, "DNSBL_DEFER_UNKNOWN = yes"), "DEFER"),  # broken.test cannot answer
    ("192.0.2.99", ("DNSBL_REQUIRE_REVERSE = yes",), "FAIL"),  # no PTR
    ("192.0.2.1", ("DNSBL_REQUIRE_REVERSE = yes",), "OK"),
    ("198.51.100.77", ("DNSBL_REQUIRE_REVERSE = yes",), "OK"),  # reverse zone fails: defer_ok
    ("198.51.100.77", ("DNSBL_REQUIRE_REVERSE = yes", "DNSBL_DEFER_UNKNOWN = yes"), "DEFER"),
])
def test_macros_tune_the_policy(zones_server: Any, ip: str, macros: tuple[str, ...], result: str) -> None:
    assert _rcpt(zones_server, ip, *macros).result.name == result


def test_domain_lists_keyed_on_the_sender(zones_server: Any) -> None:
    v = _rcpt(zones_server, "192.0.2.99", "DNSBL_DOMAIN_LISTS = bl.test/$sender_address_domain",
              sender="user@spammer.example")
    assert v.result.name == "FAIL" and v.user_message == "spammer.example is listed at bl.test: domain listed"


def test_warn_lists_add_a_header(zones_server: Any) -> None:
    v = _rcpt(zones_server, "192.0.2.4", "DNSBL_WARN_LISTS = bl.test")
    assert v.result.name == "OK"
    assert [h.text for h in v.effects.headers_added] == [
        "X-DNSBL-Warning: 192.0.2.4 is listed at bl.test (127.0.0.4)\n"]
