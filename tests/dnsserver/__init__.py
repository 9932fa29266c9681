"""A real authoritative DNS server (NSD, Debian package ``nsd``) for tests.

Usage from any test module::

    from tests.dnsserver import dns_server, DnsServer  # noqa: F401  (the fixture)

    def test_x(dns_server):
        srv = dns_server({"example.test": "@ SOA ...\\n@ MX 10 mail\\n"})
        srv.host, srv.port          # 127.0.0.1 and an unprivileged port
        srv.config()                # an acl.dns.ResolverConfig pointing at it

A zone is given as its zone-file text (``$ORIGIN`` and a default ``$TTL`` are
added; a zone without SOA gets a standard one, and NS ``ns.<zone>``). Zones
named in ``broken=`` are configured with a file NSD cannot load, so NSD
answers SERVFAIL for every name in them: that is how tests produce a
temporary failure (Exim's DEFER). Names in no configured zone get REFUSED,
which a stub resolver also treats as a temporary failure.

The server runs as the current user, on loopback only, and is stopped (and its
directory removed) when the fixture ends. Without the ``nsd`` binary the tests
using it are skipped with a message saying what to install.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import pytest

NSD = shutil.which("nsd") or ("/usr/sbin/nsd" if os.path.exists("/usr/sbin/nsd") else None)
MISSING = "the NSD DNS server is not installed (apt-get install nsd; it is in debian-packages.txt)"

_DEFAULT_SOA = "@ IN SOA ns.{zone}. hostmaster.{zone}. 1 3600 600 86400 60\n@ IN NS ns.{zone}.\n"


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on ``host`` right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind((host, 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind((host, port))
                except OSError:
                    continue
        return int(port)
    raise RuntimeError("no free port found on loopback")


def zone_text(zone: str, body: str, ttl: int = 300) -> str:
    """Zone-file text; the zone "." is the root (names in no other zone are
    then NXDOMAIN, as on the Internet, instead of REFUSED)."""
    head = f"$ORIGIN {'.' if zone == '.' else zone + '.'}\n$TTL {ttl}\n"
    if " SOA " not in body and "\tSOA\t" not in body:
        head += _DEFAULT_SOA.format(zone="root" if zone == "." else zone)
    return head + body.rstrip("\n") + "\n"


def _zone_file(name: str) -> str:
    return "root.zone" if name == "." else f"{name}.zone"


def nsd_conf(workdir: Path, host: str, port: int, zones: Mapping[str, str], broken: tuple[str, ...]) -> str:
    lines = [
        "server:",
        f'  ip-address: {host}@{port}',
        "  do-ip6: no" if ":" not in host else "  do-ip4: no",
        '  username: ""',
        '  chroot: ""',
        f'  zonesdir: "{workdir}"',
        '  database: ""',
        f'  zonelistfile: "{workdir}/zone.list"',
        f'  xfrdfile: "{workdir}/xfrd.state"',
        f'  xfrdir: "{workdir}"',
        f'  pidfile: "{workdir}/nsd.pid"',
        f'  logfile: "{workdir}/nsd.log"',
        "  server-count: 1",
        "  hide-version: yes",
        "  refuse-any: no",
        "remote-control:",
        "  control-enable: no",
    ]
    for name in list(zones) + list(broken):
        lines += ["zone:", f"  name: {name}", f"  zonefile: {_zone_file(name)}"]
    return "\n".join(lines) + "\n"


class DnsServer:
    """One NSD process serving ``zones`` on ``host``:``port``."""

    def __init__(self, zones: Mapping[str, str], *, broken: tuple[str, ...] = ("broken.test",),
                 host: str = "127.0.0.1", port: int | None = None, workdir: str | None = None) -> None:
        if NSD is None:
            raise FileNotFoundError(MISSING)
        self.zones, self.broken, self.host = dict(zones), tuple(broken), host
        self.port = port if port is not None else free_port(host)
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="acl-nsd-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def write(self) -> Path:
        for name, body in self.zones.items():
            (self.workdir / _zone_file(name)).write_text(zone_text(name, body))
        for name in self.broken:  # no SOA and bad syntax: NSD serves SERVFAIL
            (self.workdir / _zone_file(name)).write_text("this is not a zone file !\n")
        conf = self.workdir / "nsd.conf"
        conf.write_text(nsd_conf(self.workdir, self.host, self.port, self.zones, self.broken))
        return conf

    def start(self, timeout: float = 10.0) -> "DnsServer":
        conf = self.write()
        self.proc = subprocess.Popen([str(NSD), "-d", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = self.log()
                self.stop()
                raise RuntimeError(f"nsd did not start on {self.host}:{self.port}: {log[-2000:]}")
            time.sleep(0.05)
        return self

    def ready(self) -> bool:
        """True once NSD answers a query over UDP (any answer will do)."""
        query = bytes.fromhex("abcd01000001000000000000") + b"\x02ns\x00\x00\x01\x00\x01"
        with socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(query, (self.host, self.port))
                return s.recv(512)[:2] == b"\xab\xcd"
            except OSError:
                return False

    def log(self) -> str:
        try:
            return (self.workdir / "nsd.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def config(self, **kw: Any) -> Any:
        """An ``acl.dns.ResolverConfig`` that asks only this server."""
        from acl.dns import ResolverConfig

        return ResolverConfig(nameservers=(self.host,), port=self.port, **kw)

    def __enter__(self) -> "DnsServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serving(zones: Mapping[str, str], broken: tuple[str, ...] = ("broken.test",)) -> Iterator[DnsServer]:
    """The body of a module-scoped fixture (``yield from serving(ZONES, BROKEN)``):
    skips when NSD is missing, else yields a running server and stops it after."""
    if NSD is None:
        pytest.skip(MISSING)
    with DnsServer(zones, broken=broken) as srv:
        yield srv


@pytest.fixture
def dns_server() -> Iterator[Callable[..., DnsServer]]:
    """A factory: ``dns_server(zones, broken=(...))`` starts NSD and returns it;
    every server started is stopped when the test ends."""
    if NSD is None:
        pytest.skip(MISSING)
    started: list[DnsServer] = []

    def start(zones: Mapping[str, str], **kw: Any) -> DnsServer:
        srv = DnsServer(zones, **kw).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()
