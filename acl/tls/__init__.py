"""STARTTLS for the server: pyOpenSSL contexts from Exim's tls_* options,
OCSP stapling, client certificates and the $tls_in_* variables. See
docs/TLS.md for what the SMTP dialogue calls."""

from acl.tls.bridge import TlsHandshakeError, TlsTransport, wrap_server
from acl.tls.credentials import TlsUnavailable
from acl.tls.ocsp import Proof, check_proof, load_proof
from acl.tls.server import ServerTLS, clear, verify_certificate
from acl.tls.upgrade import starttls

__all__ = ["ServerTLS", "TlsHandshakeError", "TlsTransport", "TlsUnavailable", "Proof",
           "check_proof", "clear", "load_proof", "starttls", "verify_certificate", "wrap_server"]
