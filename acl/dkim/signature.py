"""One DKIM-Signature header as Exim's pdkim reads it, and the state of its
verification (status and the extended status behind $dkim_verify_reason)."""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass
from typing import Any


class Status(enum.IntEnum):
    NONE = 0
    INVALID = 1
    FAIL = 2
    PASS = 3


class Ext(enum.IntEnum):
    """pdkim's extended verification states (the reason behind the status)."""

    NONE = 0
    FAIL_BODY = 1
    FAIL_MESSAGE = 2
    FAIL_SIG_ALGO_MISMATCH = 3
    PUBKEY_UNAVAILABLE = 4
    BUFFER_SIZE = 5
    PUBKEY_DNSRECORD = 6
    PUBKEY_IMPORT = 7
    PUBKEY_KEYSIZE = 8
    SIGNATURE_ERROR = 9
    DKIM_VERSION = 10


# $dkim_verify_reason for each extended state; the others read as "".
REASONS = {
    Ext.PUBKEY_UNAVAILABLE: "pubkey_unavailable", Ext.PUBKEY_DNSRECORD: "pubkey_dns_syntax",
    Ext.PUBKEY_IMPORT: "pubkey_der_syntax", Ext.PUBKEY_KEYSIZE: "pubkey_too_short",
    Ext.FAIL_BODY: "bodyhash_mismatch", Ext.FAIL_MESSAGE: "signature_incorrect",
}
KEYTYPES = ("rsa", "ed25519")
HASHES = ("sha1", "sha256", "sha512")
UNLIMITED = "9999999999999"  # Exim's value for "no l= / x= given"


@dataclass
class Signature:
    header: str  # the whole header line as received ("DKIM-Signature: ...")
    version: int = 0  # 1 for v=1, -1 for another value, 0 when missing
    keytype: int = -1  # index in KEYTYPES
    hashtype: int = -1  # index in HASHES
    canon_headers: str = "simple"
    canon_body: str = "simple"
    domain: str | None = None
    selector: str | None = None
    identity: str | None = None
    headernames: str | None = None
    copiedheaders: str | None = None
    created: int = 0
    expires: int = 0
    bodylength: int = -1
    bodyhash: bytes | None = None
    sighash: bytes | None = None
    status: Status = Status.NONE
    ext: Ext = Ext.NONE
    policy: bool = False  # the DKIM ACL overwrote the result (set dkim_verify_*)
    keybits: int = 0
    pubkey: Any = None  # acl.dkim.pubkey.PubKey once the key record was read

    @property
    def algo(self) -> str:
        """The a= tag as Exim rebuilds it (``err`` when unknown)."""
        if self.keytype < 0 or self.hashtype < 0:
            return "err"
        return f"{KEYTYPES[self.keytype]}-{HASHES[self.hashtype]}"

    @property
    def hash_name(self) -> str:
        return HASHES[self.hashtype]

    @property
    def keytype_name(self) -> str:
        return KEYTYPES[self.keytype] if self.keytype >= 0 else ""

    @property
    def status_text(self) -> str:
        return self.status.name.lower()

    @property
    def reason(self) -> str:
        return REASONS.get(self.ext, "")


_HEX = "0123456789abcdefABCDEF"


def decode_qp(s: str) -> str:
    """pdkim's quoted-printable decoding of i=, z= and key n= values."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        pair = s[i + 1:i + 3]
        if c == "=" and len(pair) == 2 and all(x in _HEX for x in pair):
            out.append(chr(int(s[i + 1:i + 3], 16)))
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


def decode_b64(s: str) -> bytes:
    try:
        return base64.b64decode(s.encode("ascii", "replace"), validate=False)
    except (binascii.Error, ValueError):
        return b""


def _number(s: str) -> int:
    """strtoul(): the leading digits, 0 when there are none."""
    digits = ""
    for c in s:
        if not c.isdigit():
            break
        digits += c
    return int(digits) if digits else 0


def _algo(sig: Signature, value: str) -> None:
    kt, _, ht = value.partition("-")
    if kt in KEYTYPES and ht in HASHES:
        sig.keytype, sig.hashtype = KEYTYPES.index(kt), HASHES.index(ht)


def _canon(sig: Signature, value: str) -> None:
    h, _, b = value.partition("/")
    if h in ("simple", "relaxed") and b in ("", "simple", "relaxed"):
        sig.canon_headers, sig.canon_body = h, b or "simple"


def _set(sig: Signature, tag: str, value: str) -> None:
    # pdkim dispatches on the tag's first letter (and bh on its second).
    first = tag[:1]
    if first == "b":
        if tag[1:2] == "h":
            sig.bodyhash = decode_b64(value)
        else:
            sig.sighash = decode_b64(value)
    elif first == "v":
        sig.version = 1 if value == "1" else -1
    elif first == "a":
        _algo(sig, value)
    elif first == "c":
        _canon(sig, value)
    elif first == "d":
        sig.domain = value
    elif first == "s":
        sig.selector = value
    elif first == "i":
        sig.identity = decode_qp(value)
    elif first == "t":
        sig.created = _number(value)
    elif first == "x":
        sig.expires = _number(value)
    elif first == "l":
        sig.bodylength = _number(value)
    elif first == "h":
        sig.headernames = value
    elif first == "z":
        sig.copiedheaders = decode_qp(value)


def tag_list(text: str, *, squeeze: bool = False) -> list[tuple[str, str]]:
    """``tag=value; ...`` pairs (64 at most); ``squeeze`` drops the white space
    inside values, as pdkim does for signatures (b= and bh= are folded)."""
    pairs = []
    for item in text.split(";")[:64]:
        tag, eq, value = item.strip(" \t\r\n").partition("=")
        if eq and tag.strip():
            pairs.append((tag.strip(), "".join(value.split()) if squeeze else value))
    return pairs


def parse(header: str) -> Signature:
    """Read the tag list after ``DKIM-Signature:``."""
    sig = Signature(header)
    for tag, value in tag_list(header.partition(":")[2], squeeze=True):
        _set(sig, tag, value)
    return sig


def missing_tag(sig: Signature) -> str | None:
    """The first required tag that is absent or unusable, as pdkim checks them."""
    if not sig.domain:
        return "d="
    if not sig.selector:
        return "s="
    if not sig.headernames:
        return "h="
    if sig.bodyhash is None:
        return "bh="
    if sig.sighash is None:
        return "b="
    if sig.keytype < 0 or sig.hashtype < 0:
        return "a="
    if not sig.version:
        return "v="
    return None
