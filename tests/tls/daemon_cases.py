"""STARTTLS scenarios shared by the recorder (tests/tls/record_daemon.py,
against Exim's daemon) and the replay (tests/tls/test_daemon_goldens.py,
against `acl serve`): the configurations, the clients, and the
normalisation of what must differ from run to run or between TLS
libraries."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from typing import Any

from tests.tls.pki import Pki

# {extra} holds the configuration's own options; the recorder adds the
# daemon's port and interface. Keep both sides on this one text.
CONFIG = """\
primary_hostname = mail.test.example
keep_environment =
queue_only
spool_directory = {dir}/spool
log_file_path = {dir}/log/%slog
log_selector = +smtp_connection +tls_sni +tls_peerdn +tls_certificate_verified
tls_certificate = {pki}/a.crt
tls_privatekey = {pki}/a.key
tls_verify_certificates = {pki}/ca.pem
{extra}
acl_smtp_rcpt = accept
{acls}"""

CONFIGS: dict[str, str] = {
    "try_verify": "tls_advertise_hosts = *\ntls_try_verify_hosts = *",
    "unadvertised": "tls_advertise_hosts =",
    "verify": "tls_advertise_hosts = *\ntls_verify_hosts = *",
    "tls13_only": "tls_advertise_hosts = *\ntls_require_ciphers = NORMAL:-VERS-ALL:+VERS-TLS1.3",
    "acl_deny": "tls_advertise_hosts = *\nacl_smtp_starttls = starttls",
}
ACLS = {"acl_deny": "begin acl\nstarttls:\n  deny message = no TLS for you\n"}

MESSAGE = ["MAIL FROM:<a@example.com>", "RCPT TO:<b@test.example>", "DATA",
           "Subject: over TLS\r\n\r\nbody\r\n."]
EHLO = "EHLO client.test"

# A scenario: (configuration, client, steps). The "py" client is Python's
# ssl over a plain socket: ("cmd", line) sends a line and reads its reply;
# ("raw", bytes, n) sends bytes and reads n replies; ("tls", options) runs
# the handshake; ("close",) hangs up. The "s_client" client is
# `openssl s_client -starttls smtp` with ("args", ...) then lines to send.
CASES: dict[str, tuple[str, str, list[tuple[Any, ...]]]] = {
    "not_advertised": ("unadvertised", "py", [("cmd", EHLO), ("cmd", "STARTTLS"), ("cmd", "QUIT")]),
    "not_advertised_before_ehlo": ("unadvertised", "py", [("cmd", "STARTTLS"), ("cmd", "QUIT")]),
    "argument": ("try_verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS now"), ("cmd", "QUIT")]),
    "before_ehlo": ("try_verify", "py", [("cmd", "STARTTLS"), ("cmd", EHLO), ("cmd", "QUIT")]),
    "pipelined_after": ("try_verify", "py", [("cmd", EHLO), ("raw", b"STARTTLS\r\nNOOP\r\n", 1),
                                             ("tls", {}), ("cmd", EHLO), ("cmd", "QUIT")]),
    "acl_deny": ("acl_deny", "py", [("cmd", EHLO), ("cmd", "STARTTLS"), ("cmd", "QUIT")]),
    "message_sni": ("try_verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"), ("tls", {"sni": "a.test"}),
                                         ("cmd", MESSAGE[0]), ("cmd", EHLO),
                                         *[("cmd", x) for x in MESSAGE], ("cmd", "QUIT")]),
    "message_no_sni": ("try_verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"), ("tls", {}),
                                            ("cmd", EHLO), *[("cmd", x) for x in MESSAGE],
                                            ("cmd", "QUIT")]),
    "helo_over_tls": ("try_verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"), ("tls", {}),
                                           ("cmd", "HELO client.test"),
                                           *[("cmd", x) for x in MESSAGE], ("cmd", "QUIT")]),
    "client_cert": ("try_verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"),
                                         ("tls", {"sni": "a.test", "cert": "client"}), ("cmd", EHLO),
                                         *[("cmd", x) for x in MESSAGE], ("cmd", "QUIT")]),
    "rogue_cert_try": ("try_verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"),
                                            ("tls", {"cert": "rogue"}), ("cmd", EHLO),
                                            *[("cmd", x) for x in MESSAGE], ("cmd", "QUIT")]),
    "client_cert_required": ("verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"),
                                              ("tls", {"cert": "client"}), ("cmd", EHLO),
                                              *[("cmd", x) for x in MESSAGE], ("cmd", "QUIT")]),
    "rogue_cert_required": ("verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"),
                                             ("tls", {"cert": "rogue"}), ("cmd", EHLO)]),
    "no_cert_required": ("verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"), ("tls", {}),
                                          ("cmd", EHLO)]),
    "already_in_tls": ("try_verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"), ("tls", {}),
                                            ("cmd", EHLO), ("cmd", "STARTTLS"), ("cmd", "NOOP"),
                                            ("cmd", "QUIT")]),
    "refused_protocol": ("tls13_only", "py", [("cmd", EHLO), ("cmd", "STARTTLS"),
                                              ("tls", {"max": "TLS1.2"}), ("cmd", EHLO)]),
    "plain_text_after_220": ("try_verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"),
                                                  ("raw", b"EHLO client.test\r\n", 1)]),
    "close_after_220": ("try_verify", "py", [("cmd", EHLO), ("cmd", "STARTTLS"), ("close",)]),
    "s_client_sni": ("try_verify", "s_client", [("args", "-servername", "a.test"), EHLO,
                                                *MESSAGE, "QUIT"]),
    "s_client_no_sni": ("try_verify", "s_client", [("args", "-noservername"), EHLO, *MESSAGE, "QUIT"]),
    "s_client_cert": ("try_verify", "s_client", [("args", "-servername", "a.test", "-cert", "{pki}/client.crt",
                                                  "-key", "{pki}/client.key"), EHLO, *MESSAGE, "QUIT"]),
    "s_client_refused_protocol": ("tls13_only", "s_client", [("args", "-tls1_2"), EHLO, "QUIT"]),
}

TIMEOUT = 10.0
# Plain text where a handshake should be: GnuTLS answers with an alert,
# OpenSSL just closes. The client sees no SMTP reply either way.
NO_REPLY = "[no SMTP reply]"
MAX_REPLY_LINES = 100


def _read_reply(f: Any) -> str | None:
    """One SMTP reply (continuation lines joined by newlines); None at EOF."""
    lines: list[str] = []
    for _ in range(MAX_REPLY_LINES):
        raw = f.readline(4096)
        if not raw:
            return "\n".join(lines) if lines else None
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line.isprintable():
            return NO_REPLY
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            break
    return "\n".join(lines)


_VERSIONS = {"TLS1.2": ssl.TLSVersion.TLSv1_2, "TLS1.3": ssl.TLSVersion.TLSv1_3}


def _context(pki: Pki, opts: dict[str, Any]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.path("ca.pem"))
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the recording is about the server; Exim's own cert may vary
    if "max" in opts:
        ctx.maximum_version = _VERSIONS[opts["max"]]
    if "cert" in opts:
        ctx.load_cert_chain(pki.path(f"{opts['cert']}.crt"), pki.path(f"{opts['cert']}.key"))
    return ctx


def play_py(port: int, pki: Pki, steps: list[tuple[Any, ...]]) -> dict[str, Any]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    out: dict[str, Any] = {"replies": [], "client_port": sock.getsockname()[1]}
    replies: list[str | None] = out["replies"]
    f = sock.makefile("rb")
    replies.append(_read_reply(f))
    try:
        for step in steps:
            if step[0] == "cmd":
                sock.sendall(step[1].encode() + b"\r\n")
                replies.append(_read_reply(f))
            elif step[0] == "raw":
                sock.sendall(step[1])
                replies.extend(_read_reply(f) or NO_REPLY for _ in range(step[2]))
            elif step[0] == "tls":
                opts = step[1]
                try:
                    sock = _context(pki, opts).wrap_socket(sock, server_hostname=opts.get("sni"))
                except (ssl.SSLError, OSError):
                    replies.append("[handshake failed]")
                    break
                replies.append("[handshake done]")
                f.close()
                f = sock.makefile("rb")
            elif step[0] == "close":
                break
            if replies[-1] is None:
                break
    except (OSError, ssl.SSLError):
        replies.append("[connection error]")
    finally:
        f.close()
        sock.close()
    return out


def play_s_client(port: int, pki: Pki, steps: list[Any]) -> dict[str, Any]:
    """``openssl s_client -starttls smtp -quiet``: lines are sent one at a
    time, spaced, so that no command arrives pipelined."""
    if shutil.which("openssl") is None:
        raise RuntimeError("no openssl command")
    args = [a.format(pki=pki.dir) for a in steps[0][1:]]
    cmd = ["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{port}", "-quiet",
           "-nocommands", "-crlf", "-name", "client.test", "-CAfile", pki.path("ca.pem"), *args]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdin = proc.stdin
    assert stdin is not None and proc.stdout is not None and proc.stderr is not None

    def feed() -> None:
        try:
            for line in steps[1:]:
                time.sleep(0.4)
                stdin.write(line.encode() + b"\n")
                stdin.flush()
        except (OSError, ValueError):
            pass  # s_client has gone: the handshake failed
        try:
            stdin.close()
        except OSError:
            pass

    threading.Thread(target=feed, daemon=True).start()
    killer = threading.Timer(TIMEOUT + 0.4 * len(steps), proc.kill)
    killer.start()
    stderr: list[bytes] = []
    t = threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    t.start()
    stdout = proc.stdout.read()
    proc.wait()
    killer.cancel()
    t.join(5)
    proc.stdout.close()
    proc.stderr.close()
    replies = [x.rstrip("\r") for x in stdout.decode("utf-8", "replace").splitlines()]
    err = b"".join(stderr)
    failed = b"alert" in err or b"error:" in err
    return {"replies": replies, "handshake": "failed" if failed else "done", "client_port": None}


def play(name: str, port: int, pki: Pki) -> dict[str, Any]:
    _, client, steps = CASES[name]
    return play_py(port, pki, steps) if client == "py" else play_s_client(port, pki, steps)


_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")
_ID = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")
_DATE = re.compile(r"\w{3}, \d\d? \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")


def normalize(text: str, ports: tuple[int | None, ...]) -> str:
    """Dates, message ids and loopback port numbers, which vary on every run."""
    text = _ID.sub("ID", _DATE.sub("DATE", _STAMP.sub("", text)))
    for port, name in zip(ports, ("SPORT", "CPORT")):
        if port:
            text = re.sub(rf"(?<=[:.]){port}\b", name, text)
    return text


# What differs between TLS libraries (Exim's is GnuTLS, acl serve's OpenSSL):
# the cipher names, the failing function and the library's error text, and
# the message size, which counts the cipher name in the Received: header.
_LIBRARY = [
    (re.compile(r" X=\S+"), " X=CIPHER"),
    (re.compile(r" S=\d+"), " S=SIZE"),
    (re.compile(r"\((?:gnutls_handshake|SSL_accept|certificate verification failed)\): .*"),
     "(HANDSHAKE): ERROR"),
]


# Exim's OpenSSL build (what acl.tls follows) also logs each certificate
# that fails verification; the GnuTLS build does not.
_OPENSSL_ONLY = re.compile(r"^\[[^]]*\] SSL verify error: ")


def library_neutral(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if _OPENSSL_ONLY.match(line):
            continue
        for pattern, repl in _LIBRARY:
            line = pattern.sub(repl, line)
        out.append(line)
    return out
