"""ACL modifiers: they act as soon as they are reached (add_header, control,
set, logwrite, delay, udpsend ...) and always let processing continue unless
they fail (a bad control, an unsendable datagram)."""

from __future__ import annotations

import socket
from typing import Any

from acl.config.model import Condition
from acl.engine import controls
from acl.engine.evaluate import CondError, Frame, RunState
from acl.engine.hooks import MESSAGE_CONTROLS
from acl.engine.messages import WHERE_NAMES
from acl.engine.verdict import HeaderAdd, LogLine, Result
from acl.runtime.lists import iter_list, list_separator
from acl.runtime.values import like

# Enum members read through their class cost a descriptor call each (Python
# 3.11), several per statement: these hot paths read these names instead.
_OK, _FAIL, _DEFER, _ERROR, _FAIL_DROP, _DISCARD = (
    Result.OK, Result.FAIL, Result.DEFER, Result.ERROR, Result.FAIL_DROP, Result.DISCARD)

_POSITIONS = (("after_received", ":after_received:"), ("at_start_rfc", ":at_start_rfc:"),
              ("at_start", ":at_start:"), ("at_end", ":at_end:"))


def printing(text: str) -> str:
    from acl.builtins.items._util import to_bytes
    from acl.builtins.operators.strings import string_printing

    return string_printing(to_bytes(text))


# ---- add_header / remove_header


def setup_header(state: RunState, text: str) -> None:
    """Exim's setup_header(): split into header lines (continuations kept),
    honour a leading :position:, prefix X-ACL-Warn: to lines without a header
    name, and skip lines already pending for this message."""
    text = text.lstrip("\n")
    if not text:
        return
    text = text.rstrip("\n") + "\n"
    pending: list[HeaderAdd] = state.ctx.extra.setdefault("acl_added_headers", [])
    lines: list[str] = []
    for raw in text.split("\n")[:-1]:
        if lines and raw[:1] in (" ", "\t"):
            lines[-1] += "\n" + raw
        else:
            lines.append(raw)
    for line in lines:
        position = "at_end"
        if line.startswith(":"):
            low = line.lower()
            for pos, tag in _POSITIONS:
                if low.startswith(tag):
                    position, line = pos, line[len(tag):].lstrip(" \t")
                    break
        name_end = next((i for i, c in enumerate(line) if c == ":" or not 33 <= ord(c) <= 126),
                        len(line))
        if name_end >= len(line) or line[name_end] != ":":
            line = "X-ACL-Warn: " + line
        hdr = HeaderAdd(line + "\n", position)
        if any(h.text.startswith(hdr.text) for h in pending):
            continue
        pending.append(hdr)
        state.effects.headers_added.append(hdr)


def add_header(frame: Frame, cb: Condition, arg: str) -> Result:
    setup_header(frame.state, arg)
    return _OK


def remove_header(frame: Frame, cb: Condition, arg: str) -> Result:
    if arg:
        frame.state.effects.headers_removed.append(arg)
        extra = frame.state.ctx.extra
        old = extra.get("acl_removed_headers")
        extra["acl_removed_headers"] = f"{old} : {arg}" if old else arg
    return _OK


# ---- control


def control(frame: Frame, cb: Condition, arg: str) -> Result:
    try:
        ctl = controls.parse(arg, frame.state.where)
    except controls.ControlError as e:
        raise CondError(_ERROR, e.message) from None
    if ctl.name in ("fakereject", "fakedefer") and "message" in ctl.options and ctl.raw:
        from acl.engine.evaluate import expand_arg

        text = expand_arg(frame, ctl.options["message"])
        ctl = type(ctl)(ctl.name, {"message": text or ""}, ctl.raw)
    _apply_control(frame.state.ctx, ctl.name)
    frame.state.effects.controls.append(ctl)
    return _OK


def _apply_control(ctx: Any, name: str) -> None:
    """Controls that change what later conditions in the same ACL see; every
    control obeyed is remembered for the message (acl.engine.hooks)."""
    ctx.extra.setdefault(MESSAGE_CONTROLS, set()).add(name)
    if name == "caseful_local_part" and "acl_caseful_local_part" in ctx.extra:
        ctx.variables["local_part"] = ctx.extra["acl_caseful_local_part"]
    elif name == "caselower_local_part" and "local_part" in ctx.variables:
        lp = ctx.variables["local_part"]
        ctx.variables["local_part"] = like(lp.lower(), lp)


# ---- delay, logwrite, log_reject_target, set, queue, continue


def delay(frame: Frame, cb: Condition, arg: str) -> Result:
    from acl.config.options import read_time

    seconds = read_time(arg)
    if seconds is None:
        raise CondError(_ERROR, f'syntax error in argument for "delay" modifier: '
                                      f'"{arg}" is not a time value')
    frame.state.effects.delays.append(seconds)
    return _OK


def logwrite(frame: Frame, cb: Condition, arg: str) -> Result:
    """``:main,reject:`` (or panic) at the start chooses the logs."""
    logs: list[str] = []
    text = arg
    if text.startswith(":"):
        end = text.find(":", 1)
        names, text = (text[1:end], text[end + 1:]) if end > 0 else (text[1:], "")
        for name in names.split(","):
            if name in ("main", "panic", "reject"):
                logs.append(name)
            else:
                logs = ["main", "panic"]
                text = (f'unknown log name in "{arg}" in "logwrite" in '
                        f'{WHERE_NAMES.get(frame.state.where, frame.state.where)} ACL')
                break
    text = text.lstrip()
    frame.state.effects.logs.append(LogLine(printing(text), tuple(logs or ["main"])))
    return _OK


def log_reject_target(frame: Frame, cb: Condition, arg: str) -> Result:
    logs: set[str] = set()
    for name in iter_list(arg):
        if name in ("main", "panic", "reject"):
            logs.add(name)
        else:
            logs |= {"main", "reject"}
            where = WHERE_NAMES.get(frame.state.where, frame.state.where)
            frame.state.effects.logs.append(LogLine(
                f'unknown log name "{name}" in "log_reject_target" in {where} ACL',
                ("main", "panic")))
    frame.state.effects.log_reject_target = tuple(n for n in ("main", "reject", "panic") if n in logs)
    return _OK


def set_var(frame: Frame, cb: Condition, arg: str) -> Result:
    name = cb.varname or ""
    if name.startswith("acl_"):
        frame.state.ctx.acl_vars[name] = arg
    else:  # dkim_verify_status / dkim_verify_reason
        frame.state.ctx.variables[name] = arg
    return _OK


def queue(frame: Frame, cb: Condition, arg: str) -> Result:
    frame.state.effects.queue = arg
    return _OK


def continue_(frame: Frame, cb: Condition, arg: str) -> Result:
    return _OK  # the work was done by expanding the argument


# ---- udpsend


def udpsend(frame: Frame, cb: Condition, arg: str) -> Result:
    """Destination host, port, then the rest of the string (untrimmed) as the
    payload. The port is read as C's strtol and cut to 16 bits, as Exim does."""
    sep, start = list_separator(arg)
    parts = _split_two(arg[start:], sep)
    if parts is None:
        raise CondError(_ERROR, 'missing destination host in "udpsend" modifier')
    host, port_s, payload = parts
    if port_s is None:
        raise CondError(_ERROR, 'missing destination port in "udpsend" modifier')
    if not port_s.isdigit() and not (port_s[:1] in "+-" and port_s[1:].isdigit()):
        raise CondError(_ERROR, 'bad destination port in "udpsend" modifier')
    port = int(port_s) & 0xFFFF
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM) if host else []
    except (OSError, UnicodeError):
        infos = []
    if not infos:
        frame.state.effects.logs.append(LogLine(f"no IP address found for host {host}"))
        raise CondError(_DEFER, 'DNS lookup failed in "udpsend" modifier')
    data = payload.encode("utf-8", "surrogateescape")
    family, _, _, _, addr = infos[0]
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.connect(addr)
            n = s.send(data)
    except OSError as e:
        raise CondError(_DEFER, f'"udpsend" failed: {e.strerror}') from None
    if n < len(data):
        raise CondError(_DEFER, f'"udpsend" truncated from {len(data)} to {n} octets')
    frame.state.effects.udp_sent.append((host, port, payload))
    return _OK


def _split_two(s: str, sep: str) -> tuple[str, str | None, str] | None:
    """Two list items (Exim's string_nextinlist) and the raw remainder."""
    items: list[str] = []
    i = 0
    for _ in range(2):
        while i < len(s) and s[i].isspace():
            i += 1
        if i >= len(s):
            break
        buf = []
        while i < len(s):
            if s[i] == sep:
                if s[i + 1:i + 2] == sep:
                    buf.append(sep)
                    i += 2
                    continue
                break
            buf.append(s[i])
            i += 1
        items.append("".join(buf).rstrip())
        if i < len(s):
            i += 1  # past the separator
    if not items:
        return None
    return items[0], items[1] if len(items) > 1 else None, s[i:]


# ---- warn


def warn_effects(state: RunState) -> None:
    """Exim's acl_warn(): log the log_message once per message (prefixed by
    "Warning:"), and treat a message on warn as a header line (deprecated)."""
    user, log = state.user_msg, state.log_msg
    if log is not None and log is not user:
        text = f"Warning: {printing(log)}"
        logged: set[str] = state.ctx.extra.setdefault("acl_warn_logged", set())
        if text not in logged:
            logged.add(text)
            state.effects.logs.append(LogLine(text, host_prefix=True))
    if not user:
        return
    if state.where not in ("rcpt", "mail", "predata", "mime", "dkim", "data", "prdr", "not_smtp"):
        where = WHERE_NAMES.get(state.where, state.where)
        state.effects.logs.append(LogLine(
            f'ACL "warn" with "message" setting found in a non-message ({where}) ACL: '
            "cannot specify header lines here: message ignored", ("main", "panic")))
        return
    setup_header(state, user)
