"""The message spool of ``acl serve``: what is acknowledged with 250 is on
disk first, and a delivery journal so that a crash never loses a message nor
delivers it twice. The format is described in docs/SERVE.md.

Layout under the spool directory::

    tmp/        files being written (never read by anyone else)
    input/      <id>-D  the message (header lines, blank line, body; LF ends)
                <id>-H  the envelope (JSON); its presence commits the message
                <id>-J  the delivery journal (one delivered recipient a line)
    log/        default place for the main log
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from acl.spool.dsn import pending as _dsn_pending

FORMAT = 1
ID_RE = re.compile(r"^[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}$")
MAX_QUEUE = 1_000_000  # bound on one scan of input/
MAX_JOURNAL = 1 << 20  # bytes of a journal read back


class SpoolError(Exception):
    """The spool cannot be written or read (the message is not accepted)."""


@dataclass
class Envelope:
    id: str
    sender: str
    recipients: list[str]
    received: float  # arrival time (Unix seconds)
    protocol: str = "smtp"
    host_address: str = ""
    host_port: str = ""
    host_name: str = ""
    helo_name: str = ""
    interface_address: str = ""
    interface_port: str = ""
    size: int = 0
    frozen: bool = False  # control = freeze: never delivered automatically
    queued: bool = False  # queue_only / control = queue: left for a queue run
    acl_vars: dict[str, str] = field(default_factory=dict)
    # DSN (RFC 3461) as the client gave it: {"ret", "envid", "recipients":
    # {address: {"notify": [...], "orcpt"}}} (acl.spool.dsn); empty: none.
    dsn: dict[str, Any] = field(default_factory=_dsn_pending)
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=True, sort_keys=True).encode("ascii") + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> "Envelope":
        try:
            raw = json.loads(data.decode("ascii"))
            known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
            return cls(**known)
        except (ValueError, TypeError) as e:
            raise SpoolError(f"bad envelope: {e}") from None


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: Path, data: bytes, exclusive: bool = True) -> None:
    """Write and fsync ``data`` (O_EXCL: a name is never reused by mistake)."""
    fd = write_unsynced(path, data, exclusive)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_unsynced(path: Path, data: bytes, exclusive: bool = True) -> int:
    """Write ``data`` to a new file; its descriptor, open, for the fsync."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException:
        os.close(fd)
        raise
    return fd


class Spool:
    def __init__(self, directory: str | Path) -> None:
        self.root = Path(directory)
        self.input = self.root / "input"
        self.tmp = self.root / "tmp"

    def create(self) -> None:
        for d in (self.root, self.input, self.tmp):
            d.mkdir(parents=True, exist_ok=True, mode=0o750)

    def path(self, mid: str, part: str) -> Path:
        if not ID_RE.match(mid):
            raise SpoolError(f"{mid}: not a message id")
        return self.input / f"{mid}-{part}"

    def exists(self, mid: str) -> bool:
        return self.path(mid, "H").exists() or self.path(mid, "D").exists()

    # -- reception ---------------------------------------------------------

    def store(self, env: Envelope, message: bytes) -> None:
        """Commit one message: -D then -H into input/ (the -H rename is the
        commit point), the directory fsynced. Raises SpoolError (also when
        the id is taken). The daemon does the same steps for a batch of
        messages at a time (acl.spool.commit)."""
        self.stage(env, message)
        self.publish(env.id)
        try:
            self.sync_input()
        except OSError as e:
            raise SpoolError(f"spool write for {env.id} failed: {e}") from None

    def stage(self, env: Envelope, message: bytes) -> None:
        """The message's files written and fsynced under tmp/."""
        fds = self.stage_unsynced(env, message)
        try:
            for fd in fds:
                os.fsync(fd)
        except OSError as e:
            self.discard(env.id)
            raise SpoolError(f"spool write for {env.id} failed: {e}") from None
        finally:
            for fd in fds:
                os.close(fd)

    def stage_unsynced(self, env: Envelope, message: bytes) -> list[int]:
        """The message's files written under tmp/, not yet fsynced: their open
        descriptors (the caller fsyncs and closes them)."""
        fds: list[int] = []
        try:
            fds.append(write_unsynced(self.tmp / f"{env.id}-D", message))
            fds.append(write_unsynced(self.tmp / f"{env.id}-H", env.to_json()))
        except OSError as e:
            for fd in fds:
                os.close(fd)
            self.discard(env.id)
            raise SpoolError(f"spool write for {env.id} failed: {e}") from None
        return fds

    def publish(self, mid: str) -> None:
        """The commit point of a staged message: -D linked into input/ (the
        link fails with EEXIST when the id is taken, where a rename would
        replace the other message), then -H renamed there. Durable once
        input/ is fsynced (sync_input)."""
        tmp_d = self.tmp / f"{mid}-D"
        final_d = self.path(mid, "D")
        linked = False
        try:
            os.link(tmp_d, final_d)
            linked = True
            os.unlink(tmp_d)
            os.rename(self.tmp / f"{mid}-H", self.path(mid, "H"))
        except OSError as e:
            if linked:  # ours, never committed
                final_d.unlink(missing_ok=True)
            self.discard(mid)
            raise SpoolError(f"spool write for {mid} failed: {e}") from None

    def sync_input(self) -> None:
        fsync_dir(self.input)

    def discard(self, mid: str) -> None:
        """A staged message's files under tmp/, removed."""
        for p in (self.tmp / f"{mid}-D", self.tmp / f"{mid}-H"):
            try:
                p.unlink()
            except OSError:
                pass

    # -- reading ------------------------------------------------------------

    def ids(self) -> list[str]:
        """Committed messages, oldest id first (ids sort by time within a day)."""
        found = []
        with os.scandir(self.input) as it:
            for n, entry in enumerate(it):
                if n >= MAX_QUEUE:
                    break
                name = entry.name
                if name.endswith("-H") and ID_RE.match(name[:-2]):
                    found.append(name[:-2])
        return sorted(found, key=lambda m: (m[:6], m[14:], m[7:13]))

    def envelope(self, mid: str) -> Envelope:
        try:
            return Envelope.from_json(self.path(mid, "H").read_bytes())
        except OSError as e:
            raise SpoolError(f"{mid}: {e.strerror}") from None

    def data(self, mid: str) -> bytes:
        try:
            return self.path(mid, "D").read_bytes()
        except OSError as e:
            raise SpoolError(f"{mid}: {e.strerror}") from None

    def delivered(self, mid: str) -> set[str]:
        """Recipients done with: delivered, or failed for good."""
        return self.journaled(mid, ("delivered", "failed"))

    def journaled(self, mid: str, kinds: tuple[str, ...]) -> set[str]:
        """The journal's entries of the given kinds ("delivered", "failed",
        "warned" ...): the recipients (or other values) they name."""
        try:
            with open(self.path(mid, "J"), "rb") as f:
                text = f.read(MAX_JOURNAL)
        except FileNotFoundError:
            return set()
        out = set()
        for line in text.split(b"\n")[:-1]:  # a torn last line is ignored
            kind, _, value = line.decode("utf-8", "surrogateescape").partition(" ")
            if kind in kinds:
                out.add(value)
        return out

    def journal(self, mid: str, recipient: str, kind: str = "delivered") -> None:
        """Record one delivery (or failure, or warning) durably before it
        counts as done."""
        line = f"{kind} {recipient}\n".encode("utf-8", "surrogateescape")
        fd = os.open(self.path(mid, "J"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    @contextmanager
    def locked(self, mid: str) -> Iterator[bool]:
        """An exclusive lock on the message (delivery, removal); yields False
        when another process or thread holds it, or the message is gone."""
        try:
            fd = os.open(self.path(mid, "D"), os.O_RDONLY)
        except OSError:
            yield False
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            yield self.path(mid, "H").exists()
        finally:
            os.close(fd)

    def remove(self, mid: str) -> None:
        """Forget a message: -H first (from then on it does not exist)."""
        for part in ("H", "D", "J"):
            try:
                self.path(mid, part).unlink()
            except FileNotFoundError:
                pass
        fsync_dir(self.input)

    def tidy(self) -> list[str]:
        """At start-up: -D/-J left without -H (never acknowledged, or already
        completed) and anything in tmp/ go. Returns the names removed."""
        gone = []
        for d in (self.tmp, self.input):
            with os.scandir(d) as it:
                for n, entry in enumerate(it):
                    if n >= MAX_QUEUE:
                        break
                    name = entry.name
                    orphan = d == self.tmp or (
                        name[-2:] in ("-D", "-J") and not (d / f"{name[:-2]}-H").exists())
                    if orphan:
                        try:
                            os.unlink(entry.path)
                            gone.append(name)
                        except OSError:
                            pass
        return gone


def summary(env: Envelope, size: int, done: set[str]) -> list[str]:
    """`acl queue list` lines for one message, in the style of `exim -bp`."""
    import time

    age = max(0, int(time.time() - env.received))
    shown = f"{age // 86400}d" if age >= 86400 else f"{age // 3600}h" if age >= 3600 \
        else f"{age // 60}m"
    size_s = f"{size / 1024:.1f}K" if size >= 1024 else str(size)
    head = f"{shown:>3} {size_s:>5} {env.id} <{env.sender}>"
    if env.frozen:
        head += " *** frozen ***"
    lines = [head]
    lines += [f"        {'D' if r in done else ' '} {r}" for r in env.recipients]
    return lines + [""]

