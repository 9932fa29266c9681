"""The server's certificates and keys, from tls_certificate / tls_privatekey
expanded for this connection, with the texts Exim 4.96 (the Debian GnuTLS
build) logs when they cannot be used."""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from acl.errors import AclError, ExpansionError, ForcedFail

MAX_PEM_BYTES = 4 * 1024 * 1024  # a certificate file larger than this is refused
MAX_LIST_ITEMS = 16  # dual-stack lists hold two or three files


class TlsUnavailable(AclError):
    """STARTTLS cannot proceed (Exim replies 454 TLS currently unavailable).
    ``detail`` completes ``TLS error on connection from H``; ``log_first`` are
    lines Exim logs before that one."""

    def __init__(self, detail: str, log_first: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.log_first = log_first

    def log_lines(self, host: str) -> list[str]:
        return [*self.log_first, f"TLS error on connection from {host} {self.detail}"]


def expand_option(ctx: Any, name: str, default: str | None = None) -> str | None:
    """An option expanded now: None when unset or forced to fail (Exim then
    treats it as unset). Other expansion errors make TLS unavailable."""
    raw = ctx.option(name, None)
    if raw is None:
        raw = default
    if raw is None:
        return None
    from acl.expansion import expand

    try:
        return expand(str(raw), ctx)
    except ForcedFail:
        return None
    except ExpansionError as exc:
        raise TlsUnavailable("Internal error", (f"expansion of {name} failed: {exc.message}",)) from None


def split_list(value: str | None) -> list[str]:
    from acl.runtime.lists_split import iter_list

    if not value:
        return []
    out = []
    for item in iter_list(value):
        if len(out) >= MAX_LIST_ITEMS:
            break
        out.append(item)
    return out


def read_file(path: str) -> bytes | None:
    """The file's bytes, or None when it cannot be read (or is absurdly large)."""
    if not path.startswith("/"):
        return None  # Exim requires full path names; relative ones fail to read
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_PEM_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_PEM_BYTES else None


@dataclass
class Credential:
    """One certificate chain with its key."""

    chain: list[x509.Certificate]  # leaf first
    key: Any  # a cryptography private key
    cert_path: str = ""
    key_path: str = ""
    extra: list[x509.Certificate] = field(default_factory=list)  # other certificates seen

    @property
    def leaf(self) -> x509.Certificate:
        return self.chain[0]


def _load_certs(data: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        return []


def _load_key(data: bytes) -> Any:
    try:
        return serialization.load_pem_private_key(data, None)
    except (ValueError, TypeError):
        return None


def _same_key(cert: x509.Certificate, key: Any) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        return cert.public_key().public_bytes(*fmt) == key.public_key().public_bytes(*fmt)
    except (AttributeError, ValueError, TypeError):
        return False


def load_pair(cert_path: str, key_path: str) -> Credential:
    """A certificate file (leaf, then chain) and its key file, checked as
    GnuTLS checks them at credential setup."""
    where = f"(cert/key setup: cert={cert_path} key={key_path}): "
    cdata = read_file(cert_path)
    if cdata is None:
        raise TlsUnavailable(where + "Error while reading file.")
    certs = _load_certs(cdata)
    if not certs:
        raise TlsUnavailable(where + "Base64 decoding error.")
    kdata = cdata if key_path == cert_path else read_file(key_path)
    if kdata is None:
        raise TlsUnavailable(where + "Error while reading file.")
    key = _load_key(kdata)
    if key is None:
        raise TlsUnavailable(where + "The requested data were not available.")
    if not _same_key(certs[0], key):
        raise TlsUnavailable(where + "The certificate and the given key do not match.")
    return Credential(certs, key, cert_path, key_path)


def load_credentials(cert_value: str | None, key_value: str | None, key_set: bool,
                     hostname: str) -> list[Credential]:
    """tls_certificate / tls_privatekey after expansion. ``key_set``: the key
    option was set (a forced failure then leaves no keys, as GnuTLS Exim shows)."""
    certs = split_list(cert_value)
    if not certs:
        return [self_signed(hostname)]
    if not key_set or key_value == "":
        keys = certs  # the key is in the certificate file
    else:
        keys = split_list(key_value)  # None (forced failure): no keys at all
    out = []
    for i, cpath in enumerate(certs):
        if i >= len(keys):
            raise TlsUnavailable("(cert/key setup: out of keys)")
        out.append(load_pair(cpath, keys[i]))
    return out


_selfsign_lock = threading.Lock()
SELFSIGN_LIFETIME = dt.timedelta(hours=1)  # as Exim's tls_install_selfsign


@functools.lru_cache(maxsize=8)
def _selfsign_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


_selfsigned: dict[str, Credential] = {}


def self_signed(hostname: str) -> Credential:
    """With no tls_certificate Exim 4.96 makes a short-lived self-signed one
    (O=Exim Developers, CN=the host name); cached until it nears expiry."""
    now = dt.datetime.now(dt.timezone.utc)
    with _selfsign_lock:
        cred = _selfsigned.get(hostname)
        if cred is not None and cred.leaf.not_valid_after_utc - now > dt.timedelta(minutes=5):
            return cred
        key = _selfsign_key()
        name = x509.Name([
            x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "UK"),
            x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Exim Developers"),
            x509.NameAttribute(x509.NameOID.COMMON_NAME, hostname or "localhost"),
        ])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=1))
                .not_valid_after(now + SELFSIGN_LIFETIME)
                .sign(key, hashes.SHA256()))
        cred = Credential([cert], key, "", "")
        _selfsigned[hostname] = cred
        return cred


def verify_locations(value: str | None) -> tuple[str | None, str | None, bool]:
    """tls_verify_certificates -> (cafile, capath, use_system). A path that
    does not exist makes TLS unavailable, with Exim's two log lines."""
    if value is None or value == "" or value == "system":
        return None, None, value == "system"
    if value.startswith("system"):  # "system,cache"
        return None, None, True
    try:
        st = os.stat(value)
    except OSError as exc:
        reason = exc.strerror or "No such file or directory"
        raise TlsUnavailable("NULL", (f"could not stat '{value}' (tls_verify_certificates): {reason}",)) \
            from None
    import stat

    return (None, value, False) if stat.S_ISDIR(st.st_mode) else (value, None, False)
