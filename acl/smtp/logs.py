"""Texts Exim builds for its logs: the client as ``host_and_ident()`` shows it,
``$sender_fullhost``/``$sender_rcvhost``, the command history (`` C=...``),
message ids of 4.96's shape, and the log line prefix."""

from __future__ import annotations

import os
from typing import Any

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 62)
        out.append(_B62[r])
    return "".join(reversed(out))


def message_id(now: float, pid: int | None = None, host: int | None = None) -> str:
    """An Exim 4.96 message id: seconds, process id, then the sub-second part
    in steps of 500 microseconds, each in base 62. With localhost_number
    (``host``) the steps are 5 ms and the last part is host * 200 + steps,
    so that hosts sharing a spool never make the same id."""
    usec = int(round((now % 1) * 1_000_000)) % 1_000_000
    last = usec // 500 if host is None else max(host, 0) * 200 + usec // 5000
    return (f"{base62(int(now), 6)}-{base62(os.getpid() if pid is None else pid, 6)}-"
            f"{base62(last, 2)}")


def _address(variables: dict[str, str], with_port: bool) -> tuple[str, str]:
    """``[ip]`` and the port shown after it (log_selector +incoming_port and a
    known port), as host_build_sender_fullhost() makes them."""
    ip = variables.get("sender_host_address") or ""
    port = str(variables.get("sender_host_port") or "")
    if with_port and port.isdigit() and int(port) > 0:
        return f"[{ip}]", port
    return f"[{ip}]", ""


def fullhost(variables: dict[str, str], with_port: bool = False) -> str:
    """``$sender_fullhost``: ``name (helo) [ip]`` with the parts that exist,
    ``[ip]:port`` when the port is logged."""
    if not variables.get("sender_host_address"):
        return ""
    addr, port = _address(variables, with_port)
    if port:
        addr = f"{addr}:{port}"
    name = variables.get("sender_host_name") or ""
    helo = variables.get("sender_helo_name") or ""
    if name:
        if helo and helo.lower() != name.lower():
            return f"{name} ({helo}) {addr}"
        return f"{name} {addr}"
    return f"({helo}) {addr}" if helo else addr


def rcvhost(variables: dict[str, str], with_port: bool = False) -> str:
    """``$sender_rcvhost``: for Received: headers (``[ip] (port=N helo=x)``,
    ``name ([ip]:N helo=x)``)."""
    if not variables.get("sender_host_address"):
        return ""
    addr, port = _address(variables, with_port)
    name = variables.get("sender_host_name") or ""
    helo = variables.get("sender_helo_name") or ""
    if name:
        shown = f"{addr}:{port}" if port else addr
        if helo and helo.lower() != name.lower():
            return f"{name} ({shown} helo={helo})"
        return f"{name} ({shown})"
    extra = ([f"port={port}"] if port else []) + ([f"helo={helo}"] if helo else [])
    return f"{addr} ({' '.join(extra)})" if extra else addr


def host_and_ident(variables: dict[str, str], useflag: bool, iface: bool = False) -> str:
    """The client for a log line; ``iface`` (+incoming_interface) adds
    `` I=[ip]:port`` when the local interface is known."""
    # The dialogue keeps $sender_fullhost as Exim rebuilds it (at connect and
    # HELO): a name found later by verify = helo does not show.
    host = variables["sender_fullhost"] if "sender_fullhost" in variables else fullhost(variables)
    if not host:
        ident = variables.get("sender_ident") or "unknown"
        return f"U={ident}" if useflag else ident
    if iface and variables.get("interface_address"):
        port = str(variables.get("interface_port") or "0")
        host = f"{host} I=[{variables['interface_address']}]:{port if port.isdigit() else 0}"
    return f"H={host}" if useflag else host


# Command names in Exim's connection history (smtp_names[] by SCH_ value).
HISTORY_SIZE = 20


def history_log(history: list[str], wrapped: bool = False) -> str:
    """The `` C=...`` part of "dropped" and "no MAIL" lines: the last commands
    seen, after ``...`` once Exim's ring of HISTORY_SIZE has been filled."""
    if not history:
        return ""
    return " C=" + ("..." if wrapped else "") + ",".join(history[-HISTORY_SIZE:])


def timediff(seconds: float, millisec: bool) -> str:
    """string_timediff(): a duration for D= and RT=; with +millisec a short
    one (under 5 s) gets three decimals."""
    whole = int(seconds)
    if whole >= 5 or not millisec:
        from acl.builtins.operators.numeric import readconf_printtime

        return readconf_printtime(whole)
    return f"{whole}.{int((seconds - whole) * 1000):03d}s"
