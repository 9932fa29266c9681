"""Items that reach outside the process: ``${readfile}``, ``${readsocket}``."""

from __future__ import annotations

import os
import socket
import ssl
import time
from typing import Any

from acl.builtins.items._util import cat_file, open_failed, to_bytes, unescape
from acl.builtins.registry import ItemCall, item
from acl.runtime.values import is_tainted

MAX_READ = 64 * 1024 * 1024  # bound on what one item reads


@item("readfile", args=(1, 2))
def readfile(ctx: Any, call: ItemCall) -> str:
    """The contents of a file, newlines optionally replaced by the eol string."""
    subs = [a.expand(ctx) for a in call.args]
    name = subs[0]
    eol = subs[1] if len(subs) > 1 else None
    if is_tainted(name):
        # Exim refuses the open itself, which reports EACCES.
        raise call.error(open_failed(name, PermissionError(13, "Permission denied")))
    try:
        with open(to_bytes(name), "rb") as f:
            data = f.read(MAX_READ)
    except IsADirectoryError:
        data = b""  # fopen() succeeds on a directory; reading it yields nothing
    except OSError as exc:
        raise call.error(open_failed(name, exc)) from None
    return cat_file(data, eol)


# ---- ${readsocket{spec}{request}{options}{eol}{fail string}}


class SockFail(Exception):
    """A failure that the fail string (fifth argument) may replace."""


def _readtime(s: str) -> int:
    """Exim's time syntax (``1h2m3s``, plain seconds); -1 when malformed."""
    total, num = 0, ""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    if not s:
        return -1
    for c in s:
        if c.isdigit():
            num += c
        elif c in units and num:
            total += int(num) * units[c]
            num = ""
        else:
            return -1
    return total + (int(num) if num else 0)


def _connect_inet(spec: str, timeout: float) -> socket.socket:
    server = spec[5:]
    host, colon, port_s = server.rpartition(":")
    if not colon:
        raise SockFail("")  # Exim loses its own message here and prints nothing
    if port_s[:1].isdigit():
        try:
            port = int(port_s, 0)
        except ValueError:
            raise SockFail("") from None
    else:
        try:
            port = socket.getservbyname(port_s, "tcp")
        except OSError:
            raise SockFail("") from None
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise SockFail(f"no IP address found for host {host}") from None
    err: OSError | None = None
    for family, stype, proto, _, addr in infos:
        s = socket.socket(family, stype, proto)
        s.settimeout(timeout)
        try:
            s.connect(addr)
            return s
        except OSError as exc:
            err = exc
            s.close()
    reason = "connection timed out" if isinstance(err, socket.timeout) else os.strerror(
        getattr(err, "errno", 0) or 0)
    raise SockFail(f"failed to connect to any address for {host}: {reason}")


def _connect_unix(spec: str, timeout: float) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(to_bytes(spec)[:107])
    except socket.timeout:
        s.close()
        raise SockFail("socket connect timed out") from None
    except OSError as exc:
        s.close()
        raise SockFail(f"failed to connect to socket {spec}: {os.strerror(exc.errno or 0)}") from None
    return s


def _options(ctx: Any, text: str | None) -> dict[str, str]:
    """The third argument: a timeout, then name=value options (colon list)."""
    from acl.expansion.runtime import list_items

    opts: dict[str, str] = {}
    if not text:
        return opts
    for i, entry in enumerate(list_items(ctx, text)):
        if i == 0:
            opts["timeout"] = entry
        else:
            name, _, value = entry.partition("=")
            opts[name] = value
    return opts


def readsock(ctx: Any, spec: str, request: str, options: str | None, eol: str | None) -> str:
    opts = _options(ctx, options)
    timeout = _readtime(opts["timeout"]) if "timeout" in opts else 5
    if timeout < 0:
        timeout = 0
    wait = float(timeout) if timeout else None  # Exim: alarm(0) never fires
    do_tls = opts.get("tls", "no") != "no"
    do_shutdown = opts.get("shutdown", "yes") != "no"
    sock = _connect_inet(spec, wait) if spec.startswith("inet:") else _connect_unix(spec, wait)
    try:
        if do_tls:
            tls = ssl.create_default_context()
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
            try:
                sock = tls.wrap_socket(sock)
            except (OSError, ssl.SSLError) as exc:
                raise SockFail(f"TLS session failed: {exc}") from None
        if request:
            try:
                sock.sendall(to_bytes(request))
            except OSError as exc:
                raise SockFail(f"request write to socket failed: {os.strerror(exc.errno or 0)}") from None
        if do_shutdown and not do_tls:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout if timeout else None
        chunks: list[bytes] = []
        size = 0
        while size < MAX_READ:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SockFail("socket read timed out")
                sock.settimeout(left)
            try:
                data = sock.recv(65536)
            except socket.timeout:
                raise SockFail("socket read timed out") from None
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
            size += len(data)
    finally:
        sock.close()
    return cat_file(b"".join(chunks), unescape(eol) if eol else None)


@item("readsocket", args=(2, 64))
def readsocket(ctx: Any, call: ItemCall) -> str:
    """What a Unix-domain or TCP server answers to the request; the fifth string
    replaces connection, write and time-out failures."""
    args = call.args
    subs = [a.expand(ctx) for a in args[:4]]
    spec, request = subs[0], subs[1]
    options = subs[2] if len(subs) > 2 else None
    eol = subs[3] if len(subs) > 3 else None
    try:
        if is_tainted(spec):
            raise SockFail("(null)")  # what Exim 4.96 prints for a tainted name
        result = readsock(ctx, spec, request, options, eol)
    except SockFail as exc:
        if len(args) < 5:
            raise call.error(str(exc)) from None
        result = args[4].expand(ctx)
    if len(args) > 5:
        raise call.error("missing '}' closing readsocket")
    return result

