"""Where to listen: ``--listen ADDR:PORT`` arguments, else every address of
local_interfaces (an address may carry its own port, ``127.0.0.1.2525`` or
``[::1]:2525``) with each port of daemon_smtp_ports."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from acl.errors import ConfigError


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}"


def port_number(text: str) -> int:
    t = text.strip()
    if t.isdigit():
        return int(t)
    try:
        return socket.getservbyname(t, "tcp")
    except OSError:
        raise ConfigError(f'invalid port "{t}"') from None


def parse_listen(text: str) -> Listen:
    """``ADDR:PORT`` or ``[ADDR]:PORT`` (the command line's form)."""
    t = text.strip()
    if t.startswith("["):
        host, _, rest = t[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = t.rpartition(":")
    if not host or not port:
        raise ConfigError(f'--listen wants ADDR:PORT, not "{text}"')
    return Listen(host, port_number(port))


def _interface(item: str, ports: list[int]) -> list[Listen]:
    from acl.runtime.lists import is_ip

    if item.startswith("["):
        return [parse_listen(item)]
    if is_ip(item):
        return [Listen(item, p) for p in ports]
    host, _, port = item.rpartition(".")
    if host and is_ip(host) and port.isdigit():
        return [Listen(host, int(port))]
    raise ConfigError(f'malformed IP address "{item}" in local_interfaces')


def listen_addresses(opts: dict[str, Any], override: list[str]) -> list[Listen]:
    from acl.runtime.lists import iter_list

    if override:
        return [parse_listen(x) for x in override]
    raw_ports = opts.get("daemon_smtp_ports", opts.get("daemon_smtp_port", "smtp"))
    ports = [port_number(p) for p in iter_list(str(raw_ports))] or [25]
    interfaces = opts.get("local_interfaces")
    if interfaces is None:
        interfaces = "<; 0.0.0.0 ; ::"
    out: list[Listen] = []
    for item in iter_list(str(interfaces), ":"):
        out.extend(_interface(item.strip(), ports))
    return out
