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


LOCALHOST_MAX = 16  # localhost_number's limit with base-62 ids


def message_id(now: float, pid: int | None = None, host: int | None = None) -> str:
    """An Exim 4.96 message id: seconds, process id, then the sub-second part
    in steps of 500 microseconds, each in base 62. With localhost_number
    (``host``) the steps are 5 ms and the last part is host * 200 + steps,
    so that hosts sharing a spool never make the same id."""
    usec = int(round((now % 1) * 1_000_000)) % 1_000_000
    last = usec // 500 if host is None else max(host, 0) * 200 + usec // 5000
    return (f"{base62(int(now), 6)}-{base62(os.getpid() if pid is None else pid, 6)}-"
            f"{base62(last, 2)}")


def read_host_number(text: str) -> int:
    """localhost_number's expanded value as Exim reads it (strtol, base 0:
    0x.. hex, 0.. octal); AclError with Exim's words otherwise."""
    from acl.errors import AclError

    t = text.strip()
    sign = -1 if t.startswith("-") else 1
    digits = t.lstrip("+-")
    try:
        if digits[:2].lower() == "0x":
            n = int(digits[2:], 16)
        elif len(digits) > 1 and digits[0] == "0":
            n = int(digits[1:], 8)
        else:
            n = int(digits, 10) if digits.isdigit() else int("x")
    except ValueError:
        raise AclError(f"localhost_number value is not a number: {text}") from None
    n *= sign
    if n > LOCALHOST_MAX:
        raise AclError(f"localhost_number is greater than the maximum allowed value ({LOCALHOST_MAX})")
    return n


def host_number(ctx: Any) -> int | None:
    """The configuration's localhost_number, expanded once (None: unset, or
    not usable; a daemon refuses such a configuration at start-up)."""
    config = getattr(ctx, "config", None)
    if config is None:
        return None
    memo = config.derived
    if "localhost_number" not in memo:
        raw = ctx.option("localhost_number")
        n = None
        if raw not in (None, ""):
            from acl.errors import AclError
            from acl.expansion import expand

            try:
                n = read_host_number(str(expand(str(raw), ctx)))
            except AclError:
                n = None
        memo["localhost_number"] = n
    return memo["localhost_number"]


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
