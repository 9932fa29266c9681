"""Verification of every DKIM-Signature of a received message, in pdkim's order:
signatures parsed top to bottom (those whose hash or key type the
configuration does not accept are dropped), every body hash compared, then
each signature's key fetched and its header hash checked. Canonicalization
and header selection come from dkimpy; the crypto from cryptography."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import dkim
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, utils
from dkim.canonicalization import CanonicalizationPolicy

from acl.dkim import pubkey
from acl.dkim.signature import HASHES, Ext, Signature, Status, missing_tag, parse
from acl.runtime.lists import iter_list

MAX_SIGNATURES = 50  # more are not verified (a bound on work per message)
MAX_HEADERS = 10_000
_HEADER_START = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
_CRYPTO_HASH = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha512": hashes.SHA512}


def split_message(raw: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Header fields (name, value after the colon with its CRLF) and the body,
    line ends made CRLF as pdkim sees them."""
    data = re.sub(rb"\r?\n", b"\r\n", raw)
    headers: list[list[bytes]] = []
    pos = 0
    while pos < len(data) and len(headers) < MAX_HEADERS:
        end = data.find(b"\r\n", pos)
        end = len(data) if end < 0 else end
        line = data[pos:end + 2]
        pos = end + 2
        if line in (b"\r\n", b""):
            break
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1][1] += line
            continue
        m = _HEADER_START.match(line)
        if m is None:  # not a header line: the body starts here
            pos -= len(line)
            break
        name = line[:m.end() - 1]
        headers.append([name, line[m.end():]])
    return [(n, v) for n, v in headers], data[pos:]


def _option_list(ctx: Any, name: str, default: str) -> list[str]:
    value = ctx.option(name, default)
    return [s.strip().lower() for s in iter_list(str(value or ""))]


def _accepted(ctx: Any, sig: Signature) -> bool:
    """dkim_verify_hashes / dkim_verify_keytypes: other signatures (and those
    with an a= Exim does not know) are ignored, as if absent."""
    if sig.keytype < 0 or sig.hashtype < 0:
        return False
    return (sig.hash_name in _option_list(ctx, "dkim_verify_hashes", "sha256:sha512")
            and sig.keytype_name in _option_list(ctx, "dkim_verify_keytypes", "ed25519:rsa"))


def _min_bits(ctx: Any, keytype: str) -> int:
    spec = str(ctx.option("dkim_verify_min_keysizes", "rsa=1024 ed25519=250") or "")
    for item in spec.split()[:32]:
        k, _, v = item.partition("=")
        if k == keytype:
            digits = re.match(r"\d*", v).group()  # type: ignore[union-attr]
            return int(digits) if digits else 0
    return 0


def _body_hash(sig: Signature, body: bytes, cache: dict[Any, bytes]) -> bytes:
    key = (sig.canon_body, sig.hashtype, sig.bodylength)
    if key not in cache:
        policy = CanonicalizationPolicy.from_c_value(f"simple/{sig.canon_body}".encode())
        canon = policy.canonicalize_body(body)
        if sig.bodylength >= 0:
            canon = canon[:sig.bodylength]
        cache[key] = hashlib.new(sig.hash_name, canon).digest()
    return cache[key]


def _header_data(sig: Signature, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The canonicalized signed headers and the signature header without b=."""
    policy = CanonicalizationPolicy.from_c_value(f"{sig.canon_headers}/simple".encode())
    names = [n.strip().lower().encode("utf-8", "surrogateescape")
             for n in (sig.headernames or "").split(":") if n.strip()][:MAX_HEADERS]
    name, _, value = sig.header.encode("utf-8", "surrogateescape").partition(b":")

    class Collect:
        data = b""

        def update(self, b: bytes) -> None:
            self.data += b

    out = Collect()
    dkim.hash_headers(out, policy, policy.canonicalize_headers([list(h) for h in headers]), names,
                      (name, value), None)
    return out.data


def _check(sig: Signature, key: Any, data: bytes) -> str | None:
    """Check b= over the header data; GnuTLS's error text when it does not verify."""
    digest = hashlib.new(sig.hash_name, data).digest()
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig.sighash or b"", digest)
        else:
            key.verify(sig.sighash or b"", digest, padding.PKCS1v15(),
                       utils.Prehashed(_CRYPTO_HASH[sig.hash_name]()))
    except (InvalidSignature, ValueError):
        return pubkey.VERIFY_ERROR
    return None


_KEEP = "keep"  # no crypto was attempted: the previous error text stays


def _verify_one(ctx: Any, sig: Signature, headers: list[tuple[bytes, bytes]],
                logs: list[str]) -> str | None:
    """Fetch the key and check the header signature; returns the error text
    Exim would keep for its "validation error" log line (None: no error,
    _KEEP: no key, so nothing replaced the previous text)."""
    record = pubkey.fetch_record(ctx, sig.selector or "", sig.domain or "")
    pub = pubkey.parse_record(record) if record else None
    if record is None:
        sig.status, sig.ext = Status.INVALID, Ext.PUBKEY_UNAVAILABLE
    elif pub is None or pub.srvtype not in ("*", "email"):
        sig.status, sig.ext = Status.INVALID, Ext.PUBKEY_DNSRECORD
    if sig.status is Status.INVALID:
        logs.append(f"DKIM: d={sig.domain} s={sig.selector} [failed key import]")
        return _KEEP
    assert pub is not None
    sig.pubkey = pub
    imported = pubkey.import_key(sig.keytype_name, pub.key or b"")
    if isinstance(imported, str):
        sig.status, sig.ext = Status.INVALID, Ext.PUBKEY_IMPORT
        logs.append(f"DKIM: d={sig.domain} s={sig.selector} [failed key import]")
        return imported
    key, sig.keybits = imported
    if pub.hashes is not None and sig.hash_name not in [h.strip() for h in pub.hashes.split(":")]:
        sig.status, sig.ext = Status.FAIL, Ext.FAIL_SIG_ALGO_MISMATCH
        return None
    err = _check(sig, key, _header_data(sig, headers))
    if err:
        sig.status, sig.ext = Status.FAIL, Ext.FAIL_MESSAGE
        return err
    if sig.keybits < _min_bits(ctx, sig.keytype_name):
        sig.status, sig.ext = Status.FAIL, Ext.PUBKEY_KEYSIZE
    if sig.status is Status.NONE:
        sig.status = Status.PASS
    return None


def verify(ctx: Any, raw: bytes) -> tuple[list[Signature], list[str]]:
    """Every accepted signature of ``raw`` verified, and the log lines Exim
    writes while doing it."""
    headers, body = split_message(raw)
    sigs = []
    for name, value in headers:
        if name.strip().lower() != b"dkim-signature":
            continue
        text = (name + b":" + value).decode("utf-8", "surrogateescape").removesuffix("\r\n")
        sig = parse(text)
        if _accepted(ctx, sig):
            sigs.append(sig)
        if len(sigs) >= MAX_SIGNATURES:
            break
    # Exim processes (and reports) signatures in the order of the key types
    # given by dkim_verify_keytypes, then of the hashes in dkim_verify_hashes.
    kts = _option_list(ctx, "dkim_verify_keytypes", "ed25519:rsa")
    hts = _option_list(ctx, "dkim_verify_hashes", "sha256:sha512")
    sigs.sort(key=lambda sg: (kts.index(sg.keytype_name), hts.index(sg.hash_name)))
    cache: dict[Any, bytes] = {}
    for sig in sigs:  # pdkim compares every body hash before any key is fetched
        if _body_hash(sig, body, cache) != sig.bodyhash:
            sig.status, sig.ext = Status.FAIL, Ext.FAIL_BODY
    logs: list[str] = []
    err: str | None = None
    passed = False
    minimal = ctx.option("dkim_verify_minimal", False) is True
    for sig in sigs:
        if sig.status is not Status.NONE:  # the body hash did not match
            continue
        if missing_tag(sig) is not None:
            sig.status, sig.ext = Status.INVALID, Ext.SIGNATURE_ERROR
            continue
        if sig.version != 1:
            sig.status, sig.ext = Status.INVALID, Ext.DKIM_VERSION
            continue
        e = _verify_one(ctx, sig, headers, logs)
        err = err if e is _KEEP else e
        if sig.status is Status.PASS:
            passed = True
            if minimal:
                break
    if err and not passed:
        logs.append(f"DKIM: validation error: {err}")
    return sigs, logs


__all__ = ["verify", "split_message", "HASHES"]
