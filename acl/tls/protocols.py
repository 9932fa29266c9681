"""Protocol versions and cipher suites for the server context.

``tls_require_ciphers`` is honoured in both dialects: a GnuTLS priority string
(what the Debian reference build reads, e.g. ``NORMAL:-VERS-TLS1.0``) gives
its protocol-version limits (cipher choice stays with OpenSSL's defaults);
anything else is an OpenSSL cipher list, underscores turned into hyphens as
Exim does. ``openssl_options`` (the OpenSSL build's option, ``+no_tlsv1_1
-no_ticket``...) sets the library's option bits."""

from __future__ import annotations

from dataclasses import dataclass, field

from OpenSSL import SSL

from acl.tls.bridge import ssl_error_text
from acl.tls.credentials import TlsUnavailable

_VERSIONS = {"TLS1.0": SSL.TLS1_VERSION, "TLS1.1": SSL.TLS1_1_VERSION,
             "TLS1.2": SSL.TLS1_2_VERSION, "TLS1.3": SSL.TLS1_3_VERSION}
_GNUTLS_BASES = ("NORMAL", "PFS", "SECURE128", "SECURE192", "SECURE256", "SUITEB128",
                 "SUITEB192", "LEGACY", "PERFORMANCE", "NONE", "@")
MAX_TOKENS = 256

# Exim's defaults for openssl_options (SSLv2/3 off, no tickets, no renegotiation).
DEFAULT_OPTIONS = ("no_sslv2", "no_sslv3", "single_dh_use", "no_ticket", "no_renegotiation")


@dataclass
class Limits:
    versions: set[int] = field(default_factory=lambda: set(_VERSIONS.values()))
    cipher_list: str | None = None  # OpenSSL syntax
    options: int = 0


def is_gnutls_priority(text: str) -> bool:
    tokens = text.split(":")
    if tokens[0].split("%")[0].upper() in _GNUTLS_BASES or tokens[0].startswith("@"):
        return True
    return any(t[1:].upper().startswith("VERS-") or t.startswith("%") for t in tokens if t)


def _gnutls_versions(text: str, limits: Limits) -> None:
    tokens = text.split(":")[:MAX_TOKENS]
    allowed = set() if tokens[0].upper() == "NONE" else set(limits.versions)
    for tok in tokens[1:]:
        if len(tok) < 2 or tok[1:].upper()[:5] != "VERS-":
            continue
        op, name = tok[0], tok[6:].upper()
        targets = set(_VERSIONS.values()) if name in ("ALL", "TLS-ALL") else (
            {_VERSIONS[name]} if name in _VERSIONS else set())
        if op == "+":
            allowed |= targets
        elif op in "-!":
            allowed -= targets
    limits.versions = allowed


def option_bit(name: str) -> int | None:
    if name in ("no_sslv2", "no_sslv3"):  # OpenSSL 3 has no SSLv2/3 at all
        return getattr(SSL, f"OP_{name.upper()}", 0)
    if name == "no_renegotiation":
        return getattr(SSL, "OP_NO_RENEGOTIATION", 0)
    if name == "all":
        return SSL.OP_ALL
    return getattr(SSL, f"OP_{name.upper()}", None)


def _openssl_options(text: str | None, limits: Limits) -> None:
    words = [f"+{w}" for w in DEFAULT_OPTIONS] + (text or "").split()[:MAX_TOKENS]
    for word in words:
        if word[:1] not in "+-" or len(word) < 2:
            raise TlsUnavailable("(openssl_options parsing failed)",
                                 (f"openssl_options parse error: {word}",))
        name = word[1:].lower()
        ver = {"no_tlsv1": "TLS1.0", "no_tlsv1_1": "TLS1.1", "no_tlsv1_2": "TLS1.2",
               "no_tlsv1_3": "TLS1.3"}.get(name)
        if ver is not None:  # versions through min/max, which OpenSSL 3 prefers
            (limits.versions.discard if word[0] == "+" else limits.versions.add)(_VERSIONS[ver])
            continue
        bit = option_bit(name)
        if bit is None:
            raise TlsUnavailable("(openssl_options parsing failed)",
                                 (f"openssl_options parse error: {word}",))
        if word[0] == "+":
            limits.options |= bit
        else:
            limits.options &= ~bit  # pyOpenSSL cannot clear bits: only ours are set


def limits_from(require_ciphers: str | None, openssl_options: str | None) -> Limits:
    limits = Limits()
    _openssl_options(openssl_options, limits)
    if require_ciphers:
        if is_gnutls_priority(require_ciphers):
            _gnutls_versions(require_ciphers, limits)
        else:
            limits.cipher_list = require_ciphers.replace("_", "-")
    if not limits.versions:
        raise TlsUnavailable(f"(tls_require_ciphers: no protocol version left in \"{require_ciphers}\")")
    return limits


def apply(limits: Limits, ctx: SSL.Context) -> None:
    ctx.set_options(limits.options)
    allowed = sorted(limits.versions)
    ctx.set_min_proto_version(allowed[0])
    ctx.set_max_proto_version(allowed[-1])
    if limits.cipher_list:
        try:
            ctx.set_cipher_list(limits.cipher_list.encode())
        except SSL.Error as exc:
            raise TlsUnavailable(f"(SSL_CTX_set_cipher_list): {ssl_error_text(exc)}") from None
