"""The pieces of a small mail cluster on loopback, for tests/cluster and
bench/cluster_bench.py: NSD (so that the host-name lookup a PROXY header
triggers never leaves the machine), one redis-server with an append-only
file (so a restart keeps the counts), N `acl serve` processes with their own
state directories, and HAProxy in front of them (PROXY v2, round robin,
SMTP health checks). Every process is stopped by :meth:`Cluster.close`."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Iterable

from tests.dnsserver import DnsServer, free_port

ROOT = Path(__file__).resolve().parents[2]
HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
REDIS = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
NSD = shutil.which("nsd") or ("/usr/sbin/nsd" if os.path.exists("/usr/sbin/nsd") else None)
START_TIMEOUT = 30.0  # seconds for any one process to start listening

# Phase A's limits are half-integers on purpose: Exim's smoothed rate after
# k events close together is k give or take a rounding error that can fall on
# either side, so with an integer limit the limit-th event of a burst would be
# decided by rounding. Half way between integers every decision is clear, on
# one server as in the cluster.
CONF = """\
primary_hostname = mx.cluster.example
hosts_proxy = 127.0.0.1
log_selector = +proxy +incoming_port
spool_directory = STATE_DIR/spool
log_file_path = STATE_DIR/log/%slog
smtp_accept_max = 200
smtp_connect_backlog = 256
smtp_receive_timeout = 30s
.ifdef REDIS
redis_servers = REDIS
ratelimit_store = redis
ratelimit_redis_outage = defer
.endif
domainlist local_domains = cluster.example
acl_smtp_connect = connect
acl_smtp_mail = mail
acl_smtp_rcpt = rcpt

begin acl

connect:
  # HAProxy's own health checks (PROXY v2 LOCAL: the address stays its own)
  accept  hosts = 127.0.0.1
  warn    logwrite = cluster-acl connect $sender_host_address proxy=$proxy_session
  deny    hosts = 127.0.0.0/24
          message = too many connections from $sender_host_address
          ratelimit = 4.5 / 1h / per_conn / strict / $sender_host_address
  deny    message = too many connections from $sender_host_address
          ratelimit = 100000 / 1h / per_conn / strict / $sender_host_address
  accept

mail:
  deny    senders = *@limited.example
          message = too many messages from $sender_address
          ratelimit = 10.5 / 1h / per_mail / strict / $sender_address
  accept

rcpt:
  accept  domains = +local_domains
  deny    message = relay not permitted

begin routers

local:
  driver = accept
  domains = +local_domains
  transport = maildir

begin transports

maildir:
  driver = appendfile
  directory = STATE_DIR/mail/${lc:$local_part}
  maildir_format
  create_directory
"""

HAPROXY_CONF = """\
global
    maxconn 1000
defaults
    mode tcp
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 5s
    retries 3
    option redispatch 1
frontend smtp_in
    bind 127.0.0.1:{port}
    default_backend smtp_cluster
backend smtp_cluster
    balance roundrobin
    option smtpchk EHLO haproxy.cluster.example
    default-server send-proxy-v2 check inter 300ms fall 2 rise 2
{servers}
"""

_MAILDIR_ID = re.compile(r"\.M(.+)R\d+\.")


def missing() -> str | None:
    """Why the cluster cannot run here, or None."""
    for name, path in (("haproxy", HAPROXY), ("redis-server", REDIS), ("nsd", NSD)):
        if path is None:
            return f"{name} is not installed (see debian-packages.txt)"
    try:
        import redis  # noqa: F401
    except ImportError:
        return "the redis client package is not installed"
    return None


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, errors: Path) -> None:
    """Until something accepts on loopback ``port``: only a TCP handshake,
    closed at once (an SMTP probe would wait out the PROXY timeout)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: {errors.read_text(errors='replace')[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} in {START_TIMEOUT:.0f}s")


def _end(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class Redis:
    """redis-server on a fixed loopback port with an append-only file synced
    at every write, so that :meth:`restart` brings the same data back."""

    def __init__(self, workdir: Path, appendfsync: str | None = "always") -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.appendfsync = appendfsync  # None: no append-only file (memory only)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "Redis":
        assert REDIS is not None
        aof = ["--appendonly", "no"] if self.appendfsync is None else \
            ["--appendonly", "yes", "--appendfsync", self.appendfsync]
        args = [REDIS, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", *aof,
                "--dir", str(self.dir), "--protected-mode", "no", "--logfile", str(self.dir / "log")]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, self.proc, "redis-server", self.dir / "log")
        return self

    def restart(self) -> float:
        """SIGTERM, then a new process on the same port; the seconds it was away."""
        t0 = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - t0

    def stop(self) -> None:
        _end(self.proc)

    def client(self):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port)

    @property
    def spec(self) -> str:
        """A redis_servers item (the port's colon doubled, as in any list)."""
        return f"127.0.0.1::{self.port}/0/"


class Node:
    """One `acl serve --foreground` with its own state directory."""

    def __init__(self, name: str, base: Path, conf: Path, defines: dict[str, str],
                 env: dict[str, str]) -> None:
        self.name, self.base, self.conf = name, base, conf
        self.defines, self.env = defines, env
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._err: IO[bytes] | None = None
        base.mkdir(parents=True, exist_ok=True)

    def spawn(self) -> None:
        defs = [a for k, v in self.defines.items() for a in ("-D", f"{k}={v}")]
        if self._err is not None:
            self._err.close()
        self._err = (self.base / "stderr").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "acl", "serve", "--foreground", "-C", str(self.conf), *defs,
             "--listen", f"127.0.0.1:{self.port}", "--state-dir", str(self.base)],
            cwd=self.base, env=self.env, stdout=subprocess.DEVNULL, stderr=self._err)

    def wait(self) -> None:
        assert self.proc is not None
        _wait_port(self.port, self.proc, f"acl serve {self.name}", self.base / "stderr")

    def kill(self) -> None:
        """SIGKILL: no chance to tidy anything."""
        _end(self.proc, signal.SIGKILL)

    def stop(self) -> int | None:
        _end(self.proc)
        if self._err is not None:
            self._err.close()
        return None if self.proc is None else self.proc.returncode

    def mainlog(self) -> str:
        path = self.base / "log" / "mainlog"
        return path.read_text(errors="replace") if path.exists() else ""

    def queued(self) -> list[str]:
        """Ids whose envelope (-H, the commit point) is in the spool."""
        return [p.name[:-2] for p in (self.base / "spool" / "input").glob("*-H")]

    def delivered(self) -> list[str]:
        """Message ids of every Maildir file, once per file."""
        ids = []
        for box in ("new", "cur"):
            for path in (self.base / "mail").glob(f"*/{box}/*"):
                got = _MAILDIR_ID.search(path.name)
                if got:
                    ids.append(got.group(1))
        return ids


class Cluster:
    """NSD, Redis, ``size`` nodes and HAProxy (``redis=False``: one node
    reached directly, with the default file store: the reference)."""

    def __init__(self, base: Path, size: int, *, redis: bool = True, proxy: bool = True) -> None:
        self.base = base
        self.dns = DnsServer({"127.in-addr.arpa": "", "cluster.example": "mx A 127.0.0.1\n"},
                             workdir=str(self._dir("dns")))
        self.redis = Redis(base / "redis") if redis else None
        self.conf = base / "cluster.conf"
        self.conf.write_text(CONF)
        self.size, self.proxy = size, proxy
        self.nodes: list[Node] = []
        self.haproxy: subprocess.Popen[bytes] | None = None
        self.port = 0

    def _dir(self, name: str) -> Path:
        path = self.base / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def start(self) -> "Cluster":
        try:
            self.dns.start()
            defines = {}
            if self.redis is not None:
                defines["REDIS"] = self.redis.start().spec
            env = {**os.environ, "PYTHONPATH": str(ROOT),
                   "ACL_DNS_SERVER": f"{self.dns.host}:{self.dns.port}"}
            self.nodes = [Node(f"s{i}", self.base / f"s{i}", self.conf, defines, env)
                          for i in range(1, self.size + 1)]
            for node in self.nodes:  # all at once: each takes about a second to start
                node.spawn()
            for node in self.nodes:
                node.wait()
            self.port = self._start_haproxy() if self.proxy else self.nodes[0].port
            return self
        except BaseException:
            self.close()
            raise

    def _start_haproxy(self) -> int:
        assert HAPROXY is not None
        port = free_port()
        servers = "\n".join(f"    server {n.name} 127.0.0.1:{n.port}" for n in self.nodes)
        conf = self.base / "haproxy.cfg"
        conf.write_text(HAPROXY_CONF.format(port=port, servers=servers))
        errors = self.base / "haproxy.err"
        with errors.open("wb") as err:
            self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", str(conf)],
                                            stdout=subprocess.DEVNULL, stderr=err)
        _wait_port(port, self.haproxy, "haproxy", errors)
        return port

    def wait_delivered(self, timeout: float = 20) -> None:
        """Until every node's spool is empty (each delivers in a thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(n.queued() for n in self.nodes):
            time.sleep(0.1)

    def close(self) -> None:
        _end(self.haproxy)
        for node in self.nodes:
            node.stop()
        if self.redis is not None:
            self.redis.stop()
        self.dns.stop()

    def logs(self) -> Iterable[tuple[Node, str]]:
        return ((n, n.mainlog()) for n in self.nodes)
