"""``acl serve`` (the SMTP daemon) and ``acl queue`` (list / remove spooled
messages). Without -C both use the built-in stdlib/default.conf, whose
STATE_DIR is --state-dir, else $XDG_STATE_HOME/exim-acl, else ./acl-state."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from acl.cli.context_options import add_define, attached_option
from acl.errors import AclError, ConfigError

USAGE = """usage: acl serve [-C FILE] [-D NAME=VALUE]... [--listen ADDR:PORT]...
                 [--foreground] [--state-dir DIR] [--grace SECONDS]
       acl queue [-C FILE] [-D NAME=VALUE]... [--state-dir DIR] list
       acl queue [-C FILE] [-D NAME=VALUE]... [--state-dir DIR] remove ID...

  -C FILE            configuration (default: the built-in default.conf)
  -D NAME=VALUE      define a configuration macro
  --listen ADDR:PORT listen here instead of local_interfaces/daemon_smtp_ports
  --foreground       stay attached to the terminal (log to stderr when
                     log_file_path is unset)
  --state-dir DIR    STATE_DIR for the default configuration (spool, log,
                     mailboxes); default $XDG_STATE_HOME/exim-acl or ./acl-state
  --grace SECONDS    on SIGTERM, how long sessions may go on before 421 (10)
"""


class UsageError(AclError):
    pass


@dataclass
class Options:
    config: str | None = None
    defines: dict[str, str] = field(default_factory=dict)
    listen: list[str] = field(default_factory=list)
    foreground: bool = False
    state_dir: str | None = None
    grace: float = 10.0
    rest: list[str] = field(default_factory=list)


def parse(argv: list[str]) -> Options:
    o = Options()
    it = iter(argv)
    for a in it:
        if a in ("-h", "--help"):
            raise UsageError(USAGE)
        if a == "--foreground":
            o.foreground = True
            continue
        attached = attached_option(a)
        name, eq, inline = a.partition("=")
        if attached is not None:
            a, value = attached
        elif eq and name in ("--listen", "--config", "--state-dir", "--grace"):
            a, value = name, inline
        elif a in ("-C", "--config", "-D", "--listen", "--state-dir", "--grace"):
            value = next(it, None)
            if value is None:
                raise UsageError(f"option {a} requires a value")
        elif a.startswith("-") and a != "-":
            raise UsageError(f"unknown option {a}\n{USAGE}")
        else:
            o.rest.append(a)
            continue
        if a in ("-C", "--config"):
            o.config = value
        elif a == "-D":
            add_define(o.defines, value)
        elif a == "--listen":
            o.listen.append(value)
        elif a == "--state-dir":
            o.state_dir = value
        else:
            try:
                o.grace = float(value)
            except ValueError:
                raise UsageError(f"--grace wants seconds, not {value}") from None
    return o


def state_dir(o: Options) -> Path:
    if o.state_dir:
        return Path(o.state_dir).resolve()
    xdg = os.environ.get("XDG_STATE_HOME")
    if xdg:
        return Path(xdg) / "exim-acl"
    return Path.cwd() / "acl-state"


def config_path(o: Options) -> str:
    from acl.resources import stdlib_dir

    return o.config or str(stdlib_dir() / "default.conf")


def defines(o: Options) -> dict[str, str]:
    d = {"STATE_DIR": str(state_dir(o))}
    d.update(o.defines)
    return d


def _loader(o: Options):  # type: ignore[no-untyped-def]
    from acl.serve.daemon import load_state

    path, defs = config_path(o), defines(o)
    return lambda: load_state(path, defs, o.listen, o.foreground)


def _error(e: AclError, o: Options | None, err: IO[str], prog: str) -> int:
    if isinstance(e, UsageError):
        err.write(e.message if e.message.endswith("\n") else f"{prog}: {e.message}\n")
        return 0 if e.message.startswith("usage:") else 2
    if isinstance(e, ConfigError):
        from acl.cli.expand import format_config_error

        err.write(format_config_error(e, config_path(o) if o else None))
        return 1
    err.write(f"{prog}: {e.message}\n")
    return 1


def _daemonize() -> None:
    """Detach as daemons do: the parent reports the pid and leaves."""
    pid = os.fork()
    if pid:
        print(f"acl serve: daemon started, pid {pid}")
        os._exit(0)
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)


def serve_main(argv: list[str], err: IO[str] = sys.stderr) -> int:
    from acl.serve import daemon

    o = None
    try:
        o = parse(argv)
        if o.rest:
            raise UsageError(f"unexpected argument {o.rest[0]}\n{USAGE}")
        load = _loader(o)
        state = load()
        Path(state.spool_directory).mkdir(parents=True, exist_ok=True)
    except AclError as e:
        return _error(e, o, err, "acl serve")
    except OSError as e:
        err.write(f"acl serve: {e}\n")
        return 1
    if not o.foreground:
        _daemonize()
    return daemon.run(state, load, o.grace)


def queue_main(argv: list[str], out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    from acl.spool import Spool, SpoolError, summary

    out, err = out or sys.stdout, err or sys.stderr
    o = None
    try:
        o = parse(argv)
        if not o.rest or o.rest[0] not in ("list", "remove"):
            raise UsageError(USAGE)
        state = _loader(o)()
    except AclError as e:
        return _error(e, o, err, "acl queue")
    spool = Spool(state.spool_directory)
    if not spool.input.is_dir():
        return 0 if o.rest[0] == "list" else 1
    if o.rest[0] == "list":
        for mid in spool.ids():
            try:
                env = spool.envelope(mid)
                out.write("\n".join(summary(env, env.size, spool.delivered(mid))) + "\n")
            except SpoolError as e:
                err.write(f"acl queue: {e}\n")
        return 0
    status = 0
    for mid in o.rest[1:]:
        try:
            with spool.locked(mid) as mine:
                if not mine:
                    raise SpoolError(f"{mid}: no such message, or it is being delivered")
                spool.remove(mid)
            out.write(f"Message {mid} has been removed\n")
        except SpoolError as e:
            err.write(f"acl queue: {e}\n")
            status = 1
    return status
