"""The server side of STARTTLS for one connection: the options expanded for
this client, the OpenSSL context built from them (SNI may rebuild it), the
OCSP proof stapled when the client asks, the client certificate checked, and
the $tls_in_* variables once the handshake is over."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable

from cryptography import x509
from OpenSSL import SSL, crypto

from acl.runtime.values import TaintedStr
from acl.tls import names, protocols
from acl.tls.bridge import TlsTransport, wrap_server
from acl.tls.credentials import (Credential, TlsUnavailable, expand_option, load_credentials,
                                 read_file, split_list, verify_locations)
from acl.tls.ocsp import Proof, load_proof

# $tls_in_ocsp (Exim's OCSP_NOT_REQ, OCSP_NOT_RESP, OCSP_VFY_NOT_TRIED)
OCSP_NOT_REQUESTED, OCSP_NOT_RESPONDED, OCSP_NOT_VERIFIED = 0, 1, 2
DEFAULT_VERIFY_CERTIFICATES = "system"
MAX_TRUST_BYTES = 16 * 1024 * 1024
IN_VARIABLES = ("tls_in_bits", "tls_in_cipher", "tls_in_cipher_std", "tls_in_ver", "tls_in_peerdn",
                "tls_in_sni", "tls_in_ocsp", "tls_in_certificate_verified", "tls_in_peercert",
                "tls_in_ourcert")


@dataclass
class Outcome:
    """What the handshake established (the $tls_in_* values before formatting)."""

    version: str = ""
    cipher: str = ""
    bits: int = 0
    sni: str | None = None
    ocsp: int = OCSP_NOT_REQUESTED
    verified: bool = False
    verify_failed: bool = False
    peercert: x509.Certificate | None = None
    ourcert: x509.Certificate | None = None


@dataclass
class _Built:
    """One SSL context and what it was built from."""

    context: SSL.Context
    credentials: list[Credential]
    proofs: list[Proof | None]


def _wants_sni(text: Any) -> bool:
    return isinstance(text, str) and ("tls_in_sni" in text or "tls_sni" in text)


class ServerTLS:
    """``prepare()`` before replying 220 (a TlsUnavailable means 454), then
    ``await start(transport, protocol)``, then ``apply()``.

    ``log`` receives main-log lines (OCSP proofs not stapled, verify errors);
    ``host`` is the client's address as Exim shows it in ``[ip]`` prefixes."""

    def __init__(self, ctx: Any, *, log: Callable[[str], None] | None = None,
                 hostname: str = "") -> None:
        self.ctx = ctx
        self.log = log or (lambda line: None)
        self.hostname = hostname or str(ctx.variables.get("smtp_active_hostname")
                                         or ctx.option("primary_hostname", "") or "localhost")
        self.outcome = Outcome()
        self.built: _Built | None = None
        self.conn: SSL.Connection | None = None
        self.require_verify = False
        self.try_verify = False
        self.limits: protocols.Limits | None = None

    # -- setup -------------------------------------------------------------

    def prepare(self) -> SSL.Connection:
        """Expand the options for this client and make the connection object."""
        from acl.smtp.options import host_in

        ctx = self.ctx
        self.require_verify = host_in(ctx, "tls_verify_hosts")
        self.try_verify = not self.require_verify and host_in(ctx, "tls_try_verify_hosts")
        self.limits = protocols.limits_from(expand_option(ctx, "tls_require_ciphers"),
                                            expand_option(ctx, "openssl_options"))
        self.built = self._build()
        self.conn = SSL.Connection(self.built.context, None)
        return self.conn

    def _build(self) -> _Built:
        """The options the SNI callback re-expands, and a context from them."""
        ctx = self.ctx
        key_set = ctx.option("tls_privatekey", None) is not None
        creds = load_credentials(expand_option(ctx, "tls_certificate"),
                                 expand_option(ctx, "tls_privatekey"), key_set, self.hostname)
        cafile, capath, system = verify_locations(
            expand_option(ctx, "tls_verify_certificates", DEFAULT_VERIFY_CERTIFICATES))
        crl = expand_option(ctx, "tls_crl")
        anchors = self._anchors(cafile)
        proofs = self._proofs(expand_option(ctx, "tls_ocsp_file"), creds, anchors)
        context = SSL.Context(SSL.TLS_SERVER_METHOD)
        assert self.limits is not None
        protocols.apply(self.limits, context)
        for cred in creds:
            self._install(context, cred)
        if self.require_verify or self.try_verify:
            self._trust(context, cafile, capath, system, crl)
        mode = SSL.VERIFY_NONE
        if self.require_verify:
            mode = SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT
        elif self.try_verify:
            mode = SSL.VERIFY_PEER
        context.set_verify(mode, self._verify_callback if mode != SSL.VERIFY_NONE else None)
        context.set_tlsext_servername_callback(self._servername_callback)
        built = _Built(context, creds, proofs)
        context.set_ocsp_server_callback(self._ocsp_callback, built)
        return built

    @staticmethod
    def _install(context: SSL.Context, cred: Credential) -> None:
        where = f"(cert/key setup: cert={cred.cert_path} key={cred.key_path}): "
        try:
            context.use_certificate(cred.leaf)
            context.use_privatekey(cred.key)
            for extra in cred.chain[1:]:
                context.add_extra_chain_cert(extra)
            context.check_privatekey()
        except (SSL.Error, crypto.Error, TypeError, ValueError) as exc:
            raise TlsUnavailable(where + str(exc)) from None

    def _anchors(self, cafile: str | None) -> list[x509.Certificate]:
        if not cafile:
            return []
        data = read_file(cafile)
        try:
            return x509.load_pem_x509_certificates(data) if data else []
        except ValueError:
            return []

    def _trust(self, context: SSL.Context, cafile: str | None, capath: str | None,
               system: bool, crl: str | None) -> None:
        try:
            if system:
                context.set_default_verify_paths()
            if cafile or capath:
                context.load_verify_locations(cafile, capath)
            if crl:
                store = context.get_cert_store()
                assert store is not None
                for item in split_list(crl):
                    data = read_file(item) or b""
                    for block in data.split(b"-----END X509 CRL-----")[:-1]:
                        store.add_crl(x509.load_pem_x509_crl(block + b"-----END X509 CRL-----\n"))
                store.set_flags(crypto.X509StoreFlags.CRL_CHECK)
        except (SSL.Error, crypto.Error, ValueError) as exc:
            raise TlsUnavailable(f"(tls_verify_certificates): {exc}") from None

    def _proofs(self, value: str | None, creds: list[Credential],
                anchors: list[x509.Certificate]) -> list[Proof | None]:
        """The OCSP proofs, one per certificate, read now (a replaced file is
        seen by the next connection)."""
        paths = split_list(value)
        proofs: list[Proof | None] = []
        for i, cred in enumerate(creds):
            if i >= len(paths):
                proofs.append(None)
                continue
            proof = load_proof(paths[i], cred.leaf, [*cred.chain[1:], *anchors])
            if proof.reason:
                self.log(f"OCSP proof {paths[i]} not stapled: {proof.reason}")
            proofs.append(proof)
        return proofs

    # -- callbacks (pyOpenSSL re-raises their exceptions: none may escape) --

    def _servername_callback(self, conn: SSL.Connection) -> None:
        name = conn.get_servername()
        if not name:
            return
        sni = TaintedStr(name.decode("utf-8", "replace"))
        self.outcome.sni = sni
        self.ctx.variables["tls_in_sni"] = sni
        if not _wants_sni(self.ctx.option("tls_certificate", None)):
            return
        try:
            built = self._build()
        except TlsUnavailable as exc:  # keep the first certificate, as Exim does
            for line in exc.log_first:
                self.log(line)
            self.log(f"TLS SNI: {exc.detail}")
            return
        except Exception as exc:  # noqa: BLE001 - a callback must not raise
            self.log(f"TLS SNI: {exc}")
            return
        self.built = built
        conn.set_context(built.context)

    def _ocsp_callback(self, conn: SSL.Connection, built: _Built) -> bytes:
        self.outcome.ocsp = OCSP_NOT_RESPONDED
        try:
            current = conn.get_certificate(as_cryptography=True)
        except Exception:  # noqa: BLE001
            current = None
        built = self.built or built
        for cred, proof in zip(built.credentials, built.proofs):
            if proof is None or proof.der is None:
                continue
            if current is None or cred.leaf == current:
                self.outcome.ocsp = OCSP_NOT_VERIFIED
                return proof.der
        return b""

    def _verify_callback(self, conn: SSL.Connection, cert: crypto.X509, errnum: int,
                         depth: int, ok: int) -> bool:
        try:
            ccert = cert.to_cryptography()
        except Exception:  # noqa: BLE001
            ccert = None
        if not ok:
            from OpenSSL._util import ffi, lib

            reason = ffi.string(lib.X509_verify_cert_error_string(errnum)).decode()
            self.outcome.verify_failed = True
            self.outcome.peercert = ccert  # Exim shows the failing element
            ip = self.ctx.variables.get("sender_host_address") or ""
            self.log(f"[{ip}] SSL verify error: depth={depth} error={reason} cert={_oneline(cert)}")
            return not self.require_verify
        if depth == 0 and not self.outcome.verify_failed:
            self.outcome.verified = True
            self.outcome.peercert = ccert
        return True

    # -- handshake and results -----------------------------------------------

    async def start(self, transport: asyncio.Transport, protocol: asyncio.Protocol,
                    timeout: float | None = None, greeting: bytes = b"") -> TlsTransport:
        """Send ``greeting`` and handshake over ``transport``; plaintext then
        reaches ``protocol``. Raises acl.tls.bridge.TlsHandshakeError."""
        conn = self.conn or self.prepare()
        tls = await wrap_server(transport, protocol, conn, timeout, greeting)
        self._collect(conn)
        return tls

    def _collect(self, conn: SSL.Connection) -> None:
        out = self.outcome
        out.version = names.version_name(conn.get_protocol_version_name() or "")
        out.cipher = conn.get_cipher_name() or ""
        out.bits = conn.get_cipher_bits() or 0
        if out.peercert is None and (self.require_verify or self.try_verify):
            out.peercert = conn.get_peer_certificate(as_cryptography=True)
        out.ourcert = conn.get_certificate(as_cryptography=True)

    def variables(self) -> dict[str, str]:
        """The $tls_in_* values (certificate variables read ``<cert>``: their
        content is for ${certextract})."""
        from acl.builtins.items.certextract import dn_string

        out = self.outcome
        peerdn = dn_string(out.peercert.subject) if out.peercert is not None else ""
        return {
            "tls_in_cipher": names.cipher_text(out.version, out.cipher, out.bits),
            "tls_in_cipher_std": names.cipher_std(out.cipher),
            "tls_in_ver": out.version,
            "tls_in_bits": str(out.bits),
            "tls_in_peerdn": TaintedStr(peerdn) if peerdn else "",
            "tls_in_sni": out.sni or "",
            "tls_in_ocsp": str(out.ocsp),
            "tls_in_certificate_verified": "1" if out.verified else "0",
            "tls_in_peercert": "<cert>" if out.peercert is not None else "",
            "tls_in_ourcert": "<cert>" if out.ourcert is not None else "",
        }

    def apply(self, ctx: Any = None) -> None:
        """Set the variables in ``ctx`` (the session's by default), and the
        certificates where ${certextract} looks for them."""
        ctx = ctx if ctx is not None else self.ctx
        for name, value in self.variables().items():
            if value == "":
                ctx.variables.pop(name, None)  # unset reads as Exim's default
            else:
                ctx.variables[name] = value
        certs = ctx.extra.setdefault("certificates", {})
        for name, cert in (("tls_in_peercert", self.outcome.peercert),
                           ("tls_in_ourcert", self.outcome.ourcert)):
            if cert is None:
                certs.pop(name, None)
            else:
                certs[name] = cert


# OpenSSL's short names where they differ from RFC 4514's (emailAddress has none there).
_SHORT_NAMES = {"1.2.840.113549.1.9.1": "emailAddress", "2.5.4.5": "serialNumber",
                "2.5.4.4": "SN", "2.5.4.42": "GN", "2.5.4.12": "title"}


def _oneline(cert: crypto.X509) -> str:
    """OpenSSL's one-line DN (``/C=UK/CN=x``), as Exim's OpenSSL build logs it.
    Read through cryptography: pyOpenSSL's own name API is deprecated."""
    out = []
    for rdn in cert.to_cryptography().subject.rdns:
        for attr in rdn:
            name = _SHORT_NAMES.get(attr.oid.dotted_string) or attr.rfc4514_attribute_name
            value = attr.value if isinstance(attr.value, str) else attr.value.decode("utf-8", "replace")
            out.append(f"/{name}={value}")
    return "".join(out)


def clear(ctx: Any) -> None:
    """Forget a previous session's $tls_in_* values (a new connection)."""
    for name in IN_VARIABLES:
        ctx.variables.pop(name, None)
    certs = ctx.extra.get("certificates")
    if certs:
        certs.pop("tls_in_peercert", None)
        certs.pop("tls_in_ourcert", None)


def verify_certificate(ctx: Any) -> bool:
    """``verify = certificate``: a client certificate was verified."""
    return ctx.variables.get("tls_in_certificate_verified") == "1"
