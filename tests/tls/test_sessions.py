"""STARTTLS sessions through acl.tls with Python's ssl client (smtplib):
the $tls_in_* variables, ${certextract} over them, SNI choosing the
certificate, client certificates verified or not, protocol limits, and the
454 reply when the server's credentials cannot be used."""

from __future__ import annotations

import re
import smtplib
import ssl

import pytest

from acl.tls import verify_certificate
from tests.tls.clients import expand_remote, smtp_tls
from tests.tls.conftest import server_conf
from tests.tls.miniserver import MiniServer
from tests.tls.pki import Pki

VARS = "$tls_in_ver|$tls_in_cipher|$tls_in_cipher_std|$tls_in_bits|$tls_in_sni"


def test_variables_after_handshake(pki: Pki, tmp_path) -> None:
    with MiniServer(server_conf(pki), tmp_path) as srv:
        s = smtp_tls(srv.port, pki)
        ver, cipher, std, bits, sni = expand_remote(s, VARS).split("|")
        ourcert = expand_remote(s, "${certextract{subject}{$tls_in_ourcert}}")
        peer = expand_remote(s, "${if def:tls_in_peercert{yes}{no}} <$tls_in_peerdn> $tls_in_certificate_verified")
        s.quit()
    assert ver == "TLS1.3"
    assert re.fullmatch(r"TLS1\.3:TLS_[A-Z0-9_]+:(128|256)", cipher)
    assert cipher.split(":")[1] == std and cipher.split(":")[2] == bits
    assert sni == "a.test"
    assert ourcert == "C=GB,O=exim-acl tests,CN=a.test"
    assert peer == "no <> 0"  # no client certificate was asked for
    assert srv.sessions[-1].ctx.variables["tls_in_sni"].__class__.__name__ == "TaintedStr"


def test_tls12_names(pki: Pki, tmp_path) -> None:
    """A GnuTLS priority string (the reference build's dialect) limits versions."""
    with MiniServer(server_conf(pki, "tls_require_ciphers = NORMAL:-VERS-TLS1.3"), tmp_path) as srv:
        s = smtp_tls(srv.port, pki)
        ver, cipher, std, bits, _ = expand_remote(s, VARS).split("|")
        s.quit()
    assert ver == "TLS1.2"
    assert cipher.startswith("TLS1.2:ECDHE-ECDSA-")
    assert std.startswith("TLS_ECDHE_ECDSA_WITH_")


def test_openssl_cipher_list(pki: Pki, tmp_path) -> None:
    conf = server_conf(pki, "tls_require_ciphers = ECDHE_ECDSA_AES128_GCM_SHA256",
                       "openssl_options = +no_tlsv1_3")
    with MiniServer(conf, tmp_path) as srv:
        s = smtp_tls(srv.port, pki)
        got = expand_remote(s, "$tls_in_cipher $tls_in_cipher_std")
        s.quit()
    assert got == "TLS1.2:ECDHE-ECDSA-AES128-GCM-SHA256:128 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"


SNI_CONF = ("tls_certificate = ${if eq{$tls_in_sni}{b.test}{{PKI}/b.crt}{{PKI}/a.crt}}\n"
            "tls_privatekey = ${if eq{$tls_in_sni}{b.test}{{PKI}/b.key}{{PKI}/a.key}}\n")


@pytest.mark.parametrize("sni, cn", [("b.test", "b.test"), ("a.test", "a.test"), (None, "a.test")])
def test_sni_selects_certificate(pki: Pki, tmp_path, sni: str | None, cn: str) -> None:
    conf = "primary_hostname = mini.test\n" + SNI_CONF.replace("{PKI}", str(pki.dir))
    with MiniServer(conf, tmp_path) as srv:
        s = smtp_tls(srv.port, pki, sni=sni)
        seen = s.sock.getpeercert()
        got = expand_remote(s, "<$tls_in_sni> ${certextract{subject,CN}{$tls_in_ourcert}}")
        s.quit()
    assert dict(x[0] for x in seen["subject"])["commonName"] == cn
    assert got == f"<{sni or ''}> {cn}"


def _verify_conf(pki: Pki, option: str) -> str:
    return server_conf(pki, f"{option} = 127.0.0.1", f"tls_verify_certificates = {pki.path('ca.pem')}")


def test_client_certificate_verified(pki: Pki, tmp_path) -> None:
    with MiniServer(_verify_conf(pki, "tls_verify_hosts"), tmp_path) as srv:
        s = smtp_tls(srv.port, pki, cert="client")
        got = expand_remote(s, "$tls_in_certificate_verified|$tls_in_peerdn|"
                               "${certextract{subj_altname}{$tls_in_peercert}}")
        s.quit()
    assert got == "1|C=GB,O=exim-acl tests,CN=client.test|DNS=client.test"
    ctx = srv.sessions[-1].ctx
    assert verify_certificate(ctx)
    assert ctx.variables["tls_in_peerdn"].__class__.__name__ == "TaintedStr"


def test_required_certificate_missing(pki: Pki, tmp_path) -> None:
    with MiniServer(_verify_conf(pki, "tls_verify_hosts"), tmp_path) as srv:
        with pytest.raises((ssl.SSLError, smtplib.SMTPException, ConnectionError, OSError)):
            s = smtp_tls(srv.port, pki)
            s.docmd("XEXPAND", "x")  # TLS 1.3: the server's refusal arrives after the client's Finished
    assert any("(SSL_accept)" in line and "certificate" in line for line in srv.log), srv.log


def test_required_certificate_untrusted(pki: Pki, tmp_path) -> None:
    with MiniServer(_verify_conf(pki, "tls_verify_hosts"), tmp_path) as srv:
        with pytest.raises((ssl.SSLError, smtplib.SMTPException, ConnectionError, OSError)):
            s = smtp_tls(srv.port, pki, cert="rogue")
            s.docmd("XEXPAND", "x")
    assert "[127.0.0.1] SSL verify error: depth=0 error=self-signed certificate " \
           "cert=/C=GB/O=nobody/CN=rogue.test" in srv.log


def test_try_verify_untrusted_continues(pki: Pki, tmp_path) -> None:
    with MiniServer(_verify_conf(pki, "tls_try_verify_hosts"), tmp_path) as srv:
        s = smtp_tls(srv.port, pki, cert="rogue")
        got = expand_remote(s, "$tls_in_certificate_verified|$tls_in_peerdn")
        s.quit()
    assert got == "0|C=GB,O=nobody,CN=rogue.test"
    assert not verify_certificate(srv.sessions[-1].ctx)


def test_try_verify_without_certificate(pki: Pki, tmp_path) -> None:
    with MiniServer(_verify_conf(pki, "tls_try_verify_hosts"), tmp_path) as srv:
        s = smtp_tls(srv.port, pki)
        got = expand_remote(s, "$tls_in_certificate_verified|$tls_in_peerdn|${if def:tls_in_peercert{y}{n}}")
        s.quit()
    assert got == "0||n"


def test_unusable_credentials_get_454(pki: Pki, tmp_path) -> None:
    conf = server_conf(pki).replace(pki.path("a.key"), pki.path("b.key"))
    with MiniServer(conf, tmp_path) as srv:
        s = smtplib.SMTP("127.0.0.1", srv.port, local_hostname="client.test", timeout=15)
        s.ehlo()
        code, text = s.docmd("STARTTLS")
        s.quit()
    assert (code, text) == (454, b"TLS currently unavailable")
    assert srv.log == [f"TLS error on connection from [127.0.0.1] (cert/key setup: cert={pki.path('a.crt')} "
                       f"key={pki.path('b.key')}): The certificate and the given key do not match."]


def test_pipelined_plaintext_is_discarded(pki: Pki, tmp_path) -> None:
    """Commands sent with STARTTLS in one packet never run (Exim drops them)."""
    import socket

    with MiniServer(server_conf(pki), tmp_path) as srv:
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
        f = raw.makefile("rb")
        f.readline()
        raw.sendall(b"STARTTLS\r\nXEXPAND injected\r\n")
        assert f.readline() == b"220 TLS go ahead\r\n"
        ctx = ssl.create_default_context(cafile=pki.path("ca.pem"))
        tls = ctx.wrap_socket(raw, server_hostname="a.test")
        tls.sendall(b"XEXPAND clean\r\n")
        reply = tls.recv(100)
        tls.close()
    assert reply == b"250 clean\r\n"
