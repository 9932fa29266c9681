"""Run the real Exim where the only DNS is a loopback NSD serving test zones.

Exim resolves through the system resolver, so a recorder re-executes itself
under ``unshare --net --mount`` (root only): in that namespace only loopback
exists, /etc/resolv.conf (and, if asked, /etc/hosts) are bind mounts seen only
inside, and NSD answers on 127.0.0.1:53. No query can leave the machine.

A recorder's module ends with ``recorder_main("tests.area.record", body)``;
``body(args)`` then runs inside and uses::

    with exim_namespace(ZONES, broken=BROKEN, hosts=True) as exim:
        conf = exim.config(text, "case.conf")
        r = exim.bh(conf, "192.0.2.1", b"EHLO x\\r\\nQUIT\\r\\n")   # CompletedProcess
        r = exim.be(conf, "${lookup dnsdb{a=x.test}}")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[2]
INNER = "--inside-namespace"
RESOLV_CONF = "nameserver 127.0.0.1\n"
HOSTS = "127.0.0.1 localhost\n"
OUTER_NS = "ACL_RECORDER_OUTER_MNT_NS"  # the mount namespace recorder_main left


class NotIsolated(RuntimeError):
    """Refusal to bind-mount over the machine's own /etc files."""


def interfaces() -> list[str]:
    """The network interfaces of this process's network namespace."""
    lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    return [ln.split(":", 1)[0].strip() for ln in lines]


def isolated() -> bool:
    """True in a mount namespace other than the one recorder_main started
    from, with a network that has only loopback."""
    outer = os.environ.get(OUTER_NS)
    return bool(outer) and os.readlink("/proc/self/ns/mnt") != outer and interfaces() == ["lo"]


def recorder_main(module: str, body: Callable[[list[str]], None], argv: Sequence[str] | None = None) -> None:
    """Run ``body(args)`` inside a fresh namespace: outside it, check for root
    and re-run ``python -m module`` under unshare with the same arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [INNER]:
        body(args[1:])
        return
    if os.geteuid() != 0:
        sys.exit(f"{module.rsplit('.', 1)[-1]}: run as root (it makes network and mount namespaces)")
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{OUTER_NS: os.readlink("/proc/self/ns/mnt")})
    cmd = ["unshare", "--net", "--mount", "--propagation", "private",
           sys.executable, "-m", module, INNER, *args]
    sys.exit(subprocess.run(cmd, cwd=ROOT, env=env).returncode)


@dataclass(frozen=True)
class EximRunner:
    """Exim runs in the namespace, with configurations kept in ``work``."""

    work: Path
    exim: str = "exim"
    timeout: float = 120.0

    def config(self, text: str, name: str = "exim.conf") -> Path:
        path = self.work / name
        path.write_text(text)
        return path

    def run(self, args: Sequence[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([self.exim, *args], input=stdin, capture_output=True, timeout=self.timeout)

    def be(self, conf: Path, expr: str) -> subprocess.CompletedProcess[bytes]:
        """``exim -C conf -be expr``: one expansion."""
        return self.run(["-C", str(conf), "-be", expr])

    def bh(self, conf: Path, host: str, stdin: bytes, opts: Sequence[str] = ()) -> subprocess.CompletedProcess[bytes]:
        """``exim [opts] -C conf -bh host``: an SMTP session from ``host``."""
        return self.run([*opts, "-C", str(conf), "-bh", host], stdin)


def _bind(work: Path, name: str, text: str) -> None:
    (work / name).write_text(text)
    subprocess.run(["mount", "--bind", str(work / name), f"/etc/{name}"], check=True)


@contextmanager
def exim_namespace(zones: Mapping[str, str], *, broken: tuple[str, ...], hosts: bool = False,
                   prefix: str = "acl-rec-", keep: bool = False) -> Iterator[EximRunner]:
    """Inside the namespaces of ``recorder_main``: loopback up, resolv.conf
    (and a localhost-only /etc/hosts when ``hosts``) bound over /etc, NSD
    serving ``zones`` on 127.0.0.1:53 until the block ends. The work
    directory is removed then, unless ``keep`` (to look at what is in it)."""
    from tests.dnsserver import DnsServer

    if not isolated():
        raise NotIsolated("exim_namespace: not inside the private namespaces of recorder_main")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = Path(tempfile.mkdtemp(prefix=prefix))
    work.chmod(0o755)  # Exim may open files after giving up root (as tests/lists/record.py notes)
    bound = {"resolv.conf": RESOLV_CONF, **({"hosts": HOSTS} if hosts else {})}
    try:
        for name, text in bound.items():
            _bind(work, name, text)
        (work / "nsd").mkdir()
        with DnsServer(zones, broken=broken, port=53, workdir=str(work / "nsd")):
            yield EximRunner(work)
    finally:
        for name in bound:  # a mount point cannot be removed
            subprocess.run(["umount", f"/etc/{name}"], check=False, capture_output=True)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
