"""The daemon: listening sockets from daemon_smtp_ports / local_interfaces
(or --listen), Exim's connection limits, the spool and the delivery worker,
SIGHUP reload (a bad configuration keeps the old one serving) and SIGTERM
shutdown (sessions get a grace period, then 421)."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from acl.errors import AclError
from acl.runtime.values import TaintedStr
from acl.serve.deliver import Deliverer
from acl.serve.listen import Listen, listen_addresses
from acl.serve.mainlog import MainLog, MainLogHandler
from acl.serve.protocol import ServeSMTP
from acl.smtp.logs import message_id
from acl.smtp.selectors import parse as parse_selector
from acl.spool import Envelope, Spool
from acl.spool.commit import Committer
from acl.threadname import kernel_name

ACL_THREADS = 64  # sessions whose ACLs may wait on lookups at the same time
MAX_ID_TRIES = 10_000  # fresh ids tried when one is taken (each 500 µs apart)
GC_YOUNG = 10_000  # allocations between young collections (Python's default: 700)
ID_MEMORY = 120.0  # seconds an id this process used is remembered (see claim_id)
_B62 = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")}


def _pool(workers: int, prefix: str) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix=prefix,
                              initializer=kernel_name)


def _id_seconds(mid: str) -> int:
    """The time part of an Exim message id (its first six base-62 digits)."""
    n = 0
    for c in mid[:6]:
        n = n * 62 + _B62.get(c, 0)
    return n


def _int(v: Any, default: int) -> int:
    from acl.smtp.options import read_size

    if v is None:
        return default
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return int(v)
    got = read_size(str(v))
    return default if got is None else got


@dataclass
class State:
    """What one configuration gives: replaced as a whole on SIGHUP."""

    config: Any
    engine: Any
    path: str | None
    spool_directory: str
    log_template: str | None
    accept_max: int = 20
    accept_reserve: int = 0
    receive_timeout: float = 300.0
    backlog: int = 20
    queue_only: bool = False
    listen: list[Listen] = field(default_factory=list)
    # No ACL can wait on I/O: ACLs run in the loop's thread (see acl_waits);
    # if they read $sender_host_name, only once its lookup is settled.
    acl_inline: bool = False
    acl_reads_host_name: bool = True
    log_selector: frozenset[str] = frozenset()
    host_number: int | None = None  # localhost_number


def load_state(path: str, defines: dict[str, str], listen_override: list[str],
               foreground: bool) -> State:
    """Read and check a configuration (raises ConfigError / AclError)."""
    from acl.builtins import load_all
    from acl.config import load_config
    from acl.engine import Engine

    load_all()
    config = load_config(path, defines=defines)
    opts = config.options
    host = _host_number(config)
    spool_dir = str(opts.get("spool_directory") or "/var/spool/exim-acl")
    log_path = opts.get("log_file_path")
    if not log_path:
        log_path = None if foreground else os.path.join(spool_dir, "log", "%slog")
    return State(
        config=config, engine=Engine(config), path=path, spool_directory=spool_dir,
        log_template=log_path, accept_max=_int(opts.get("smtp_accept_max"), 20),
        accept_reserve=_int(opts.get("smtp_accept_reserve"), 0),
        receive_timeout=float(_int(opts.get("smtp_receive_timeout"), 300)),
        backlog=_int(opts.get("smtp_connect_backlog"), 20),
        queue_only=bool(opts.get("queue_only", False)),
        listen=listen_addresses(opts, listen_override),
        acl_inline=not acl_waits(config),
        acl_reads_host_name=any("sender_host_name" in t for t in _acl_texts(config)),
        log_selector=parse_selector(str(opts.get("log_selector") or "")),
        host_number=host)


def _host_number(config: Any) -> int | None:
    """localhost_number, checked as Exim does at start-up (a bad value stops
    the daemon with Exim's message)."""
    from acl.builtins.variables import read_localhost_number
    from acl.runtime.context import ExpansionContext

    return read_localhost_number(ExpansionContext(config=config))


# ACL conditions and modifiers that never wait on I/O themselves (their
# arguments are checked apart); any other may (dnslists, verify, ratelimit's
# store, delay, spf, dkim, dmarc, decode, udpsend, ...).
_NO_WAIT = frozenset({
    "acl", "add_header", "authenticated", "condition", "continue", "control", "domains",
    "encrypted", "endpass", "hosts", "local_parts", "log_message", "log_reject_target",
    "logwrite", "message", "mime_regex", "queue", "recipients", "regex", "remove_header",
    "sender_domains", "senders", "set"})
_LIST_KIND = {"domains": "domain", "sender_domains": "domain", "hosts": "host",
              "local_parts": "localpart", "senders": "address", "recipients": "address"}
# Expansion text that can wait: lookups, ${run}, sockets, files, perl, auth
# servers, list matches that may hold lookups.
_WAITING_TEXT = ("lookup", "dnsdb", ";", "${run", "readsocket", "readfile", "perl", "dlfunc",
                 "imapfolder", "prvscheck", "ldap", "pam{", "radius", "saslauthd", "pwcheck",
                 "match_host", "acl{")


def _acl_texts(config: Any) -> list[str]:
    """The phase options' values and every condition's text."""
    from acl.engine import PHASES

    out = [str(config.options.get(opt) or "") for opt in PHASES.values() if opt]
    for acl in config.acls.values():
        out.extend(cb.value or "" for stmt in acl.statements for cb in stmt.conditions)
    return out


def acl_waits(config: Any) -> bool:
    """True when an ACL run of ``config`` may wait on I/O (DNS, a lookup, a
    file, a socket, a sleep); False lets the daemon run ACLs in its event
    loop's thread. Conservative: anything not known to be quick waits."""
    from acl.engine import PHASES
    from acl.runtime.lists_io import list_may_wait

    named_wait = any(list_may_wait(config, kind, nl.value)
                     for kind, lists in config.named_lists.items() for nl in lists.values())
    for opt in PHASES.values():
        value = str(config.options.get(opt) or "") if opt else ""
        if value and value not in config.acls:  # expanded, inline or a file
            return True
    for acl in config.acls.values():
        for stmt in acl.statements:
            for cb in stmt.conditions:
                text = cb.value or ""
                if cb.name not in _NO_WAIT:
                    return True
                if cb.name in _LIST_KIND:
                    if list_may_wait(config, _LIST_KIND[cb.name], text):
                        return True
                    continue
                if cb.name == "acl" and text.split()[:1] and text.split()[0] not in config.acls:
                    return True  # a file, inline text or an expansion
                if any(w in text for w in _WAITING_TEXT) or \
                        (named_wait and ("match_" in text or "inlist" in text)):
                    return True
    return False


class Server:
    def __init__(self, state: State, *, reload: Callable[[], State] | None = None,
                 peer_override: Callable[[tuple[str, int]], tuple[str, int]] | None = None,
                 grace: float = 10.0) -> None:
        self.state = state
        self._reload = reload
        self.peer_override = peer_override
        self.grace = grace
        self.mainlog = MainLog(state.log_template, millisec="millisec" in state.log_selector)
        self.log_handler = MainLogHandler(self.mainlog)
        self.spool = Spool(state.spool_directory)
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.servers: list[asyncio.AbstractServer] = []
        self.sessions: set[ServeSMTP] = set()
        self.per_host: dict[str, int] = {}
        self.claimed: set[str] = set()  # ids of messages being written
        self.recent_ids: dict[str, float] = {}  # id -> when written, oldest first
        self.io = _pool(2, "io")
        self.delivery_pool = _pool(1, "deliver")
        # ACL runs (and TLS setup, DKIM) of all sessions: a session waiting on
        # DNS holds one thread, the others go on in the rest.
        self.acl_pool = _pool(ACL_THREADS, "acl")
        self.to_deliver: asyncio.Queue[str] | None = None
        self.stopping: asyncio.Event | None = None
        self.bound: list[tuple[str, int]] = []
        self.worker: asyncio.Task[None] | None = None
        self.committer: Committer | None = None

    @property
    def count(self) -> int:
        return len(self.sessions)

    def log(self, text: str) -> None:
        """A line of the daemon's own (+pid: with the process id, as the
        dialogue's lines get it from their Policy)."""
        if "pid" in self.state.log_selector:
            text = f"[{os.getpid()}] {text}"
        self.mainlog.write(text)

    def session_log(self, text: str) -> None:
        """A line from a session's Policy, stamped there already."""
        self.mainlog.write(text)

    # -- start and stop ------------------------------------------------------

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.to_deliver = asyncio.Queue()
        self.stopping = asyncio.Event()
        self.spool.create()
        self.spool.tidy()
        self.committer = Committer(self.spool, self.loop, on_commit=self._committed)
        self.committer.start()
        self.log_handler.attach()
        st = self.state
        for addr in st.listen:
            srv = await self.loop.create_server(lambda: ServeSMTP(self), addr.host, addr.port,
                                                backlog=st.backlog, reuse_address=True)
            self.servers.append(srv)
            for sock in srv.sockets:
                name = sock.getsockname()
                self.bound.append((str(name[0]), int(name[1])))
        shown = " ".join(f"[{h}]:{p}" for h, p in self.bound)
        self.log(f"exim-acl daemon started: pid={os.getpid()}, listening for SMTP on {shown}")
        self.worker = self.loop.create_task(self.delivery_worker())
        now = time.time()
        for mid in self.spool.ids():  # what a previous run left: a queue run
            self.recent_ids[mid] = now  # (an earlier process may have had this pid)
            self.to_deliver.put_nowait(mid)

    def install_signals(self) -> None:
        self.loop.add_signal_handler(signal.SIGHUP, lambda: self.loop.create_task(self.reload()))
        self.loop.add_signal_handler(signal.SIGTERM, self.stopping.set)
        self.loop.add_signal_handler(signal.SIGINT, self.stopping.set)

    async def serve(self) -> None:
        await self.start()
        self.install_signals()
        # The configuration, grammar and tables live as long as the process:
        # the collector need not walk them again at each full collection.
        # Sessions allocate thousands of objects each, nearly all freed by
        # reference counting: rarer young collections promote fewer of them
        # (measured: about half the collector's time per message).
        gc.freeze()
        gc.set_threshold(GC_YOUNG, 10, 10)
        await self.stopping.wait()
        await self.shutdown("SIGTERM or SIGINT received")

    async def shutdown(self, why: str) -> None:
        self.log(f"exim-acl daemon stopping: {why}")
        for srv in self.servers:
            srv.close()
        deadline = time.monotonic() + self.grace
        while self.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for _ in range(200):  # those writing a message get to finish it
            pending = [s for s in list(self.sessions) if not s.terminate()]
            if not any(s.spooling for s in pending):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0)
        if self.worker is not None:
            self.worker.cancel()
            await asyncio.gather(self.worker, return_exceptions=True)
        self.delivery_pool.shutdown(wait=True)
        self.acl_pool.shutdown(wait=False, cancel_futures=True)
        if self.committer is not None:
            self.committer.stop()
        self.io.shutdown(wait=True)
        self.log_handler.detach()
        self.mainlog.close()

    async def reload(self) -> None:
        if self._reload is None:
            return
        self.log(f"pid {os.getpid()}: SIGHUP received: reloading configuration")
        try:
            state = await self.loop.run_in_executor(self.io, self._reload)
        except AclError as e:
            self.log(f"configuration reload failed, old configuration kept: {e.message}")
            return
        except OSError as e:
            self.log(f"configuration reload failed, old configuration kept: {e}")
            return
        self.state = state
        self.mainlog.template = state.log_template
        self.mainlog.millisec = "millisec" in state.log_selector
        self.mainlog.reopen()
        self.log("configuration reloaded")

    # -- connections ---------------------------------------------------------

    def peer_of(self, transport: Any) -> tuple[str, int]:
        peer = transport.get_extra_info("peername") or ("", 0)
        got = (str(peer[0]), int(peer[1]))
        return self.peer_override(got) if self.peer_override else got

    def admit(self, proto: ServeSMTP) -> tuple[str, str] | None:
        """daemon.c's checks before a connection gets a process: the
        (reply, log line) of a refusal, or None after counting it in."""
        st, ip = proto.state, proto.peer[0]
        who = f"[{ip}]"
        if st.accept_max > 0 and self.count >= st.accept_max:
            return ("421 Too many concurrent SMTP connections; please try again later.",
                    f"Connection from {who} refused: too many connections")
        per_host = self.max_per_host(proto)
        if per_host > 0 and self.per_host.get(ip, 0) >= per_host:
            return ("421 Too many concurrent SMTP connections from this IP address; please try "
                    "again later.", f"Connection from {who} refused: too many connections from "
                    "that IP address")
        self.sessions.add(proto)
        self.per_host[ip] = self.per_host.get(ip, 0) + 1
        return None

    def max_per_host(self, proto: ServeSMTP) -> int:
        """smtp_accept_max_per_host is expanded for the client."""
        raw = proto.state.config.options.get("smtp_accept_max_per_host")
        if raw is None or raw == "":
            return 0
        if isinstance(raw, int):
            return raw
        if "$" not in raw and "\\" not in raw:  # expands to itself: no context needed
            return _int(raw, 0)
        from acl.expansion import expand
        from acl.runtime.context import ExpansionContext

        ctx = ExpansionContext(config=proto.state.config)
        ctx.variables["sender_host_address"] = TaintedStr(proto.peer[0])
        try:
            return _int(expand(str(raw), ctx), 0)
        except AclError as e:
            self.log(f"expansion of smtp_accept_max_per_host failed: {e.message}")
            return 0

    def release(self, proto: ServeSMTP) -> None:
        if proto in self.sessions:
            self.sessions.discard(proto)
            ip = proto.peer[0]
            left = self.per_host.get(ip, 1) - 1
            if left > 0:
                self.per_host[ip] = left
            else:
                self.per_host.pop(ip, None)

    def make_policy(self, proto: ServeSMTP) -> Any:
        from acl.runtime.context import ExpansionContext
        from acl.smtp.policy import Policy

        st = proto.state
        ctx = ExpansionContext(config=st.config)
        ctx.allow_run = bool(ctx.option("expansion_allow_run", False))
        if st.path:
            ctx.extra["config_file"] = st.path
        ip, port = proto.peer
        local_ip, local_port = proto.local
        ctx.variables.update(
            sender_host_address=TaintedStr(ip), sender_host_port=TaintedStr(str(port)),
            interface_address=local_ip, interface_port=str(local_port),
            received_ip_address=local_ip, received_port=str(local_port))
        return Policy(st.engine, ctx, self.session_log)

    async def look_up_host(self, ctx: Any) -> None:
        """host_lookup: the client's name, found without blocking the loop."""
        from acl.smtp.options import host_in

        if not ctx.option("host_lookup") or not host_in(ctx, "host_lookup"):
            return
        from acl.dns.hostname import ahost_name_lookup

        try:
            found = await ahost_name_lookup(ctx.variables["sender_host_address"], ctx)
        except (AclError, OSError):
            return
        if found.status == "ok" and found.name:
            ctx.variables["sender_host_name"] = TaintedStr(found.name)

    # -- spool and delivery ----------------------------------------------------

    def claim_id(self, mid: str) -> str:
        """``mid`` unless this process already used it (two sessions in the
        same half-millisecond): then a fresh one. Ids carry the process id,
        so only this process's recent ids (kept in memory) can collide; the
        spool is asked only about an id older than that memory."""
        now = time.time()
        recent = self.recent_ids
        while recent and next(iter(recent.values())) < now - ID_MEMORY:
            del recent[next(iter(recent))]  # oldest first: insertion order
        for n in range(MAX_ID_TRIES):
            if mid and mid not in self.claimed and mid not in recent and \
                    (_id_seconds(mid) > now - ID_MEMORY + 1 or not self.spool.exists(mid)):
                self.claimed.add(mid)
                return mid
            mid = message_id(now + (n + 1) * (0.0005 if self.state.host_number is None else 0.005),
                             host=self.state.host_number)
        raise AclError("no free message id")

    def unclaim(self, mid: str) -> None:
        if mid in self.claimed:
            self.claimed.discard(mid)
            self.recent_ids[mid] = time.time()

    async def store(self, env: Envelope, message: bytes) -> None:
        assert self.committer is not None
        await self.committer.store(env, message)

    def _committed(self, env: Envelope) -> None:
        """A message is on disk: queued for delivery (even if the session
        that stored it was cancelled meanwhile)."""
        if not (env.frozen or env.queued):
            self.queue(env.id)

    def queue(self, mid: str) -> None:
        if self.to_deliver is not None:
            self.to_deliver.put_nowait(mid)

    async def delivery_worker(self) -> None:
        assert self.to_deliver is not None
        deliverer = None
        while True:
            mid = await self.to_deliver.get()
            st = self.state
            if deliverer is None or deliverer.config is not st.config:
                deliverer = Deliverer(self.spool, st.config, self.log)
            try:
                await self.loop.run_in_executor(self.delivery_pool, deliverer.run, mid)
            except RuntimeError:  # the pool is shut down: stopping
                return
            except Exception as e:  # a bad message must not stop deliveries
                self.log(f"{mid} delivery error: {type(e).__name__}: {e}")


def run(state: State, reload: Callable[[], State] | None, grace: float = 10.0) -> int:
    try:
        import uvloop  # type: ignore[import-not-found]
    except ImportError:
        uvloop = None
    server = Server(state, reload=reload, grace=grace)
    try:
        if uvloop is not None:
            uvloop.run(server.serve())
        else:
            asyncio.run(server.serve())
    except OSError as e:
        server.log(f"daemon failed: {e}")
        return 1
    return 0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
