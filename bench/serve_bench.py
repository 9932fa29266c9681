#!/usr/bin/env python3
"""SMTP server benchmark: `acl serve` next to Exim 4.96's daemon and a bare
aiosmtpd server, on one workload, in one run.

Workload (bench/smtpload.py): full sessions (EHLO, MAIL, 5 RCPT, 2 KB DATA,
QUIT) from 8 loopback client addresses, at concurrency 1, 10 and 50. Both
servers read the same configuration (below: local domains, a relay host list,
a sender deny list, restricted local parts, a blocked-host list, acl_m
variables, host_lookup = *, queue_only: messages are spooled, not delivered).

DNS: the run re-executes itself in a private network and mount namespace
(`unshare -n -m`, loopback only), where /etc/resolv.conf is bind-mounted to a
file naming 127.0.0.1 and NSD serves the benchmark's zones on 127.0.0.1:53.
Nothing else is reachable there, so no server can ask the system's resolver.
`acl serve` is also told ACL_DNS_SERVER=127.0.0.1.

Printed per server and concurrency: sessions/s, messages/s, p50/p99 session
latency, server CPU seconds per 1,000 messages (utime+stime of the server
process and its reaped children, from /proc), and ratios against Exim.

Usage: python3 bench/serve_bench.py [--seconds 5] [--servers exim,acl,aiosmtpd]
       [--concurrency 1,10,50] [--profile DIR] [--no-netns]
See docs/BENCH.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pwd
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from smtpload import Result, Workload, run_load  # noqa: E402

EXIM = shutil.which("exim") or ("/usr/sbin/exim" if os.path.exists("/usr/sbin/exim") else None)
INSIDE = "ACL_BENCH_IN_NETNS"
SOURCES = tuple(f"127.0.0.{n}" for n in range(2, 10))  # not in /etc/hosts: names come from DNS
TICK = os.sysconf("SC_CLK_TCK")

CONF = r"""
primary_hostname = mx.bench.example
spool_directory = {spool}
log_file_path = {log}/%slog
queue_only
smtp_accept_max = 500
smtp_accept_max_per_host = 200
smtp_connect_backlog = 256
{host_lookup}
message_size_limit = 20M

domainlist local_domains = @ : bench.example : mail.bench.example : localhost
domainlist relay_to_domains = partner.example : *.partner.example
hostlist relay_from_hosts = <; 127.0.0.2 ; 127.0.0.3 ; ::1 ; 10.0.0.0/8 ; 192.168.0.0/16
hostlist blocked_hosts = 192.0.2.0/24 : 198.51.100.0/24 : 203.0.113.7 : 127.0.0.200
addresslist bad_senders = *@spam.example : baduser@*.example.net : ^.*\d{{8,}}@
localpartlist role = postmaster : abuse : hostmaster : webmaster

acl_smtp_helo = check_helo
acl_smtp_mail = check_mail
acl_smtp_rcpt = check_rcpt
acl_smtp_data = check_data

begin acl

check_helo:
  deny    message    = HELO must be a name
          condition  = ${{if isip{{$sender_helo_name}}}}
  accept

check_mail:
  deny    message    = sender refused
          senders    = +bad_senders
  warn    set acl_m_client = ${{if def:sender_host_name{{$sender_host_name}}{{[$sender_host_address]}}}}
  accept

check_rcpt:
  accept  hosts      = :
  deny    message    = Restricted characters in address
          domains    = +local_domains
          local_parts = ^[.] : ^.*[@%!/|]
  deny    message    = Restricted characters in address
          domains    = !+local_domains
          local_parts = ^[./|] : ^.*[@%!] : ^.*/\\.\\./
  deny    message    = blocked host $sender_host_address
          hosts      = +blocked_hosts
  warn    set acl_m_rcpts = ${{eval:0$acl_m_rcpts+1}}
  accept  local_parts = +role
          domains    = +local_domains
  accept  domains    = +local_domains
          set acl_m_local = yes
  accept  hosts      = +relay_from_hosts
  require message    = relay not permitted
          domains    = +local_domains : +relay_to_domains
  accept

check_data:
  deny    message    = too many recipients for $acl_m_client
          condition  = ${{if >{{$recipients_count}}{{50}}}}
  warn    set acl_m_size = $message_size
  accept
"""

ZONES = {
    "bench.example": "mx A 127.0.0.1\n" + "".join(f"client{n} A 127.0.0.{n}\n" for n in range(2, 10)),
    "0.0.127.in-addr.arpa": "".join(f"{n} PTR client{n}.bench.example.\n" for n in range(2, 10)),
}


# -- the namespace ------------------------------------------------------------

def reexec_in_netns(argv: list[str]) -> int:
    """Run this script again inside `unshare -n -m` (root only)."""
    env = {**os.environ, INSIDE: "1"}
    return subprocess.call(["unshare", "-n", "-m", "--", sys.executable, *argv], env=env)


def setup_netns(workdir: Path) -> str:
    """Loopback up, resolv.conf -> 127.0.0.1; returns a description as proof."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    resolv = workdir / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    names = [line.split(":")[1].strip() for line in links.splitlines() if ":" in line]
    shown = Path("/etc/resolv.conf").read_text().replace("\n", "; ").strip("; ")
    return f"network namespace interfaces: {', '.join(names)}; /etc/resolv.conf: {shown}"


def start_dns(port: int) -> Any:
    from tests.dnsserver import DnsServer

    return DnsServer(ZONES, broken=(), host="127.0.0.1", port=port).start()


# -- servers -------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime+stime of ``pid`` and of its children already reaped."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / TICK


def thread_cpu(pid: int) -> dict[str, tuple[float, float]]:
    """(user, system) CPU seconds by thread name, threads of one name summed
    (spool_0..spool_3 count as ``spool``)."""
    out: dict[str, tuple[float, float]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            head, rest = task.joinpath("stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        name = head.split("(", 1)[1].rstrip("0123456789_")
        f = rest.split()
        u, s = out.get(name, (0.0, 0.0))
        out[name] = (u + int(f[11]) / TICK, s + int(f[12]) / TICK)
    return out


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.recv(512)
                s.sendall(b"QUIT\r\n")
                s.recv(512)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    spool: Path  # where acknowledged messages are (counted after the run)
    pattern: str  # glob of one file per message there

    def spooled(self) -> int:
        return sum(1 for _ in self.spool.glob(self.pattern))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def write_conf(base: Path, host_lookup: bool) -> Path:
    (base / "spool").mkdir(parents=True)
    (base / "log").mkdir()
    conf = base / "configure"
    conf.write_text(CONF.format(spool=base / "spool", log=base / "log",
                                host_lookup="host_lookup = *" if host_lookup else ""))
    return conf


def start_exim(base: Path, host_lookup: bool) -> Server:
    assert EXIM is not None
    conf = write_conf(base, host_lookup)
    try:  # Exim drops to its own user to receive: it must own the spool and log
        ent = pwd.getpwnam("Debian-exim")
        for d in (base, base / "spool", base / "log"):
            os.chown(d, ent.pw_uid, ent.pw_gid)
    except KeyError:
        pass
    port = free_port()
    proc = subprocess.Popen([EXIM, "-C", str(conf), "-bdf", "-oX", str(port), "-odq"],
                            stdout=subprocess.DEVNULL, stderr=open(base / "stderr", "wb"))
    try:
        wait_port(port, proc)
    except RuntimeError as e:
        raise RuntimeError(f"exim: {e}: {(base / 'stderr').read_text(errors='replace')[-500:]}") from None
    return Server("exim", proc, port, base / "spool" / "input", "*-H")


def start_acl(base: Path, host_lookup: bool, profile: Path | None) -> Server:
    conf = write_conf(base, host_lookup)
    port = free_port()
    pre = ["-m", "cProfile", "-o", str(profile)] if profile else []
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACL_DNS_SERVER": "127.0.0.1"}
    proc = subprocess.Popen([sys.executable, *pre, "-m", "acl", "serve", "-C", str(conf), "--listen",
                             f"127.0.0.1:{port}", "--state-dir", str(base), "--foreground"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc)
    return Server("acl serve", proc, port, base / "spool" / "input", "*-H")


def start_bare(base: Path) -> Server:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--bare-aiosmtpd", str(port), str(base)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc)
    return Server("aiosmtpd", proc, port, base / "new", "*")


def start_py_spy(srv: Server, out: Path) -> subprocess.Popen[bytes]:
    """Sample the running server (without pausing it) into collapsed stacks."""
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(["py-spy", "record", "--pid", str(srv.proc.pid), "--nonblocking", "--threads",
                             "-r", "250", "-f", "raw", "-o", str(out / "acl-serve.folded")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize_folded(path: Path, top: int = 25) -> str:
    """The functions where samples were taken (self) and those on the stack
    (inclusive), as shares of all samples of the server's threads."""
    self_n: dict[str, int] = {}
    incl: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        thread = frames[0].split(":")[-1].strip()
        frames = [f"[{thread}] {f}" if i == 0 else f for i, f in enumerate(frames[1:])] or [thread]
        total += n
        self_n[frames[-1]] = self_n.get(frames[-1], 0) + n
        for f in set(frames):
            incl[f] = incl.get(f, 0) + n
    out = [f"{total} samples"]
    for title, table_ in (("self", self_n), ("inclusive", incl)):
        out.append(f"top {top} by {title}:")
        for f, n in sorted(table_.items(), key=lambda kv: -kv[1])[:top]:
            out.append(f"  {100 * n / max(total, 1):5.1f}%  {f}")
    return "\n".join(out)


# -- the bare aiosmtpd comparison point ------------------------------------------

def bare_aiosmtpd(port: int, base: Path) -> None:
    """aiosmtpd that accepts everything and spools each message with fsync of
    file and directory and an atomic rename, off the event loop."""
    from aiosmtpd.smtp import SMTP

    tmp, new = base / "tmp", base / "new"
    tmp.mkdir(parents=True, exist_ok=True)
    new.mkdir(exist_ok=True)
    dir_fd = os.open(new, os.O_RDONLY)
    counter = iter(range(1 << 62))

    def spool(data: bytes, rcpts: list[str]) -> str:
        mid = f"{os.getpid()}-{next(counter)}"
        path = tmp / mid
        with open(path, "wb") as f:
            f.write(("\n".join(rcpts) + "\n\n").encode() + data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(path, new / mid)
        os.fsync(dir_fd)
        return mid

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            loop = asyncio.get_running_loop()
            mid = await loop.run_in_executor(None, spool, envelope.content, envelope.rcpt_tos)
            return f"250 OK id={mid}"

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(lambda: SMTP(Handler(), hostname="mx.bench.example"),
                                       "127.0.0.1", port, backlog=128)
        async with srv:
            await srv.serve_forever()

    try:
        import uvloop  # the event loop acl serve uses too, when installed
        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    try:
        runner(serve())
    except KeyboardInterrupt:
        pass


# -- measuring -----------------------------------------------------------------

@dataclass
class Point:
    server: str
    concurrency: int
    result: Result
    cpu: float  # server CPU seconds during the run
    client_cpu: float
    threads: dict[str, tuple[float, float]] | None = None  # by thread name, with --threads

    @property
    def rate(self) -> float:
        return self.result.sessions / self.result.elapsed if self.result.elapsed else 0.0

    @property
    def msg_rate(self) -> float:
        return self.result.messages / self.result.elapsed if self.result.elapsed else 0.0

    @property
    def cpu_per_k(self) -> float:
        return 1000 * self.cpu / self.result.messages if self.result.messages else float("nan")


def self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def measure(srv: Server, concurrency: int, seconds: float, wl: Workload, threads: bool = False) -> Point:
    t0 = thread_cpu(srv.proc.pid) if threads else None
    cpu0, c0 = cpu_seconds(srv.proc.pid), self_cpu()
    result = asyncio.run(run_load("127.0.0.1", srv.port, concurrency, 10**6, seconds, wl))
    time.sleep(0.3)  # Exim's daemon reaps its last children
    p = Point(srv.name, concurrency, result, cpu_seconds(srv.proc.pid) - cpu0, self_cpu() - c0)
    if t0 is not None:
        t1 = thread_cpu(srv.proc.pid)
        p.threads = {k: (u - t0.get(k, (0, 0))[0], s - t0.get(k, (0, 0))[1]) for k, (u, s) in t1.items()}
    return p


def thread_table(points: list[Point]) -> str:
    """ms of CPU per message, user+system, by thread name."""
    out = []
    for p in points:
        if not p.threads or not p.result.messages:
            continue
        per = sorted(p.threads.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))
        cells = ", ".join(f"{k} {1000 * u / p.result.messages:.2f}u+{1000 * s / p.result.messages:.2f}s"
                          for k, (u, s) in per if u + s > 0)
        out.append(f"{p.server} c={p.concurrency}: {cells}")
    return "CPU ms per message by thread (user+system):\n" + "\n".join(out) if out else ""


def bench_server(srv: Server, levels: list[int], seconds: float, wl: Workload,
                 threads: bool = False) -> list[Point]:
    asyncio.run(run_load("127.0.0.1", srv.port, 2, 20, seconds, wl))  # warm-up
    before = srv.spooled()
    points = [measure(srv, c, seconds, wl, threads and srv.name == "acl serve") for c in levels]
    acked = sum(p.result.messages for p in points)
    got = srv.spooled() - before
    print(f"  {srv.name}: {acked} messages acknowledged, {got} in its spool"
          f"{'' if got >= acked else '  <-- MESSAGES LOST'}", flush=True)
    return points


def arrivals_named(log: Path) -> tuple[int, int]:
    """(arrival lines, those whose H= holds a name found in the benchmark's DNS)."""
    try:
        lines = [x for x in log.read_text(errors="replace").splitlines() if " <= " in x]
    except OSError:
        return 0, 0
    return len(lines), sum(1 for x in lines if ".bench.example " in x.split(" H=", 1)[-1][:60])


# -- the table -------------------------------------------------------------------

def fmt_ms(x: float) -> str:
    return f"{x * 1000:.1f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b and b == b and a == a else "-"


def table(points: list[Point]) -> str:
    head = (f"{'server':<10} {'conc':>4} {'sessions':>8} {'sess/s':>8} {'msg/s':>8} {'p50 ms':>8} "
            f"{'p99 ms':>8} {'cpu s/1k':>9} {'client cpu s':>12}  errors")
    out = [head, "-" * len(head)]
    for p in points:
        r = p.result
        errs = ", ".join(f"{k}: {v}" for k, v in r.errors.items()) or "-"
        out.append(f"{p.server:<10} {p.concurrency:>4} {r.sessions:>8} {p.rate:>8.1f} {p.msg_rate:>8.1f} "
                   f"{fmt_ms(r.percentile(50)):>8} {fmt_ms(r.percentile(99)):>8} {p.cpu_per_k:>9.2f} "
                   f"{p.client_cpu:>12.2f}  {errs}")
    ref = {p.concurrency: p for p in points if p.server == "exim"}
    if ref:
        out += ["", "against Exim (sessions/s: higher is better; CPU/msg and p99: lower is better)",
                f"{'server':<10} {'conc':>4} {'sess/s':>8} {'cpu/msg':>8} {'p99':>8}"]
        for p in points:
            e = ref.get(p.concurrency)
            if p.server == "exim" or e is None:
                continue
            out.append(f"{p.server:<10} {p.concurrency:>4} {ratio(p.rate, e.rate):>8} "
                       f"{ratio(p.cpu_per_k, e.cpu_per_k):>8} "
                       f"{ratio(p.result.percentile(99), e.result.percentile(99)):>8}")
    return "\n".join(out)


def run(a: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="acl-serve-bench-"))
    workdir.chmod(0o755)  # Exim's own user walks through it to its spool
    netns = os.environ.get(INSIDE) == "1"
    dns = None
    try:
        if netns:
            print(setup_netns(workdir), flush=True)
            dns = start_dns(53)
        else:
            print("no private namespace: host_lookup is off and Exim is not run "
                  "(it would ask the machine's resolver)", flush=True)
        wl = Workload(sources=SOURCES if netns else ("127.0.0.1",))
        levels = [int(x) for x in a.concurrency.split(",")]
        wanted = a.servers.split(",")
        points: list[Point] = []
        for name in wanted:
            base = workdir / name
            if name == "exim" and EXIM is None:
                print("exim: not installed, skipped", flush=True)
                continue
            if name == "exim" and not netns:
                # Measured: even with host_lookup unset, Exim's daemon then
                # waits seconds on the machine's resolver.
                print("exim: skipped outside the private namespace", flush=True)
                continue
            if name == "exim":
                srv = start_exim(base, netns and a.host_lookup)
            elif name == "acl":
                prof = Path(a.profile) / "acl-serve.prof" if a.profile else None
                srv = start_acl(base, netns and a.host_lookup, prof)
            elif name == "aiosmtpd":
                srv = start_bare(base)
            else:
                raise SystemExit(f"unknown server {name!r}")
            print(f"running {srv.name} on port {srv.port}", flush=True)
            spy = start_py_spy(srv, Path(a.py_spy)) if a.py_spy and name == "acl" else None
            try:
                points += bench_server(srv, levels, a.seconds, wl, a.threads)
            finally:
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(60)
                srv.stop()
            if name in ("exim", "acl"):
                n, named = arrivals_named(base / "log" / "mainlog")
                print(f"  {srv.name}: {named} of {n} arrivals logged with a host name from the "
                      "benchmark's DNS", flush=True)
        print()
        print(table(points))
        if a.threads:
            print("\n" + thread_table(points))
        if a.py_spy and (Path(a.py_spy) / "acl-serve.folded").exists():
            print("\npy-spy, acl serve:\n" + summarize_folded(Path(a.py_spy) / "acl-serve.folded"))
        return 0
    finally:
        if dns is not None:
            dns.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--bare-aiosmtpd":
        bare_aiosmtpd(int(sys.argv[2]), Path(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="length of each measured run")
    ap.add_argument("--servers", default="exim,acl,aiosmtpd")
    ap.add_argument("--concurrency", default="1,10,50")
    ap.add_argument("--profile", metavar="DIR", help="run acl serve under cProfile, write DIR/acl-serve.prof")
    ap.add_argument("--py-spy", metavar="DIR", help="sample acl serve with py-spy into DIR/acl-serve.folded")
    ap.add_argument("--threads", action="store_true",
                    help="also print acl serve's CPU per message by thread (event loop, spool, ...)")
    ap.add_argument("--no-host-lookup", dest="host_lookup", action="store_false",
                    help="leave host_lookup unset in the configuration")
    ap.add_argument("--no-netns", action="store_true", help="do not enter a private namespace")
    a = ap.parse_args()
    if a.profile:
        Path(a.profile).mkdir(parents=True, exist_ok=True)
        a.profile = str(Path(a.profile).resolve())
    if a.py_spy:
        a.py_spy = str(Path(a.py_spy).resolve())
    if not a.no_netns and os.environ.get(INSIDE) != "1":
        if os.geteuid() == 0 and shutil.which("unshare") and shutil.which("ip"):
            return reexec_in_netns([str(Path(__file__).resolve()), *sys.argv[1:]])
        print("not root or no unshare/ip: running without a private namespace", flush=True)
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
