"""``acl session``: what ``exim -C FILE -bh IP`` is to Exim users. The client's
side of an SMTP conversation is read from standard input; the server's replies
go to standard output exactly as Exim writes them, and the log lines Exim
would write go to standard error as ``LOG: ...``. Nothing is delivered."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass, field
from typing import IO, Any, Callable

from acl.errors import AclError, ConfigError

USAGE = """usage: acl session -C FILE --host IP[.PORT] [options] < client-lines

Runs an SMTP session as `exim -C FILE -bh IP` does: the client's commands on
standard input, the server's replies on standard output, log lines on
standard error. Nothing is delivered.

  -C FILE, --config FILE   configuration file
  --host IP[.PORT], -bh IP[.PORT]
                           the client's address (and port)
  -D NAME[=VALUE]          define a macro
  -oMi IP[.PORT]           the local interface address (and port)
  -oMs NAME                the client's host name (no DNS lookup is made)
  --dns-server HOST[:PORT] ask this DNS server (and no other) for every lookup
  --trace                  explain each ACL decision on standard error, between
                           the SMTP commands and replies
"""


class UsageError(AclError):
    pass


@dataclass
class SessionOptions:
    config: str | None = None
    host: str | None = None
    port: str = "0"
    defines: dict[str, str] = field(default_factory=dict)
    interface: tuple[str, str] | None = None
    host_name: str | None = None
    trace: bool = False
    dns_server: tuple[str, int] | None = None


def parse_args(argv: list[str]) -> SessionOptions:
    from acl.cli.context_options import Abandoned, _host, add_define, attached_option, dns_server_arg

    o = SessionOptions()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            raise UsageError(USAGE)
        if a == "--trace":
            o.trace = True
            i += 1
            continue
        attached = attached_option(a)
        name, eq, inline = a.partition("=")
        if attached is not None:
            (a, value), i = attached, i + 1
        elif eq and name in ("--host", "--config", "--dns-server"):
            a, value, i = name, inline, i + 1
        elif a in ("-C", "--config", "--host", "-bh", "-D", "-oMi", "-oMs", "--dns-server"):
            if i + 1 >= len(argv):
                raise UsageError(f"option {a} requires a value")
            value, i = argv[i + 1], i + 2
        else:
            raise UsageError(f"unknown argument {a}\n{USAGE}")
        if a in ("-C", "--config"):
            o.config = value
        elif a in ("--host", "-bh"):
            try:
                o.host, o.port = _host(value)
            except Abandoned as e:
                raise UsageError(e.message) from None
            o.host = _bh_form(o.host)
        elif a == "-D":
            add_define(o.defines, value)
        elif a == "-oMi":
            o.interface = _host(value)
        elif a == "-oMs":
            o.host_name = value
        elif a == "--dns-server":
            try:
                o.dns_server = dns_server_arg(value)
            except AclError as e:
                raise UsageError(e.message) from None
    if o.host is None:
        raise UsageError(f"--host (or -bh) is required\n{USAGE}")
    return o


def _bh_form(ip: str) -> str:
    """-bh shows (and uses) an IPv6 client address with all eight groups
    written out in four digits, as Exim's host_aton/host_nmtoa round trip does."""
    if ":" not in ip:
        return ip
    import ipaddress

    try:
        return ipaddress.IPv6Address(ip.partition("%")[0]).exploded
    except ValueError:
        return ip


def build(o: SessionOptions, err: IO[str]) -> Any:
    """The Policy for one session: configuration, engine, context."""
    from acl.builtins import load_all
    from acl.cli.context_options import use_dns_server
    from acl.cli.expand import load_configuration
    from acl.config import parse_config_text
    from acl.engine import Engine
    from acl.runtime.context import ExpansionContext
    from acl.runtime.values import TaintedStr
    from acl.smtp.policy import Policy

    load_all()
    config = load_configuration(o.config, o.defines, err)
    if config is None:
        config = parse_config_text("")
    ctx = ExpansionContext(config=config)
    ctx.allow_run = bool(ctx.option("expansion_allow_run", False))
    if o.config:
        ctx.extra["config_file"] = o.config
    ctx.variables.update(sender_host_address=TaintedStr(o.host or ""),
                         sender_host_port=TaintedStr(o.port))
    if o.interface:
        ctx.variables.update(interface_address=o.interface[0], interface_port=o.interface[1],
                             received_ip_address=o.interface[0], received_port=o.interface[1])
    if o.host_name:
        ctx.variables["sender_host_name"] = TaintedStr(o.host_name)
    use_dns_server(ctx, o.dns_server)
    engine = Engine(config)

    def log(text: str) -> None:
        err.write(f"LOG: {text}\n")

    policy = Policy(engine, ctx, log)
    if o.trace:
        _attach_trace(policy, err)
    return policy


def _attach_trace(policy: Any, err: IO[str]) -> None:
    """The engine's tracer on standard error (coloured on a terminal); the
    dialogue writes the SMTP commands and replies to the same stream."""
    from acl.engine.trace import Tracer

    isatty = getattr(err, "isatty", None)
    policy.ctx.extra["acl_tracer"] = Tracer(err, bool(isatty and isatty()))


def run(argv: list[str], read: Callable[[], bytes] | bytes, out: IO[str], err: IO[str]) -> int:
    """``acl session ARGV``; returns the exit status. Never raises."""
    from acl.cli.expand import format_config_error

    opts: SessionOptions | None = None
    try:
        opts = parse_args(argv)
        policy = build(opts, err)
    except UsageError as e:
        err.write(e.message if e.message.endswith("\n") else f"acl session: {e.message}\n")
        return 0 if e.message.startswith("usage:") else 2
    except ConfigError as e:
        err.write(format_config_error(e, opts.config if opts else None))
        return 1
    except AclError as e:
        err.write(f"acl session: {e}\n")
        return 1
    from acl.smtp import stdio

    def write(data: bytes) -> None:
        out.write(data.decode("utf-8", "surrogateescape"))
        out.flush()

    try:
        if isinstance(read, bytes):
            stdio.run_bytes(policy, read, write)
        else:
            stdio.run_stream(policy, read, write)
    except Exception as e:  # never a traceback for the user
        err.write(f"acl session: internal error: {type(e).__name__}: {e}\n")
        return 3
    return int(policy.exit_status)


def session_main(argv: list[str], stdin: bytes) -> tuple[str, str, int]:
    """In-process ``acl session ARGV < stdin``: (stdout, stderr, exit status)."""
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, stdin, out, err)
    return out.getvalue(), err.getvalue(), code


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[2:] if argv is None else argv
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="surrogateescape")
    fd = sys.stdin.buffer.fileno()

    def read() -> bytes:
        return os.read(fd, 1 << 16)

    try:
        return run(args, read, out, sys.stderr)
    finally:
        out.flush()
        out.detach()
