"""The two clients the tests use: openssl s_client and Python's ssl (smtplib)."""

from __future__ import annotations

import shutil
import smtplib
import ssl
import subprocess

import pytest

from tests.tls.pki import Pki


def s_client(port: int, pki: Pki, *args: str) -> str:
    """``openssl s_client -starttls smtp`` against the server; its stdout."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command")
    cmd = ["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{port}",
           "-CAfile", pki.path("ca.pem"), *args]
    r = subprocess.run(cmd, input=b"", capture_output=True, timeout=15)
    return r.stdout.decode("utf-8", "replace")


def smtp_tls(port: int, pki: Pki, sni: str | None = "a.test", cert: str | None = None,
             max_version: ssl.TLSVersion | None = None) -> smtplib.SMTP:
    ctx = ssl.create_default_context(cafile=pki.path("ca.pem"))
    ctx.check_hostname = sni is not None
    if max_version is not None:
        ctx.maximum_version = max_version
    if cert is not None:
        ctx.load_cert_chain(pki.path(f"{cert}.crt"), pki.path(f"{cert}.key"))
    s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=15)
    s.ehlo()
    s._host = sni  # smtplib sends this as SNI (server_hostname); None: no SNI
    s.starttls(context=ctx)
    return s


def expand_remote(s: smtplib.SMTP, text: str) -> str:
    code, reply = s.docmd("XEXPAND", text)
    assert code == 250, reply
    return reply.decode()
