"""A DKIM signer for the tests, kept apart from acl.dkim (it hashes with
dkimpy's canonicalization and signs with cryptography), so that a mistake in
the verifier is not mirrored here. It can write any tag, including the odd
ones (l=, t=, x=, z=, i=) and broken signatures."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa, utils
from dkim.canonicalization import CanonicalizationPolicy

DEFAULT_HEADERS = ("from", "to", "subject", "date", "message-id")


@dataclass
class Key:
    """A key pair: ``private`` as PEM, ``record`` the DNS TXT text without tags
    other than k= and p=."""

    kind: str  # rsa or ed25519
    private_pem: bytes

    def private(self) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
        return serialization.load_pem_private_key(self.private_pem, None)  # type: ignore[return-value]

    def public_b64(self) -> str:
        pub = self.private().public_key()
        if isinstance(pub, ed25519.Ed25519PublicKey):
            raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        else:
            raw = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(raw).decode()

    def record(self, extra: str = "") -> str:
        return f"v=DKIM1; k={self.kind}; {extra}p={self.public_b64()}"


def new_key(kind: str = "rsa", bits: int = 2048) -> Key:
    if kind == "ed25519":
        priv: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey = ed25519.Ed25519PrivateKey.generate()
    else:
        priv = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    return Key(kind, pem)


def zone_txt(name: str, text: str) -> str:
    """A TXT record line, the text split into 255-byte strings."""
    parts = [text[i:i + 250] for i in range(0, len(text), 250)] or [""]
    return f"{name} IN TXT " + " ".join(f'"{p}"' for p in parts) + "\n"


def message(headers: list[tuple[str, str]] | None = None, body: str = "Hello.\r\n\r\nA test message.\r\n") -> bytes:
    hdrs = headers if headers is not None else [
        ("From", "Alice <alice@dkim.test>"), ("To", "bob@example.org"),
        ("Subject", "DKIM test"), ("Date", "Mon, 01 Jan 2024 00:00:00 +0000"),
        ("Message-ID", "<m1@dkim.test>")]
    return "".join(f"{n}: {v}\r\n" for n, v in hdrs).encode() + b"\r\n" + body.encode()


def _hash(name: str) -> hashes.HashAlgorithm:
    return hashes.SHA1() if name == "sha1" else hashes.SHA256()


def sign(msg: bytes, key: Key, *, domain: str = "dkim.test", selector: str = "sel",
         algo: str | None = None, canon: str = "relaxed/relaxed",
         headers: tuple[str, ...] = DEFAULT_HEADERS, identity: str | None = None,
         length: bool | int = False, created: int | None = 1700000000, expires: int | None = None,
         copied: str | None = None, drop: tuple[str, ...] = (), version: str = "1") -> bytes:
    """``msg`` with a DKIM-Signature header put in front."""
    algo = algo or f"{key.kind}-sha256"
    hname = algo.split("-")[1]
    hdrs, body = dkim.rfc822_parse(msg)
    policy = CanonicalizationPolicy.from_c_value(canon.encode())
    cbody = policy.canonicalize_body(body)
    if length is not False:
        cbody = cbody[:len(cbody) if length is True else int(length)]
    bh = base64.b64encode(hashlib.new(hname, cbody).digest()).decode()
    tags = [("v", version), ("a", algo), ("c", canon), ("d", domain), ("s", selector)]
    if identity is not None:
        tags.append(("i", identity))
    if created is not None:
        tags.append(("t", str(created)))
    if expires is not None:
        tags.append(("x", str(expires)))
    if length is not False:
        tags.append(("l", str(len(cbody))))
    if copied is not None:
        tags.append(("z", copied))
    tags += [("h", ":".join(headers)), ("bh", bh), ("b", "")]
    tags = [(t, v) for t, v in tags if t not in drop]
    value = " " + ";\r\n\t".join(f"{t}={v}" for t, v in tags)
    hasher = hashlib.new(hname)
    dkim.hash_headers(hasher, policy, policy.canonicalize_headers(hdrs), [h.encode() for h in headers],
                      (b"DKIM-Signature", value.encode()), None)
    priv = key.private()
    if isinstance(priv, ed25519.Ed25519PrivateKey):
        sig = priv.sign(hasher.digest())
    else:
        sig = priv.sign(hasher.digest(), padding.PKCS1v15(), utils.Prehashed(_hash(hname)))
    b = base64.b64encode(sig).decode()
    if "b" in drop:
        b = ""
    folded = "\r\n\t".join(b[i:i + 72] for i in range(0, len(b), 72))
    return f"DKIM-Signature:{value}{folded}\r\n".encode() + msg
