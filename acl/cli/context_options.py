"""Command-line context for ``acl expand``: Exim's own ``-be`` companion flags
(``-oMa``, ``-oMs``, ``-f``, ``-bem`` ...) and readable long options
(``--var``, ``--header``, ``--set``, ``--message``), turned into an
:class:`~acl.runtime.context.ExpansionContext`.

Kept free of heavy imports: the expansion engine is loaded only when a string is
actually expanded."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from typing import Any

from acl.errors import AclError
from acl.runtime.values import TaintedStr


class UsageError(AclError):
    """A bad command line (exit status 2)."""


class Abandoned(AclError):
    """Exim's "exim abandoned: ..." for a bad -oMa/-oMi address (exit status 1)."""


@dataclass
class Options:
    config: str | None = None
    defines: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)  # already tainted as due
    headers: list[tuple[str, str]] = field(default_factory=list)
    acl_vars: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    sender: str | None = None  # -f
    strings: list[str] = field(default_factory=list)
    allow_run: bool = False  # --allow-run: permit ${run} (exim-acl extension)
    dns_server: tuple[str, int] | None = None  # --dns-server HOST[:PORT]


# Exim flag -> variables it sets (all of them remote-side data, hence tainted).
_SIMPLE = {
    "-oMaa": ("sender_host_authenticated",),
    "-oMai": ("authenticated_id",),
    "-oMas": ("authenticated_sender",),
    "-oMr": ("received_protocol",),
    "-oMs": ("sender_host_name",),
    "-oMt": ("sender_ident",),
}
_WITH_VALUE = {"-C", "-D", "-f", "-bem", "-oMa", "-oMi", "--var", "--header", "--set", "--message", "--config",
               "--dns-server"}

USAGE = """usage: acl expand [-C FILE] [-D NAME[=VALUE]]... [context options] [STRING...]

Expands each STRING as `exim -be` does; with no STRING, reads standard input
(a REPL on a terminal, else Exim's `> ` prompt format).

  -C FILE               configuration file (default: an empty configuration)
  -D NAME[=VALUE]       define a macro
  -oMa ADDR[.PORT]      sender host address (and port)
  -oMaa NAME            sender_host_authenticated
  -oMai ID              authenticated_id
  -oMas ADDR            authenticated_sender
  -oMi ADDR[.PORT]      interface address (and port)
  -oMr PROTO            received_protocol
  -oMs NAME             sender_host_name
  -oMt IDENT            sender_ident
  -f ADDR               sender address
  -bem FILE, --message FILE
                        read a message first: headers and message variables
  --var NAME=VALUE      set any variable
  --header 'Name: v'    add a header line (repeatable)
  --set acl_m_x=VALUE   set an ACL variable (acl_c... or acl_m...)
  --allow-run           permit ${run} (refused unless this or the configuration's
                        expansion_allow_run option enables it)
  --dns-server HOST[:PORT]
                        ask this DNS server (and no other) for every DNS lookup
"""


def _split_host_port(arg: str) -> tuple[str, str | None]:
    """ADDR, ADDR.PORT or [ADDR]:PORT, as Exim's -oMa/-oMi accept them."""
    if arg.startswith("["):
        close = arg.find("]")
        if close > 0:
            rest = arg[close + 1 :]
            port = rest[1:] if rest.startswith((":", ".")) else None
            return arg[1:close], port
    dot = arg.rfind(".")
    if dot > 0 and arg[dot + 1 :].isdigit():
        head = arg[:dot]
        if _is_ip(head):
            return head, arg[dot + 1 :]
    return arg, None


def _is_ip(s: str) -> bool:
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return False
    return True


def _host(arg: str) -> tuple[str, str]:
    addr, port = _split_host_port(arg)
    if not _is_ip(addr):
        raise Abandoned(f'"{arg}" is not an IP address')
    return addr, port if port is not None else "0"


def _name_value(opt: str, arg: str) -> tuple[str, str]:
    name, eq, value = arg.partition("=")
    if not eq or not name:
        raise UsageError(f"{opt} expects NAME=VALUE, got {arg!r}")
    return name.strip(), value


def parse_args(argv: list[str]) -> Options:
    o = Options()
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            o.strings.extend(argv[i + 1 :])
            break
        if a in ("-h", "--help"):
            raise UsageError(USAGE)
        if a == "--allow-run":
            o.allow_run = True
            i += 1
            continue
        if (attached := attached_option(a)) is not None:
            _apply(o, *attached)
            i += 1
            continue
        if a in _WITH_VALUE or a in _SIMPLE:
            if i + 1 >= len(argv):
                raise UsageError(f"option {a} requires a value")
            v = argv[i + 1]
            i += 2
            _apply(o, a, v)
            continue
        if a.startswith("--") and "=" in a and a.split("=", 1)[0] in _WITH_VALUE:
            opt, v = a.split("=", 1)
            _apply(o, opt, v)
            i += 1
            continue
        if a.startswith("-") and len(a) > 1 and not o.strings:
            raise UsageError(f"unknown option {a}\n{USAGE}")
        o.strings.append(a)
        i += 1
    return o


def attached_option(arg: str) -> tuple[str, str] | None:
    """Exim's attached forms ``-DNAME=VALUE`` and ``-CFILE`` as (option, value);
    None for any other argument. Shared by every ``acl`` subcommand."""
    if arg[:2] in ("-D", "-C") and len(arg) > 2:
        return arg[:2], arg[2:]
    return None


def add_define(defines: dict[str, str], text: str) -> None:
    """One ``-D NAME=VALUE`` (``-D NAME`` defines it empty)."""
    name, _, value = text.partition("=")
    defines[name] = value


def _apply(o: Options, opt: str, v: str) -> None:
    t = TaintedStr
    if opt in ("-C", "--config"):
        o.config = v
    elif opt == "-D":
        add_define(o.defines, v)
    elif opt == "-f":
        o.sender = sender_option(v)
    elif opt in ("-bem", "--message"):
        o.message = v
    elif opt == "-oMa":
        addr, port = _host(v)
        o.variables.update(sender_host_address=t(addr), sender_host_port=t(port))
    elif opt == "-oMi":
        addr, port = _host(v)
        o.variables.update(interface_address=t(addr), interface_port=port,
                           received_ip_address=t(addr), received_port=port)
    elif opt in _SIMPLE:
        for name in _SIMPLE[opt]:
            o.variables[name] = t(v)
    elif opt == "--dns-server":
        o.dns_server = dns_server_arg(v)
    elif opt == "--var":
        name, value = _name_value(opt, v)
        o.variables[name.lstrip("$")] = _taint_as_declared(name.lstrip("$"), value)
    elif opt == "--header":
        name, colon, value = v.partition(":")
        if not colon or not name.strip() or any(c.isspace() for c in name.strip()):
            raise UsageError(f"--header expects 'Name: value', got {v!r}")
        o.headers.append((name.strip(), t(value)))
    elif opt == "--set":
        name, value = _name_value(opt, v)
        if not (name.startswith(("acl_c", "acl_m")) and len(name) > 5 and (name[5].isdigit() or name[5] == "_")):
            raise UsageError(f"--set: {name!r} is not an ACL variable (acl_c... or acl_m...)")
        o.acl_vars[name] = value


def dns_server_arg(text: str) -> tuple[str, int]:
    """``--dns-server HOST[:PORT]`` (``[v6]:PORT`` for IPv6): one server."""
    from acl.dns.config import parse_servers

    try:
        hosts, port = parse_servers(text)
    except ValueError:
        hosts, port = (), 0
    if len(hosts) != 1 or not _is_ip(hosts[0]) or not 0 < port < 65536:
        raise UsageError(f"--dns-server expects an IP address with an optional :PORT, got {text!r}")
    return hosts[0], port


def use_dns_server(ctx: Any, server: tuple[str, int] | None) -> None:
    """Every DNS lookup of ``ctx`` goes to ``server`` (None: the usual resolver)."""
    if server is not None:
        from acl.dns import use_server

        use_server(ctx, server[0], server[1])


def sender_option(arg: str) -> str:
    """The address in a ``-f`` argument as Exim extracts it (a phrase, angle
    brackets, comments and a source route are dropped); Exim refuses the
    command line when it is malformed. ``<>`` (or nothing) is the null sender."""
    from acl.builtins.items.address import AddressError, extract_address

    text = arg.strip()
    if text in ("", "<>"):
        return ""
    try:
        addr, dom = extract_address(_drop_route(text))
        domain = addr[dom:] if dom else ""
        if domain.startswith("["):
            raise AddressError("domain literals not allowed")
        if dom and any(not label or label.startswith("-") for label in domain.split(".")):
            raise AddressError("domain missing or malformed")
    except AddressError as exc:
        msg = str(exc)
        if msg == "domain missing or malformed" and text.endswith(".") and "@" in text[:-1]:
            msg = "domain is malformed (trailing dot not allowed)"
        raise UsageError(f'bad -f address "{arg}": {msg}') from None
    return addr


def _drop_route(text: str) -> str:
    """``@hop1,@hop2:user@domain`` (an RFC 821 source route) -> ``user@domain``."""
    lt = text.startswith("<")
    inner = text[1:] if lt else text
    if inner.startswith("@") and ":" in inner:
        inner = inner.split(":", 1)[1]
        return "<" + inner if lt else inner
    return text


def _taint_as_declared(name: str, value: str) -> str:
    from acl.builtins.registry import REGISTRY

    import acl.builtins.variables  # noqa: F401  (the table of variables)

    spec = REGISTRY.variables.get(name)
    return TaintedStr(value) if spec is not None and spec.tainted else value


def local_user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, ImportError):
        return os.environ.get("USER", "root")


def build_context(o: Options, config: Any = None) -> Any:
    """The context an ``acl expand`` run expands in: Exim's defaults for a local
    caller (``$sender_address`` is the caller at the qualify domain), then the
    command-line values, then the message if one was given."""
    from acl.builtins import load_all
    from acl.runtime.context import ExpansionContext

    load_all()
    ctx = ExpansionContext(config=config)
    ctx.allow_run = o.allow_run or bool(ctx.option("expansion_allow_run", False))
    _attach_engine(ctx, config)
    use_dns_server(ctx, o.dns_server)
    if o.config:
        ctx.extra["config_file"] = o.config
    qualify = ctx.registry.variables["qualify_domain"].getter(ctx) or ""
    user = local_user()
    if o.sender is None:
        sender = f"{user}@{qualify}"
    elif o.sender in ("<>", ""):
        sender = ""
    else:
        sender = TaintedStr(o.sender if "@" in o.sender else f"{o.sender}@{qualify}")  # parsed by sender_option
    ctx.variables.update(sender_address=sender, sender_ident=user)
    if o.sender is None:  # Exim treats a plain local caller as authenticated
        ctx.variables.update(authenticated_id=user, authenticated_sender=sender)
    ctx.variables.update(o.variables)
    ctx.acl_vars.update(o.acl_vars)
    if o.message is not None:
        read_message(ctx, o.message)
    ctx.headers.extend(o.headers)
    return ctx


def _attach_engine(ctx: Any, config: Any) -> None:
    """Let ``${acl}`` and the ``acl`` condition run the configuration's ACLs
    (an empty configuration has none: every name is then an undefined ACL).
    The engine is built on the first such call: importing it costs tens of
    milliseconds that most ``acl expand`` runs never need."""

    def first_call(name: str, args: list[str]) -> Any:
        from acl.config import parse_config_text
        from acl.engine import Engine

        Engine(config if config is not None else parse_config_text("")).attach(ctx, "not_smtp")
        return ctx.acl_runner(name, args)

    ctx.acl_runner = first_call


def read_message(ctx: Any, path: str) -> None:
    """Read a message as ``exim -bem`` does (non-SMTP input, see
    :mod:`acl.runtime.message`): headers, the headers Exim adds, and the
    message variables."""
    from acl.runtime.message import MAX_MESSAGE, apply_message, parse_message

    try:
        with open(path, "rb") as f:
            data = f.read(MAX_MESSAGE)
    except OSError as exc:
        raise UsageError(f"failed to open {path}: {exc.strerror}") from None
    apply_message(ctx, parse_message(data, smtp=False))
