"""DKIM in the SMTP dialogue: the message is verified after DATA and before
the DATA ACL (the DKIM ACL per signer, its refusal as Exim replies and logs
it, the DKIM variables in the DATA ACL, DKIM= on the `<=` line), through
`acl session` and through `acl serve`, with keys published by a real NSD."""

from __future__ import annotations

import smtplib
from pathlib import Path
from typing import Any

import pytest

from acl.cli.session import session_main
from tests.dkim.signer import message, new_key, sign, zone_txt
from tests.dnsserver import dns_server  # noqa: F401  (the fixture)
from tests.serve.support import InProcess, state_for

CONF = """\
primary_hostname = mx.example.org
acl_smtp_rcpt = accept
acl_smtp_dkim = dkim
acl_smtp_data = data
{extra}
begin acl
dkim:
  deny dkim_status = fail
       message = DKIM $dkim_verify_reason
  accept
data:
  warn logwrite = DATA status=$dkim_verify_status signer=$dkim_cur_signer \\
         domain=$dkim_domain selector=$dkim_selector bits=$dkim_key_length
  accept
"""
KEY = new_key("rsa", 1024)


def _zones() -> dict[str, str]:
    return {"dkim.test": zone_txt("sel._domainkey", KEY.record())}


def _session(tmp: Path, dns: Any, msg: bytes) -> tuple[str, list[str]]:
    conf = tmp / "dkim.conf"
    conf.write_text(CONF.format(extra=""))
    smtp = (b"EHLO client.example\r\nMAIL FROM:<alice@dkim.test>\r\nRCPT TO:<bob@example.org>\r\n"
            b"DATA\r\n" + msg + b".\r\nQUIT\r\n")
    out, err, _ = session_main(["-C", str(conf), "-bh", "192.0.2.1",
                                "--dns-server", f"{dns.host}:{dns.port}"], smtp)
    return out, [x[5:] for x in err.splitlines() if x.startswith("LOG: ")]


def test_session_verifies_a_signed_message(tmp_path: Path, dns_server: Any) -> None:
    out, log = _session(tmp_path, dns_server(_zones()), sign(message(), KEY))
    assert "\n250 OK id=" in out
    data = next(x for x in log if "DATA status=" in x)
    assert data.endswith("DATA status=pass signer=dkim.test domain=dkim.test selector=sel bits=1024")
    arrival = next(x for x in log if " <= alice@dkim.test " in x)
    assert " P=esmtp S=" in arrival and " DKIM=dkim.test id=m1@dkim.test" in arrival


def test_session_dkim_acl_refuses_a_bad_signature(tmp_path: Path, dns_server: Any) -> None:
    signed = sign(message(), KEY).replace(b"A test message.", b"A changed message.")
    out, log = _session(tmp_path, dns_server(_zones()), signed)
    assert "\n550 DKIM bodyhash_mismatch\r\n" in out
    rejected = next(x for x in log if "rejected DKIM" in x)
    assert rejected.endswith("H=(client.example) [192.0.2.1] rejected DKIM : DKIM bodyhash_mismatch")
    assert not any(" <= " in x or "DATA status=" in x for x in log)


def test_serve_verifies_and_logs_dkim(tmp_path: Path, dns_server: Any) -> None:
    from acl.dns import use_server
    from acl.serve.daemon import Server

    dns = dns_server(_zones())
    conf = tmp_path / "dkim.conf"
    conf.write_text(CONF.format(extra=f"queue_only\nspool_directory = {tmp_path}/spool\n"
                                      f"log_file_path = {tmp_path}/mainlog"))

    class AtTestDns(Server):  # every lookup of the session goes to the test's NSD
        def make_policy(self, proto: Any) -> Any:
            policy = super().make_policy(proto)
            use_server(policy.ctx, dns.host, dns.port)
            return policy

    srv = InProcess(state_for(conf, tmp_path / "spool"))
    srv.server = AtTestDns(srv.server.state)
    with srv:
        with smtplib.SMTP("127.0.0.1", srv.port, local_hostname="client.example", timeout=15) as s:
            s.sendmail("alice@dkim.test", ["bob@example.org"], sign(message(), KEY))
        srv.wait_idle()
    log = (tmp_path / "mainlog").read_text()
    assert "DATA status=pass signer=dkim.test domain=dkim.test selector=sel bits=1024" in log
    assert " DKIM=dkim.test id=m1@dkim.test" in log


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
