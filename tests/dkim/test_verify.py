"""Verification with keys made in the test and published through NSD. The
expected results are those Exim 4.96 gave for the same situations (see the
recorded goldens in goldens.json)."""

from __future__ import annotations

from typing import Any

import pytest

from acl.dkim import Status, verify_message
from acl.dns import use_server
from acl.runtime.context import ExpansionContext
from acl.runtime.values import is_tainted
from tests.dkim.harness import run_session
from tests.dkim.signer import message, new_key, sign, zone_txt

RSA, ED = new_key(), new_key("ed25519")
ZONE = (zone_txt("sel._domainkey", RSA.record()) + zone_txt("ed._domainkey", ED.record())
        + zone_txt("rev._domainkey", "v=DKIM1; p=") + zone_txt("tst._domainkey", RSA.record("t=y; ")))


@pytest.fixture
def srv(dns_server: Any) -> Any:
    return dns_server({"dkim.test": ZONE}, broken=("broken.test",))


def _verify(srv: Any, raw: bytes) -> tuple[list[Any], ExpansionContext]:
    ctx = ExpansionContext()
    use_server(ctx, srv.host, srv.port)
    return verify_message(ctx, raw), ctx


@pytest.mark.parametrize("raw, status, reason, bits", [
    (sign(message(), RSA), "pass", "", 2048),
    (sign(message(), RSA).replace(b"A test", b"A Test"), "fail", "bodyhash_mismatch", 0),
    (sign(message(), RSA).replace(b"DKIM test", b"DKIM Test"), "fail", "signature_incorrect", 2048),
    (sign(message(), RSA, selector="nokey"), "invalid", "pubkey_unavailable", 0),
    (sign(message(), RSA, selector="rev"), "invalid", "pubkey_der_syntax", 0),
    (sign(message(), ED, selector="ed"), "pass", "", 256),
    (sign(message(), RSA, length=True) + b"added\r\n", "pass", "", 2048),
    (sign(message(), RSA, domain="broken.test"), "invalid", "pubkey_unavailable", 0),
], ids=["pass", "body", "header", "missing", "revoked", "ed25519", "l=", "tempfail"])
def test_outcomes(srv: Any, raw: bytes, status: str, reason: str, bits: int) -> None:
    (sig,), ctx = _verify(srv, raw)
    assert (sig.status_text, sig.reason, sig.keybits) == (status, reason, bits)
    assert ctx.variables["dkim_signers"] == sig.domain and is_tainted(ctx.variables["dkim_signers"])


def test_testing_flag_and_several(srv: Any) -> None:
    raw = sign(sign(message(), RSA, selector="tst"), ED, selector="ed", identity="a@dkim.test")
    sigs, ctx = _verify(srv, raw)
    assert [(s.algo, s.status) for s in sigs] == [("ed25519-sha256", Status.PASS), ("rsa-sha256", Status.PASS)]
    assert sigs[1].pubkey.testing and not sigs[0].pubkey.testing
    assert ctx.variables["dkim_signers"] == "dkim.test:a@dkim.test:dkim.test"


CONF = """primary_hostname = mx.example.org
acl_smtp_rcpt = accept
acl_smtp_dkim = dkim_acl
acl_smtp_data = data_acl
begin acl
dkim_acl:
  deny dkim_signers = dkim.test
       dkim_status = fail
       message = bad signature from $dkim_cur_signer ($dkim_verify_reason)
  accept
data_acl:
  warn logwrite = $dkim_verify_status ${authresults{mx}}
  accept
"""


def test_engine_end_to_end(srv: Any) -> None:
    logs, reply, _ = run_session(CONF, sign(message(), RSA), srv)
    assert reply == "250"
    assert logs == ["pass Authentication-Results: mx;\\n\tdkim=pass header.d=dkim.test header.s=sel "
                    "header.a=rsa-sha256"]
    logs, reply, _ = run_session(CONF, sign(message(), RSA).replace(b"DKIM test", b"x"), srv)
    assert reply == "550 bad signature from dkim.test (signature_incorrect)"
    assert logs == ["DKIM: validation error: Public key signature verification has failed."]
