"""STARTTLS through `acl serve` itself (the real daemon and dialogue): the
stapled OCSP proof seen by openssl s_client, Exim's reset after the
handshake, a second STARTTLS refused, and the `<=` line of a message
received over TLS."""

from __future__ import annotations

import re
import smtplib
from pathlib import Path

from tests.serve.support import InProcess, state_for
from tests.tls.clients import s_client, smtp_tls
from tests.tls.pki import Pki

CONF = """\
primary_hostname = mail.test.example
tls_certificate = {cert}
tls_privatekey = {key}
tls_ocsp_file = {ocsp}
tls_advertise_hosts = *
queue_only
spool_directory = {dir}/spool
log_file_path = {dir}/mainlog
log_selector = +smtp_connection +tls_sni
acl_smtp_rcpt = accept
"""


def _serve(pki: Pki, tmp: Path) -> InProcess:
    (tmp / "a.ocsp").write_bytes(pki.proof())
    conf = tmp / "tls.conf"
    conf.write_text(CONF.format(cert=pki.path("a.crt"), key=pki.path("a.key"),
                                ocsp=tmp / "a.ocsp", dir=tmp))
    return InProcess(state_for(conf, tmp / "spool"))


def test_s_client_sees_the_stapled_proof(pki: Pki, tmp_path: Path) -> None:
    with _serve(pki, tmp_path) as srv:
        out = s_client(srv.port, pki, "-status", "-servername", "a.test")
    assert "OCSP Response Status: successful (0x0)" in out
    assert "Cert Status: good" in out
    assert "Verify return code: 0 (ok)" in out


def test_reset_after_starttls_and_the_arrival_line(pki: Pki, tmp_path: Path) -> None:
    with _serve(pki, tmp_path) as srv:
        s = smtp_tls(srv.port, pki)
        # Exim forgets the EHLO: MAIL needs a new one, which no longer offers STARTTLS.
        assert s.docmd("MAIL FROM:<a@example.com>") == (503, b"HELO or EHLO required")
        code, text = s.ehlo("client.test")
        assert code == 250 and b"STARTTLS" not in text
        s.sendmail("a@example.com", ["b@test.example"], b"Subject: over TLS\r\n\r\nbody\r\n")
        assert s.docmd("QUIT")[0] == 221
        s.close()
        srv.wait_idle()
    log = (tmp_path / "mainlog").read_text()
    arrival = next(x for x in log.splitlines() if " <= a@example.com " in x)
    assert re.search(r" H=\(client\.test\) \[127\.0\.0\.1\] P=esmtps X=TLS1\.3:\S+:256 CV=no "
                     r"SNI=a\.test S=\d+$", arrival), arrival
    assert "SMTP connection from (client.test) [127.0.0.1] closed by QUIT" in log


def test_second_starttls_is_not_advertised(pki: Pki, tmp_path: Path) -> None:
    """As Exim's daemon answers (tests/tls/goldens/daemon.json, already_in_tls)."""
    with _serve(pki, tmp_path) as srv:
        s = smtp_tls(srv.port, pki)
        try:
            s.ehlo("client.test")
            assert s.docmd("STARTTLS") == (503, b"STARTTLS command used when not advertised")
            assert s.docmd("NOOP") == (250, b"OK")
            assert s.docmd("QUIT")[0] == 221
        finally:
            s.close()
        srv.wait_idle()


def test_helo_over_tls_is_smtps(pki: Pki, tmp_path: Path) -> None:
    with _serve(pki, tmp_path) as srv:
        s = smtp_tls(srv.port, pki)
        assert s.helo("client.test")[0] == 250
        s.sendmail("a@example.com", ["b@test.example"], b"Subject: x\r\n\r\nbody\r\n")
        s.quit()
        srv.wait_idle()
    assert " P=smtps X=" in (tmp_path / "mainlog").read_text()


def test_plain_session_is_unchanged(pki: Pki, tmp_path: Path) -> None:
    with _serve(pki, tmp_path) as srv:
        s = smtplib.SMTP("127.0.0.1", srv.port, local_hostname="client.test", timeout=15)
        code, text = s.ehlo()
        assert b"STARTTLS" in text
        s.sendmail("a@example.com", ["b@test.example"], b"Subject: x\r\n\r\nbody\r\n")
        s.quit()
        srv.wait_idle()
    assert " P=esmtp S=" in (tmp_path / "mainlog").read_text()
