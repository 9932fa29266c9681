"""``${certextract{field}{$certvar}{yes}{no}}``: fields of an X.509 certificate,
formatted as Exim built with GnuTLS (the reference build) formats them.

Certificates are held outside the string variables: ``ctx.extra["certificates"]``
maps a certificate variable's name (``tls_in_peercert``, ``tls_in_ourcert``,
``tls_out_peercert``, ``tls_out_ourcert``) to a ``cryptography`` Certificate, or to
its PEM or DER bytes. A certificate variable that is absent means "no certificate"
(the item then takes its "not found" branch)."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any, Callable

from acl.builtins.registry import ItemCall, item
from acl.expansion.runtime import list_items
from acl.runtime.values import TaintedStr

if TYPE_CHECKING:  # cryptography is imported only when a certificate is read (start-up time)
    from cryptography import x509

CERT_VARIABLES = ("tls_in_ourcert", "tls_in_peercert", "tls_out_ourcert", "tls_out_peercert")


@functools.cache
def _dn_labels() -> dict[Any, str]:
    """GnuTLS's labels for attribute types beyond the RFC 4514 defaults."""
    from cryptography.x509.oid import NameOID

    return {
        NameOID.EMAIL_ADDRESS: "EMAIL", NameOID.SERIAL_NUMBER: "serialNumber",
        NameOID.TITLE: "title", NameOID.SURNAME: "SN", NameOID.GIVEN_NAME: "GN",
        NameOID.INITIALS: "initials", NameOID.PSEUDONYM: "pseudonym",
        NameOID.GENERATION_QUALIFIER: "generationQualifier",
        NameOID.POSTAL_CODE: "postalCode", NameOID.BUSINESS_CATEGORY: "businessCategory",
    }


class CertError(Exception):
    """A field that cannot be produced: Exim fails the expansion with this text."""


def load_certificate(value: Any) -> x509.Certificate | None:
    from cryptography import x509

    if value is None or isinstance(value, x509.Certificate):
        return value
    data = value.encode() if isinstance(value, str) else bytes(value)
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def _listele(items: list[str], sep: str) -> str | None:
    """Exim's ``string_append_listele``: separators inside elements doubled;
    None for an empty list (the item's "not found")."""
    if not items:
        return None
    return sep.join(i.replace(sep, sep + sep) for i in items)


def _outsep(mod: str | None) -> str:
    return mod[1] if mod and mod[0] == ">" and len(mod) > 1 else "\n"


def dn_string(name: x509.Name) -> str:
    """The DN as GnuTLS writes it: RFC 4514 escaping and labels, but the RDNs
    in certificate order (not reversed)."""
    return ",".join("+".join(a.rfc4514_string(_dn_labels()) for a in rdn) for rdn in name.rdns)


def _dn(name: x509.Name, mod: str | None) -> str:
    text = dn_string(name)
    if not mod:
        return text
    match, outsep = None, "\n"
    for ele in list_items(_NoCtx, "<," + mod):
        if ele[:1] != ">":
            match = ele
        elif len(ele) > 1:
            outsep = ele[1]
    # An escaped comma becomes a doubled one, so the DN reads as a comma list.
    elements = list_items(_NoCtx, "<," + text.replace("\\,", ",,"))
    if match is not None:
        elements = [e[len(match) + 1 :] for e in elements if e.startswith(match + "=")]
    return _listele(elements, outsep) or ""


class _NoCtx:
    """Enough of a context for list splitting."""

    class limits:  # noqa: N801 - mimics ExpansionContext.limits
        max_list_items = 100_000


def _time(t: Any, mod: str | None) -> str:
    secs = int(t.timestamp())
    if mod == "int":
        return str(secs)
    return time.strftime("%b %e %H:%M:%S %Y %Z", time.localtime(secs))


def _hex_bytes(b: bytes) -> str:
    return " ".join(f"{x:02x}" for x in b)


def _serial(cert: x509.Certificate, mod: str | None) -> str:
    n = cert.serial_number
    raw = n.to_bytes((n.bit_length() + 8) // 8 or 1, "big", signed=True) if n >= 0 else b"\x00"
    return raw.hex().lstrip("0") or "0"


def _sig_algorithm(cert: x509.Certificate, mod: str | None) -> str | None:
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    key = cert.public_key()
    oid = cert.signature_algorithm_oid
    if oid.dotted_string == "1.2.840.113549.1.1.10":
        h = cert.signature_hash_algorithm
        return f"RSA-PSS-{h.name.upper()}" if h else "RSA-PSS"
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA-Ed25519"
    if isinstance(key, ed448.Ed448PublicKey):
        return "EdDSA-Ed448"
    h = cert.signature_hash_algorithm
    hname = h.name.upper().replace("SHA", "SHA") if h else ""
    for kind, label in ((rsa.RSAPublicKey, "RSA"), (ec.EllipticCurvePublicKey, "ECDSA"),
                        (dsa.DSAPublicKey, "DSA")):
        if isinstance(key, kind):
            return f"{label}-{hname}" if hname else label
    return None


def _extension(cert: x509.Certificate, oid: Any) -> Any:
    from cryptography import x509

    try:
        return cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None


def _subj_altname(cert: x509.Certificate, mod: str | None) -> str | None:
    sep, match = "\n", None
    m = mod or ""
    i = 0
    while i < len(m):
        if m[i] == ">" and i + 1 < len(m):
            sep = m[i + 1]
            i += 2
        elif m.startswith("dns", i):
            match, i = "DNS", i + 3
        elif m.startswith("uri", i):
            match, i = "URI", i + 3
        elif m.startswith("mail", i):
            match, i = "MAIL", i + 4
        else:
            i += 1
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID

    san = _extension(cert, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    out: list[str] = []
    kinds = ((x509.DNSName, "DNS"), (x509.UniformResourceIdentifier, "URI"), (x509.RFC822Name, "MAIL"))
    for gn in san or ():
        tag = next((t for k, t in kinds if isinstance(gn, k)), None)
        if tag is None or (match is not None and tag != match) or "\0" in gn.value:
            continue  # GnuTLS's Exim skips IP addresses and other kinds
        out.append(gn.value if match else f"{tag}={gn.value}")
    return _listele(out, sep)


def _ocsp_uri(cert: x509.Certificate, mod: str | None) -> str | None:
    from cryptography import x509
    from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

    aia = _extension(cert, ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    uris: list[str] = []
    for d in aia or ():
        # GnuTLS, asked for OCSP URIs entry by entry, errors on any other entry.
        if d.access_method != AuthorityInformationAccessOID.OCSP or not isinstance(
                d.access_location, x509.UniformResourceIdentifier):
            raise CertError("tls_cert_ocsp_uri: gai fail: The specified algorithm or protocol is unknown.")
        uris.append(d.access_location.value)
    return _listele(uris, _outsep(mod))


def _crl_uri(cert: x509.Certificate, mod: str | None) -> str | None:
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID

    cdp = _extension(cert, ExtensionOID.CRL_DISTRIBUTION_POINTS)
    uris = [n.value for dp in cdp or () for n in dp.full_name or ()
            if isinstance(n, x509.UniformResourceIdentifier)]
    return _listele(uris, _outsep(mod))


Getter = Callable[[Any, "str | None"], "str | None"]  # (certificate, modifier)

# Matched by prefix, in Exim's order (so "subject..." wins over "subj_altname").
FIELDS: tuple[tuple[str, Getter], ...] = (
    ("version", lambda c, m: str(c.version.value + 1)),
    ("serial_number", _serial),
    ("subject", lambda c, m: _dn(c.subject, m)),
    ("notbefore", lambda c, m: _time(c.not_valid_before_utc, m)),
    ("notafter", lambda c, m: _time(c.not_valid_after_utc, m)),
    ("issuer", lambda c, m: _dn(c.issuer, m)),
    ("signature", lambda c, m: _hex_bytes(c.signature)),
    ("sig_algorithm", _sig_algorithm),
    ("subj_altname", _subj_altname),
    ("ocsp_uri", _ocsp_uri),
    ("crl_uri", _crl_uri),
)


def _by_oid(cert: x509.Certificate, oid: str) -> str:
    for ext in cert.extensions:
        if ext.oid.dotted_string == oid:
            return _hex_bytes(ext.value.public_bytes())
    raise CertError("tls_cert_ext_by_oid: ge0 fail: The requested data were not available.")


def cert_field(cert: x509.Certificate, field: str) -> str | None:
    if field[:1].isdigit():
        return _by_oid(cert, field)
    for name, getter in FIELDS:
        if field.startswith(name):
            rest = field[len(name):]
            return getter(cert, rest[1:] if rest[:1] == "," else None)
    raise CertError(f'bad field selector "{field}" for certextract')


@item("certextract", args=(2, 4))
def certextract(ctx: Any, call: ItemCall) -> str:
    """A field of the certificate held in a certificate variable."""
    field = call.args[0].expand(ctx).strip()
    raw = call.args[1].raw.strip()
    if not raw.startswith("$"):
        raise call.error('second argument of "certextract" must be a certificate variable')
    from acl.expansion import expand

    varname = expand(raw[1:], ctx)
    if varname.startswith("{") and varname.endswith("}"):
        varname = varname[1:-1]
    certs = ctx.extra.get("certificates") or {}
    if varname not in CERT_VARIABLES and varname not in certs:
        spec = ctx.registry.variables.get(varname)
        if spec is None and varname not in ctx.variables:
            raise call.error(f'no variable named "{varname}"')
        raise call.error(f'"{varname}" is not a certificate')
    try:
        cert = load_certificate(certs.get(varname))
        value = cert_field(cert, field) if cert is not None else None
    except CertError as exc:
        raise call.error(str(exc)) from None
    except ValueError as exc:
        raise call.error(f"certextract: cannot parse the certificate in ${varname}: {exc}") from None
    if value is not None:
        value = TaintedStr(value) if varname.endswith("peercert") else value
    return call.yes_no(ctx, value is not None, value, 2)
