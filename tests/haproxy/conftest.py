"""A real HAProxy (Debian package haproxy) on loopback in front of a given
backend, sending PROXY v1 or v2:

    def test_x(haproxy):
        front = haproxy(backend_port, version=2, family="ipv6")
        front.host, front.port   # connect here ("::1" or "127.0.0.1")

HAProxy runs in the foreground as the current user with its own
configuration file and is stopped when the test ends. Without the binary
the test is skipped."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)


@dataclass
class Front:
    host: str
    port: int


def _free_port(host: str) -> int:
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


CONFIG = """\
global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend smtp_in
    bind {bind}
    default_backend smtp_out
backend smtp_out
    server exim_acl {backend} {send}
"""


@pytest.fixture
def haproxy(tmp_path: Path) -> Iterator[Callable[..., Front]]:
    if HAPROXY is None:
        pytest.skip("HAProxy is not installed (apt-get install haproxy; it is in debian-packages.txt)")
    procs: list[subprocess.Popen[bytes]] = []

    def start(backend_port: int, version: int = 1, family: str = "ipv4",
              backend_host: str = "127.0.0.1") -> Front:
        host = "::1" if family == "ipv6" else "127.0.0.1"
        port = _free_port(host)
        bind = f"[{host}]:{port}" if family == "ipv6" else f"{host}:{port}"
        backend = f"[{backend_host}]:{backend_port}" if ":" in backend_host else f"{backend_host}:{backend_port}"
        conf = tmp_path / f"haproxy-{port}.cfg"
        conf.write_text(CONFIG.format(bind=bind, backend=backend,
                                      send="send-proxy-v2" if version == 2 else "send-proxy"))
        errors = tmp_path / f"haproxy-{port}.err"
        with errors.open("wb") as err:
            proc = subprocess.Popen([HAPROXY, "-db", "-f", str(conf)], stdout=subprocess.DEVNULL,
                                    stderr=err)
        procs.append(proc)
        fam = socket.AF_INET6 if family == "ipv6" else socket.AF_INET
        for _ in range(100):  # until it listens (this probe is a session of its own)
            if proc.poll() is not None:
                raise RuntimeError(f"haproxy failed: {errors.read_text(errors='replace')}")
            with socket.socket(fam) as s:
                if s.connect_ex((host, port)) == 0:
                    return Front(host, port)
            time.sleep(0.05)
        raise RuntimeError("haproxy did not start listening")

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
