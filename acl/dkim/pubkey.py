"""The signer's public key: the TXT record at ``selector._domainkey.domain``
(fetched through acl.dns, so tests name their own server), its tags as pdkim
reads them, and the key imported with cryptography."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from acl.dkim.signature import decode_b64, decode_qp, tag_list
from acl.runtime.values import TaintedStr

MAX_RECORD = 4096  # pdkim's PDKIM_DNS_TXT_MAX_RECLEN: longer records are not used
# DER SubjectPublicKeyInfo prefix of an Ed25519 key, which pdkim strips to the bare key.
_ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")
# GnuTLS's texts, which Exim logs as "DKIM: validation error: ...".
IMPORT_ERROR = "ASN1 parser: Error in TAG."
VERIFY_ERROR = "Public key signature verification has failed."


@dataclass
class PubKey:
    version: str = "DKIM1"
    hashes: str | None = None  # h=
    keytype: str = "rsa"  # k=
    granularity: str = "*"  # g=
    notes: str | None = None  # n=
    srvtype: str = "*"  # s=
    testing: bool = False  # t=y
    no_subdomaining: bool = False  # t=s
    key: bytes | None = None  # p=, decoded


def fetch_record(ctx: Any, selector: str, domain: str) -> str | None:
    """The first TXT record that looks like a DKIM key (no v=, or v=DKIM1...),
    its strings joined; None when the lookup does not succeed."""
    from acl.dns import Status, resolve

    try:
        ans = resolve(ctx, f"{selector}._domainkey.{domain}", "TXT")
    except Exception:  # a name the DNS layer refuses: no key, as dns_lookup fails
        return None
    if ans.status is not Status.SUCCEED:
        return None
    for rec in ans.of_type(16)[:64]:
        raw = b"".join(getattr(rec.rdata, "strings", ()))
        if len(raw) >= MAX_RECORD:
            return None
        text = raw.decode("latin-1")
        if not text.startswith("v=") or text[:6].lower() == "v=dkim":
            return TaintedStr(text)
    return None


def parse_record(text: str) -> PubKey | None:
    """pdkim_parse_pubkey_record(): tags by their first letter; None when v= is
    not DKIM1 or p= is missing."""
    pub = PubKey()
    version = None
    for tag, val in tag_list(text):
        c = tag[0]
        if c == "v":
            version = val
        elif c == "h":
            pub.hashes = val
        elif c == "k":
            pub.keytype = val
        elif c == "g":
            pub.granularity = val
        elif c == "n":
            pub.notes = decode_qp(val)
        elif c == "p":
            pub.key = decode_b64(val)
        elif c == "s":
            pub.srvtype = val
        elif c == "t":
            pub.testing = pub.testing or "y" in val
            pub.no_subdomaining = pub.no_subdomaining or "s" in val
    if version is not None and version != "DKIM1":
        return None
    return pub if pub.key is not None else None


def import_key(keytype: str, data: bytes) -> tuple[Any, int] | str:
    """The key and its size in bits, or GnuTLS's error text. The signature's
    a= says how to read p= (DER for RSA, bare 32 bytes for Ed25519)."""
    if keytype == "ed25519":
        if len(data) == 44 and data.startswith(_ED25519_SPKI):
            data = data[12:]
        if len(data) < 32:  # GnuTLS takes the first 32 bytes of a longer p=
            return IMPORT_ERROR
        return ed25519.Ed25519PublicKey.from_public_bytes(data[:32]), 256
    try:
        key = serialization.load_der_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        return IMPORT_ERROR
    if not isinstance(key, rsa.RSAPublicKey):
        return IMPORT_ERROR
    return key, key.key_size
