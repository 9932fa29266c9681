"""A test PKI made with cryptography at test time: a CA, server certificates
for two names, client certificates (one from the CA, one self-signed), a
delegated OCSP responder, and OCSP proofs in every state the server must
tell apart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str, org: str = "exim-acl tests") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: x509.Name, key: Any, issuer: x509.Name, issuer_key: Any, *, ca: bool = False,
          sans: tuple[str, ...] = (), eku: Any = None) -> x509.Certificate:
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=30))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                          key_encipherment=False, data_encipherment=False,
                                          key_agreement=False, key_cert_sign=True, crl_sign=True,
                                          encipher_only=False, decipher_only=False), critical=True)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


@dataclass
class Pki:
    dir: Path

    def __post_init__(self) -> None:
        self.ca_key = _key()
        self.ca = _cert(_name("Test CA"), self.ca_key, _name("Test CA"), self.ca_key, ca=True)
        self.keys: dict[str, Any] = {}
        self.certs: dict[str, x509.Certificate] = {}
        for label, cn, eku in (("a", "a.test", [ExtendedKeyUsageOID.SERVER_AUTH]),
                               ("b", "b.test", [ExtendedKeyUsageOID.SERVER_AUTH]),
                               ("client", "client.test", [ExtendedKeyUsageOID.CLIENT_AUTH]),
                               ("responder", "OCSP responder", [ExtendedKeyUsageOID.OCSP_SIGNING]),
                               ("plain", "not a responder", [ExtendedKeyUsageOID.SERVER_AUTH])):
            self.keys[label] = _key()
            self.certs[label] = _cert(_name(cn), self.keys[label], self.ca.subject, self.ca_key,
                                      sans=(cn,) if "." in cn else (), eku=eku)
        self.keys["rogue"] = _key()
        self.certs["rogue"] = _cert(_name("rogue.test", "nobody"), self.keys["rogue"],
                                    _name("rogue.test", "nobody"), self.keys["rogue"])
        self.write("ca.pem", self.pem(self.ca))
        for label in self.certs:
            # server files carry the chain up to the CA, as a real deployment would
            chain = [self.certs[label]] + ([self.ca] if label in ("a", "b") else [])
            self.write(f"{label}.crt", b"".join(self.pem(c) for c in chain))
            self.write(f"{label}.key", self.keys[label].private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))

    def write(self, name: str, data: bytes) -> Path:
        path = self.dir / name
        path.write_bytes(data)
        return path

    def path(self, name: str) -> str:
        return str(self.dir / name)

    @staticmethod
    def pem(cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    def proof(self, label: str = "a", *, status: str = "good", next_update: dt.timedelta | None =
              dt.timedelta(days=1), this_update: dt.timedelta = dt.timedelta(hours=-1),
              signer: str = "ca", tamper: bool = False) -> bytes:
        """A DER OCSP response for certificate ``label``, signed by the CA or
        by the certificate ``signer`` (included in the response)."""
        cert_status = {"good": ocsp.OCSPCertStatus.GOOD, "revoked": ocsp.OCSPCertStatus.REVOKED,
                       "unknown": ocsp.OCSPCertStatus.UNKNOWN}[status]
        b = ocsp.OCSPResponseBuilder().add_response(
            cert=self.certs[label], issuer=self.ca, algorithm=hashes.SHA1(), cert_status=cert_status,
            this_update=NOW + this_update,
            next_update=NOW + next_update if next_update is not None else None,
            revocation_time=NOW - dt.timedelta(hours=2) if status == "revoked" else None,
            revocation_reason=x509.ReasonFlags.key_compromise if status == "revoked" else None)
        if signer == "ca":
            b = b.responder_id(ocsp.OCSPResponderEncoding.HASH, self.ca)
            der = b.sign(self.ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        else:
            b = b.responder_id(ocsp.OCSPResponderEncoding.NAME, self.certs[signer]).certificates(
                [self.certs[signer]])
            der = b.sign(self.keys[signer], hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        if tamper:  # flip a bit in the signature (the last bytes of the DER)
            der = der[:-40] + bytes([der[-40] ^ 1]) + der[-39:]
        return der
