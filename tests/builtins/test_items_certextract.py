"""${certextract}. Expected values recorded from Exim 4.96 (GnuTLS build) as a
daemon on loopback, with these certificates presented as client certificates."""

from __future__ import annotations

import datetime
import ipaddress
import os
import time
from typing import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID as AIA
from cryptography.x509.oid import NameOID

from tests.builtins.test_items_support import expand, fails, make_ctx


def _cert(key, subject, issuer, serial, extensions=()):  # type: ignore[no-untyped-def]
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(datetime.datetime(2026, 1, 2, 3, 4, 5))
         .not_valid_after(datetime.datetime(2036, 1, 2, 3, 4, 5)))
    for ext in extensions:
        b = b.add_extension(ext, False)
    return b.sign(key, hashes.SHA256())


def _uri(u: str) -> x509.UniformResourceIdentifier:
    return x509.UniformResourceIdentifier(u)


def client_cert(aia: bool = True) -> x509.Certificate:
    attrs = [(NameOID.COUNTRY_NAME, "US"), (NameOID.ORGANIZATION_NAME, "Example, Inc."),
             (NameOID.ORGANIZATIONAL_UNIT_NAME, "Mail"), (NameOID.DOMAIN_COMPONENT, "com"),
             (NameOID.DOMAIN_COMPONENT, "example"), (NameOID.COMMON_NAME, "client.test"),
             (NameOID.EMAIL_ADDRESS, "joe@client.test")]
    subject = x509.Name([x509.NameAttribute(o, v) for o, v in attrs])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example")])
    access = [x509.AccessDescription(AIA.OCSP, _uri("http://ocsp.test/"))]
    if aia:
        access.append(x509.AccessDescription(AIA.CA_ISSUERS, _uri("http://ca.test/ca.crt")))
    exts = [
        x509.SubjectAlternativeName([
            x509.DNSName("client.test"), x509.DNSName("alt.test"), x509.RFC822Name("joe@client.test"),
            _uri("http://client.test/"), x509.IPAddress(ipaddress.ip_address("192.0.2.1"))]),
        x509.AuthorityInformationAccess(access),
        x509.CRLDistributionPoints([
            x509.DistributionPoint([_uri("http://crl.test/a.crl")], None, None, None),
            x509.DistributionPoint([_uri("http://crl.test/b.crl")], None, None, None)]),
    ]
    return _cert(ec.generate_private_key(ec.SECP256R1()), subject, issuer, 0xAB12, exts)


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture(scope="module")
def cert() -> x509.Certificate:
    return client_cert()


def ctx_with(cert: object):  # type: ignore[no-untyped-def]
    ctx = make_ctx()
    ctx.extra["certificates"] = {"tls_in_peercert": cert}
    return ctx


SUBJECT = "C=US,O=Example\\, Inc.,OU=Mail,DC=com,DC=example,CN=client.test,EMAIL=joe@client.test"


@pytest.mark.parametrize("field,want", [
    ("subject", SUBJECT),
    ("subjectfoo", SUBJECT),
    ("version", "3"),
    ("serial_number", "ab12"),
    ("issuer", "CN=Test CA,O=Example"),
    ("notbefore", "Jan  2 03:04:05 2026 UTC"),
    ("notafter", "Jan  2 03:04:05 2036 UTC"),
    ("notbefore,int", "1767323045"),
    ("sig_algorithm", "ECDSA-SHA256"),
    ("subj_altname", "DNS=client.test\nDNS=alt.test\nMAIL=joe@client.test\nURI=http://client.test/"),
    ("subj_altname,dns", "client.test\nalt.test"),
    ("subj_altname,mail,>;", "joe@client.test"),
    ("subj_altname,uri", "http://client.test/"),
    ("crl_uri", "http://crl.test/a.crl\nhttp://crl.test/b.crl"),
    ("crl_uri,>;", "http://crl.test/a.crl;http://crl.test/b.crl"),
    ("subject,CN", "client.test"),
    ("subject,DC", "com\nexample"),
    ("subject,O", "Example, Inc."),
    ("subject,DC,>;", "com;example"),
    ("subject,>;", "C=US;O=Example, Inc.;OU=Mail;DC=com;DC=example;CN=client.test;EMAIL=joe@client.test"),
    ("issuer,O", "Example"),
    ("subject,EMAIL", "joe@client.test"),
    ("2.5.29.17", "30 43 82 0b 63 6c 69 65 6e 74 2e 74 65 73 74 82 08 61 6c 74 2e 74 65 73 "
                  "74 81 0f 6a 6f 65 40 63 6c 69 65 6e 74 2e 74 65 73 74 86 13 68 74 74 70 3a "
                  "2f 2f 63 6c 69 65 6e 74 2e 74 65 73 74 2f 87 04 c0 00 02 01"),
])
def test_fields(cert: x509.Certificate, field: str, want: str) -> None:
    assert expand("${certextract{%s}{$tls_in_peercert}{$value}{NOTFOUND}}" % field, ctx_with(cert)) == want


def test_signature_is_spaced_hex(cert: x509.Certificate) -> None:
    got = expand("${certextract{signature}{$tls_in_peercert}}", ctx_with(cert))
    assert got == " ".join(f"{b:02x}" for b in cert.signature)


@pytest.mark.parametrize("field,msg", [
    ("ocsp_uri", "tls_cert_ocsp_uri: gai fail: The specified algorithm or protocol is unknown."),
    ("bogus", 'bad field selector "bogus" for certextract'),
    ("1.2.3", "tls_cert_ext_by_oid: ge0 fail: The requested data were not available."),
])
def test_field_errors(cert: x509.Certificate, field: str, msg: str) -> None:
    assert fails("${certextract{%s}{$tls_in_peercert}{$value}{NOTFOUND}}" % field, ctx_with(cert)) == msg


def test_ocsp_only() -> None:
    assert expand("${certextract{ocsp_uri}{$tls_in_peercert}}", ctx_with(client_cert(aia=False))) == (
        "http://ocsp.test/")


def test_rsa_cert_without_extensions_from_pem() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "server.test")])
    c = _cert(key, name, name, 0x775F08D7B9AAB5C40969E2E2CF2EA107ABF0B5F9)
    ctx = ctx_with(c.public_bytes(serialization.Encoding.PEM))
    got = [expand("${certextract{%s}{$tls_in_peercert}{$value}{NOTFOUND}}" % f, ctx) for f in
           ("subject", "version", "sig_algorithm", "subj_altname", "ocsp_uri", "crl_uri", "serial_number")]
    assert got == ["CN=server.test", "3", "RSA-SHA256", "NOTFOUND", "NOTFOUND", "NOTFOUND",
                   "775f08d7b9aab5c40969e2e2cf2ea107abf0b5f9"]


def test_no_certificate_is_not_found() -> None:
    assert expand("${certextract{subject}{$tls_in_peercert}{Y}{N}}") == "N"
    assert expand("${certextract{subject}{$tls_in_peercert}}") == ""


def test_second_argument_must_be_a_certificate_variable() -> None:
    assert fails("${certextract{subject}{tls_in_peercert}}") == (
        'second argument of "certextract" must be a certificate variable')
    assert fails("${certextract{subject}{$nosuchvar}}") == 'no variable named "nosuchvar"'
