"""A readable trace of ACL evaluation, for ``acl session`` and debugging.

Put a :class:`Tracer` in ``ctx.extra["acl_tracer"]`` and the engine reports to
it: each ACL entered (name, phase) and left (result, messages), each statement
(verb, file:line), each condition (expanded value, true/false/defer/error and
why) and each modifier with its effect. Lines are indented by nesting level
(statements of a nested ``acl =`` sit under the condition that called it).
Without a tracer the engine only pays one dictionary look-up per ACL run."""

from __future__ import annotations

from typing import Any, TextIO

from acl.config.model import Condition, Statement

_RESET = "\x1b[0m"
_COLOURS = {
    "true": "\x1b[32m", "false": "\x1b[31m", "defer": "\x1b[33m", "error": "\x1b[35m",
    "verb": "\x1b[1m", "acl": "\x1b[1;36m", "where": "\x1b[2m", "effect": "\x1b[34m",
    "accept": "\x1b[1;32m", "deny": "\x1b[1;31m", "drop": "\x1b[1;31m",
    "discard": "\x1b[1;33m",
}
MAX_VALUE = 200  # characters of an expanded value shown before it is cut


def _short(text: str) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "..."


class Tracer:
    """Writes one line per event to ``stream``; ANSI colours when ``color``."""

    def __init__(self, stream: TextIO, color: bool = False) -> None:
        self.stream = stream
        self.color = color

    def _paint(self, kind: str, text: str) -> str:
        if not self.color or kind not in _COLOURS:
            return text
        return f"{_COLOURS[kind]}{text}{_RESET}"

    def _line(self, depth: int, text: str) -> None:
        self.stream.write("  " * depth + text + "\n")

    # Nesting: an ACL at level L is at depth 2L; its statements 2L+1, their
    # conditions 2L+2, so that a nested ACL (level L+1) follows its condition.

    def enter(self, name: str, where: str, level: int) -> None:
        label = name if "\n" not in name and len(name) < 60 else "inline ACL"
        self._line(2 * level, f"{self._paint('acl', 'ACL ' + repr(label))} "
                              f"{self._paint('where', '(' + where + ')')}")

    def statement(self, stmt: Statement, level: int) -> None:
        span = stmt.span
        self._line(2 * level + 1, f"{self._paint('verb', stmt.verb)}  [{span.file}:{span.line}]")

    def condition(self, cb: Condition, value: str | None, result: str, why: str | None,
                  level: int) -> None:
        """``result`` is true, false, defer, error or ignored (forced failure)."""
        name = ("!" if cb.negated else "") + cb.name
        shown = "(forced failure: ignored)" if value is None else _short(value)
        tail = f" ({why})" if why else ""
        self._line(2 * level + 2, f"{name} = {shown} -> {self._paint(result, result)}{tail}")

    def modifier(self, cb: Condition, value: str | None, effect: str, level: int,
                 result: str | None = None) -> None:
        name = cb.name if cb.varname is None else f"set {cb.varname}"
        shown = "(forced failure: ignored)" if value is None else _short(value)
        tail = f" -> {self._paint(result, result)}" if result and result != "true" else ""
        self._line(2 * level + 2, f"{name} = {shown}: {self._paint('effect', effect)}{tail}")

    def note(self, text: str, level: int) -> None:
        self._line(2 * level + 2, text)

    def leave(self, name: str, verb: str, level: int, user_message: str | None,
              log_message: str | None) -> None:
        parts = [self._paint(verb, verb)]
        if user_message:
            parts.append(f"message: {_short(user_message)!r}")
        if log_message and log_message != user_message:
            parts.append(f"log_message: {_short(log_message)!r}")
        self._line(2 * level + 1, "=> " + ", ".join(parts))


# ---- what the engine tells the tracer (called only when a tracer is set)

_WORDS = {"OK": "true", "FAIL": "false", "FAIL_DROP": "false", "DEFER": "defer",
          "ERROR": "error", "DISCARD": "true"}
_LIST_KINDS = {"hosts": "host", "domains": "domain", "local_parts": "localpart",
               "senders": "address", "recipients": "address", "sender_domains": "domain"}
MAX_TRACE_ITEMS = 1000  # list items tried one by one to name the one that matched


def report(tracer: Tracer, frame: Any, cb: Condition, modifier: bool, arg: str | None,
           rc: Any, snap: tuple[int, ...]) -> None:
    """Trace one condition or modifier after it ran."""
    state = frame.state
    result = _WORDS.get(rc.value, rc.value.lower())
    if result in ("defer", "error"):
        why = state.log_msg
        if arg is None:  # the expansion itself failed: show the text as written
            arg = cb.value or ""
    elif modifier:
        tracer.modifier(cb, arg, _effect(state, cb, arg, snap), frame.level, result)
        return
    else:
        why = _why(frame, cb, arg, rc)
    if modifier:
        tracer.modifier(cb, arg, why or "failed", frame.level, result)
    else:
        tracer.condition(cb, arg, result, why, frame.level)


def report_messages(tracer: Tracer, frame: Any, user: Condition | None,
                    log: Condition | None) -> None:
    state = frame.state
    if user is not None:
        tracer.note(f"message set: {_plain(state.user_msg)!r}", frame.level)
    if log is not None:
        tracer.note(f"log_message set: {_plain(state.log_msg)!r}", frame.level)


def _plain(text: str | None) -> str | None:
    """The text without its taint wrapper, so the trace shows just the quotes."""
    return None if text is None else str.__str__(text)


def _effect(state: Any, cb: Condition, arg: str | None, snap: tuple[int, ...]) -> str:
    e = state.effects
    added = e.headers_added[snap[0]:]
    if cb.name == "set":
        return f"${cb.varname} set"
    if added:
        return "header added: " + "; ".join(h.text.rstrip("\n") for h in added)
    if cb.name == "add_header":
        return "header already pending: not added again"
    if e.headers_removed[snap[1]:]:
        return "header(s) to remove: " + ", ".join(e.headers_removed[snap[1]:])
    if e.controls[snap[2]:]:
        c = e.controls[-1]
        return f"control obeyed: {c.name}{c.raw}"
    if e.delays[snap[3]:]:
        return f"delay of {e.delays[-1]}s"
    if e.logs[snap[4]:]:
        line = e.logs[-1]
        return f"logged to {','.join(line.logs)}: {_short(line.text)}"
    if e.udp_sent[snap[5]:]:
        host, port, payload = e.udp_sent[-1]
        return f"sent {len(payload.encode('utf-8', 'surrogateescape'))} octets to {host} port {port}"
    if cb.name == "queue":
        return f"queue set to {e.queue!r}"
    if cb.name == "log_reject_target":
        return f"rejections logged to {','.join(e.log_reject_target) or 'nowhere'}"
    return "done"


def _why(frame: Any, cb: Condition, arg: str | None, rc: Any) -> str | None:
    ctx = frame.state.ctx
    if cb.name == "ratelimit":
        v = ctx.variables
        return (f"rate {v.get('sender_rate')} per {v.get('sender_rate_period')}, "
                f"limit {v.get('sender_rate_limit')}")
    if cb.name == "acl":
        return f"nested ACL gave {rc.value}"
    if cb.name in _LIST_KINDS and arg is not None:
        return _list_detail(frame, cb, arg)
    if rc.value != "OK" and frame.state.log_msg:
        return frame.state.log_msg
    return None


def _list_subject(frame: Any, name: str) -> Any:
    from acl.runtime import lists as L

    v = frame.state.ctx.variables
    if name == "hosts":
        return L.host_subject(v.get("sender_host_address") or "", v.get("sender_host_name") or None)
    if name == "domains":
        return L.domain_subject(v.get("domain") or "")
    if name == "local_parts":
        return L.local_part_subject(v.get("local_part") or "")
    if name == "recipients":
        lp, dom = v.get("local_part") or "", v.get("domain") or ""
        return L.address_subject(f"{lp}@{dom}" if dom else lp)
    sender = v.get("sender_address") or ""
    if name == "sender_domains":
        return L.domain_subject(sender.rpartition("@")[2] if "@" in sender else "")
    return L.address_subject(sender)


def _list_detail(frame: Any, cb: Condition, text: str) -> str:
    """The expanded list and the first item that matches on its own (lists
    are tried item by item, so this costs a second match: tracing only)."""
    from acl.errors import AclError
    from acl.expansion import expand
    from acl.runtime import lists as L

    ctx = frame.state.ctx
    saved = dict(ctx.bindings)
    try:
        expanded = expand(text, ctx) if "$" in text or "\\" in text else text
        shown = f"list {_short(expanded)!r}" if expanded != text else ""
        subject = _list_subject(frame, cb.name)
        for n, item in enumerate(L.iter_list(expanded)):
            if n >= MAX_TRACE_ITEMS:
                break
            positive = item.lstrip("!").lstrip()
            found = L.check_list(ctx, _LIST_KINDS[cb.name], subject, L.list_quote(positive, ":"))
            if found is not None:
                hit = f"item {item!r} matched"
                return f"{shown}, {hit}" if shown else hit
        return f"{shown}, no item matched" if shown else "no item matched"
    except (AclError, L.ListDefer):
        return "list could not be checked item by item"
    finally:
        ctx.bindings.clear()
        ctx.bindings.update(saved)
