"""A private redis-server for tests and the benchmark: loopback, a port the
kernel picked, a password, 16 databases, a unix socket beside it, no disk."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

PASSWORD = "s3cret pw"  # a space: the password travels as one argument


@dataclass
class RedisServer:
    port: int
    socket_path: str
    password: str | None
    proc: subprocess.Popen
    workdir: str

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def spec(self, db: str = "", password: str | None = None) -> str:
        """A redis_servers item for this server (port colon doubled for a list)."""
        pw = self.password if password is None else password
        return f"127.0.0.1::{self.port}/{db}/{pw or ''}"

    def socket_spec(self, db: str = "") -> str:
        return f"({self.socket_path})/{db}/{self.password or ''}"

    def client(self, db: int = 0):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=db, password=self.password)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def available() -> str | None:
    """The redis-server binary, or None."""
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(password: str | None = PASSWORD, attempts: int = 5) -> RedisServer:
    binary = available()
    if binary is None:
        raise RuntimeError("redis-server is not installed (Debian package redis-server)")
    for _ in range(attempts):  # the port may be taken between choosing and binding
        workdir = tempfile.mkdtemp(prefix="acl-redis-")
        sock = os.path.join(workdir, "redis.sock")
        port = _free_port()
        args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--unixsocket", sock,
                "--unixsocketperm", "700", "--databases", "16", "--save", "",
                "--appendonly", "no", "--dir", workdir, "--protected-mode", "no",
                "--logfile", os.path.join(workdir, "log")]
        if password:
            args += ["--requirepass", password]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = RedisServer(port, sock, password, proc, workdir)
        if _wait_ready(server):
            return server
        server.stop()
    raise RuntimeError("redis-server did not start")


def _wait_ready(server: RedisServer, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5) as s:
                auth = b""
                if server.password:
                    pw = server.password.encode()
                    auth = b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n" % (len(pw), pw)
                s.sendall(auth + b"*1\r\n$4\r\nPING\r\n")
                data = b""
                while b"PONG" not in data and b"LOADING" not in data:
                    chunk = s.recv(256)
                    if not chunk:
                        break
                    data += chunk
                if b"PONG" in data:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False
