"""OCSP proofs for stapling (tls_ocsp_file): read afresh for each connection,
so that a file replaced by rename takes effect at the next one, and checked
before use as Exim built with OpenSSL checks them (tls-openssl.c,
ocsp_load_response): the signature (by the issuer or by a responder it
delegated to), the certificate covered, a good status, and the update times
(nextUpdate required, 300 s of clock skew allowed). A proof that fails is not
stapled and the reason is given to the caller to log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from acl.tls.credentials import read_file

SKEW = dt.timedelta(seconds=300)  # EXIM_OCSP_SKEW_SECONDS
MAX_RESPONSES = 64  # single responses examined in one proof


@dataclass(frozen=True)
class Proof:
    """What to staple (``der``), or why nothing is (``reason``)."""

    der: bytes | None
    reason: str | None = None
    path: str = ""


def _verify_signature(public_key: Any, signature: bytes, data: bytes,
                      algorithm: hashes.HashAlgorithm | None) -> bool:
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and algorithm is not None:
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm is not None:
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(public_key, dsa.DSAPublicKey) and algorithm is not None:
            public_key.verify(signature, data, algorithm)
        elif isinstance(public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            public_key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _key_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey bits, which OCSP's key hashes are taken over."""
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return _spki_bits(spki)


def _key_hash(cert: x509.Certificate) -> bytes:
    return _sha1(_key_bits(cert))


def _sha1(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA1())
    h.update(data)
    return h.finalize()


def _spki_bits(spki: bytes) -> bytes:
    """The public key bits of a DER SubjectPublicKeyInfo (without the unused-bits octet)."""
    def header(buf: bytes, i: int) -> tuple[int, int]:  # -> (content start, content length)
        n = buf[i + 1]
        if n < 0x80:
            return i + 2, n
        k = n & 0x7F
        return i + 2 + k, int.from_bytes(buf[i + 2:i + 2 + k], "big")

    start, _ = header(spki, 0)  # SEQUENCE
    alg_start, alg_len = header(spki, start)  # AlgorithmIdentifier
    bits_start, bits_len = header(spki, alg_start + alg_len)  # BIT STRING
    return spki[bits_start + 1:bits_start + bits_len]


def _is_signer(resp: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    if resp.responder_key_hash is not None:
        return resp.responder_key_hash == _key_hash(cert)
    return resp.responder_name == cert.subject


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def find_issuer(leaf: x509.Certificate, candidates: Iterable[x509.Certificate]) -> x509.Certificate | None:
    for cand in candidates:
        if cand.subject == leaf.issuer and _issued_by(leaf, cand):
            return cand
    return None


def _signer(resp: ocsp.OCSPResponse, issuer: x509.Certificate, now: dt.datetime) -> tuple[Any, str | None]:
    """The key that must have signed: the issuer's, or a delegated responder's."""
    if _is_signer(resp, issuer):
        return issuer.public_key(), None
    for cert in resp.certificates[:MAX_RESPONSES]:
        if not _is_signer(resp, cert):
            continue
        if not _issued_by(cert, issuer):
            return None, "OCSP response verify failure: responder certificate not issued by the CA"
        try:
            eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            eku = None
        if eku is None or ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
            return None, "OCSP response verify failure: missing ocspsigning usage"
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            return None, "OCSP response verify failure: responder certificate expired"
        return cert.public_key(), None
    return None, "OCSP response verify failure: signer certificate not found"


def _covers(single: Any, cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if single.serial_number != cert.serial_number:
        return False
    algo = single.hash_algorithm
    h = hashes.Hash(type(algo)())
    h.update(issuer.subject.public_bytes())
    if h.finalize() != single.issuer_name_hash:
        return False
    h = hashes.Hash(type(algo)())
    h.update(_key_bits(issuer))
    return h.finalize() == single.issuer_key_hash


def check_proof(der: bytes, cert: x509.Certificate, chain: Iterable[x509.Certificate],
                now: dt.datetime | None = None) -> str | None:
    """None if ``der`` may be stapled for ``cert``, else the reason it may not.
    ``chain``: certificates where the issuer may be found (the certificate
    file's chain, the trust anchors); the proof's own are searched too."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        resp = ocsp.load_der_ocsp_response(der)
    except ValueError as exc:
        return f"OCSP response parse error: {exc}"
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return f"OCSP response status: {resp.response_status.name.lower()}"
    candidates = [cert, *chain, *resp.certificates[:MAX_RESPONSES]]
    issuer = find_issuer(cert, candidates)
    if issuer is None:
        return "OCSP response verify failure: unable to get issuer certificate"
    key, why = _signer(resp, issuer, now)
    if key is None:
        return why
    if not _verify_signature(key, resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm):
        return "OCSP response verify failure: signature failure"
    single = next((s for s in list(resp.responses)[:MAX_RESPONSES] if _covers(s, cert, issuer)), None)
    if single is None:
        return "OCSP response does not cover the server certificate"
    if single.certificate_status != ocsp.OCSPCertStatus.GOOD:
        status = single.certificate_status.name.lower()
        reason = single.revocation_reason.name if single.revocation_reason else "unspecified"
        return f"OCSP response bad cert status: {status} ({reason})"
    this_update, next_update = single.this_update_utc, single.next_update_utc
    if next_update is None:
        return "OCSP response has no nextUpdate"
    if this_update > now + SKEW or next_update < now - SKEW or next_update < this_update:
        return "OCSP status invalid times."
    return None


def load_proof(path: str, cert: x509.Certificate, chain: Iterable[x509.Certificate],
               now: dt.datetime | None = None) -> Proof:
    """Read ``path`` now and decide whether it may be stapled."""
    der = read_file(path)
    if der is None:
        return Proof(None, f"Failed to open OCSP response file \"{path}\"", path)
    reason = check_proof(der, cert, chain, now)
    return Proof(None if reason else der, reason, path)
