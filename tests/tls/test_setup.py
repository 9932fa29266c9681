"""Credential setup failures: the texts were taken from Exim 4.96 (exim -bh,
STARTTLS after EHLO), which replies 454 TLS currently unavailable to each."""

from __future__ import annotations

import pytest

from acl.config import load_config
from acl.runtime.context import ExpansionContext
from acl.tls import ServerTLS, TlsUnavailable
from tests.tls.pki import Pki


def _setup(tmp_path, pki: Pki, lines: str) -> ServerTLS:
    conf = tmp_path / "t.conf"
    conf.write_text("primary_hostname = test.example\n" + lines.replace("{PKI}", str(pki.dir)) + "\n")
    ctx = ExpansionContext(config=load_config(str(conf)))
    ctx.variables["sender_host_address"] = "192.0.2.1"
    tls = ServerTLS(ctx)
    tls.prepare()
    return tls


@pytest.mark.parametrize("lines, logged", [
    ("tls_certificate = {PKI}/junk.pem\ntls_privatekey = {PKI}/a.key",
     ["(cert/key setup: cert={PKI}/junk.pem key={PKI}/a.key): Base64 decoding error."]),
    ("tls_certificate = {PKI}/a.crt\ntls_privatekey = {PKI}/junk.pem",
     ["(cert/key setup: cert={PKI}/a.crt key={PKI}/junk.pem): The requested data were not available."]),
    ("tls_certificate = {PKI}/a.crt\ntls_privatekey = {PKI}/b.key",
     ["(cert/key setup: cert={PKI}/a.crt key={PKI}/b.key): The certificate and the given key do not match."]),
    ("tls_certificate = {PKI}/nonexistent.pem\ntls_privatekey = {PKI}/a.key",
     ["(cert/key setup: cert={PKI}/nonexistent.pem key={PKI}/a.key): Error while reading file."]),
    ("tls_certificate = relative.pem\ntls_privatekey = {PKI}/a.key",
     ["(cert/key setup: cert=relative.pem key={PKI}/a.key): Error while reading file."]),
    ("tls_certificate = {PKI}/a.crt",  # no key in the certificate file
     ["(cert/key setup: cert={PKI}/a.crt key={PKI}/a.crt): The requested data were not available."]),
    ("tls_certificate = {PKI}/a.crt\ntls_privatekey = ${if eq{1}{2}{x}fail}",
     ["(cert/key setup: out of keys)"]),
    ("tls_certificate = {PKI}/a.crt:{PKI}/b.crt\ntls_privatekey = {PKI}/a.key",
     ["(cert/key setup: out of keys)"]),
    ("tls_certificate = ${bogus}",
     ['expansion of tls_certificate failed: unknown variable in "${bogus}"', "Internal error"]),
    ("tls_certificate = {PKI}/a.crt\ntls_privatekey = {PKI}/a.key\ntls_verify_certificates = /nonexistent",
     ["could not stat '/nonexistent' (tls_verify_certificates): No such file or directory", "NULL"]),
])
def test_setup_failure_texts(tmp_path, pki: Pki, lines: str, logged: list[str]) -> None:
    (pki.dir / "junk.pem").write_text("garbage\n")
    with pytest.raises(TlsUnavailable) as info:
        _setup(tmp_path, pki, lines)
    expect = [x.replace("{PKI}", str(pki.dir)) for x in logged]
    host = "(x) [192.0.2.1]"
    assert info.value.log_lines(host) == expect[:-1] + [f"TLS error on connection from {host} {expect[-1]}"]


@pytest.mark.parametrize("lines", [
    "tls_certificate = {PKI}/both.pem",  # key in the certificate file
    "tls_certificate = {PKI}/both.pem\ntls_privatekey =",  # empty: the same
    "tls_certificate = {PKI}/a.crt\ntls_privatekey = {PKI}/a.key\ntls_ocsp_file = ${if eq{1}{2}{x}fail}",
])
def test_setup_succeeds(tmp_path, pki: Pki, lines: str) -> None:
    (pki.dir / "both.pem").write_bytes((pki.dir / "a.crt").read_bytes() + (pki.dir / "a.key").read_bytes())
    tls = _setup(tmp_path, pki, lines)
    assert tls.built is not None and tls.built.credentials[0].leaf == pki.certs["a"]


def test_self_signed_when_no_certificate(tmp_path, pki: Pki) -> None:
    """Exim 4.96 makes up a self-signed certificate when tls_certificate is unset."""
    tls = _setup(tmp_path, pki, "")
    leaf = tls.built.credentials[0].leaf
    assert leaf.subject.rfc4514_string() == "CN=test.example,O=Exim Developers,C=UK"
    assert leaf.issuer == leaf.subject
