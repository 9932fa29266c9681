"""The policy side of the dialogue: running each phase's ACL in the session's
context, applying what the ACL asked for (log lines, headers, controls), the
replies and reject log lines of Exim's smtp_handle_acl_fail(), and the
per-connection / per-message state (acl_c kept, acl_m reset)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from acl.engine import Engine, Result, Verdict
from acl.engine.messages import WHERE_NAMES, failure_reply
from acl.engine.verdict import HeaderAdd, LogLine
from acl.errors import AclError
from acl.smtp.logs import host_and_ident
from acl.smtp.options import option
from acl.smtp.selectors import selected

LogSink = Callable[[str], None]
_CONNECTION_CONTROLS = frozenset({"no_multiline_responses", "no_pipelining", "enforce_sync",
                                  "no_enforce_sync", "no_delay_flush", "no_callout_flush",
                                  "allow_auth_unadvertised"})


@dataclass
class Outcome:
    """What the dialogue does with an ACL's verdict."""

    verdict: Verdict
    lines: list[str]  # the reply (empty: the caller sends its own success reply)
    drop: bool = False  # close the connection after the reply


class Policy:
    def __init__(self, engine: Engine, ctx: Any, log: LogSink) -> None:
        self.engine = engine
        self.ctx = ctx
        self._log = log
        self.message_id = ""  # prefixes log lines once a message has been started
        self.exit_status = 0  # what `acl session` exits with (-bh's status)
        self.pending_headers: list[HeaderAdd] = []
        self.removed_headers: list[str] = []
        self.controls: list[Any] = []
        # exim -bh writes its log lines without the date, but with +millisec
        # the milliseconds are left in front ("406 text"); set by the dialogue.
        self.host_checking = False
        self._stamp: tuple[bool, str] | None = None  # (milliseconds, "[pid] "), per session
        engine.attach(ctx, "connect")
        hook = getattr(engine, "begin_connection", None)
        if hook is not None:
            hook(ctx)

    # -- logs ------------------------------------------------------------

    def log(self, text: str) -> None:
        if self.message_id:
            text = f"{self.message_id} {text}"
        stamp = self._stamp
        if stamp is None:
            stamp = self._stamp = (self.host_checking and selected(self.ctx, "millisec"),
                                   f"[{os.getpid()}] " if selected(self.ctx, "pid") else "")
        if stamp[0]:
            text = f"{int(time.time() * 1000) % 1000:03d} {stamp[1]}{text}"
        elif stamp[1]:
            text = stamp[1] + text
        self._log(text)

    def host(self, useflag: bool = True) -> str:
        return host_and_ident(self.ctx.variables, useflag, selected(self.ctx, "incoming_interface"))

    def _apply_logs(self, logs: list[LogLine]) -> None:
        for line in logs:
            self.log(f"{self.host()} {line.text}" if line.host_prefix else line.text)

    # -- per message -----------------------------------------------------

    def reset_message(self) -> None:
        """Exim's smtp_reset(): what belongs to one message goes."""
        ctx = self.ctx
        for name in [n for n in ctx.acl_vars if n.startswith("acl_m")]:
            del ctx.acl_vars[name]
        for name in ("sender_address", "local_part", "domain", "recipients", "message_body",
                     "message_body_end", "message_linecount", "body_linecount",
                     "message_body_size", "received_for", "message_id", "message_exim_id"):
            ctx.variables.pop(name, None)
        ctx.variables.update(message_size="-1", recipients_count="0", rcpt_count="0",
                             rcpt_defer_count="0", rcpt_fail_count="0")
        for key in ("acl_warn_logged", "acl_added_headers", "acl_removed_headers",
                    "recipients_list"):
            ctx.extra.pop(key, None)
        ctx.headers = []
        self.pending_headers = []
        self.removed_headers = []
        # Controls that last for the connection survive the message.
        self.controls = [c for c in self.controls if c.name in _CONNECTION_CONTROLS]
        hook = getattr(self.engine, "begin_message", None)
        if hook is not None:
            hook(ctx)

    def begin_command(self) -> None:
        """A new SMTP command: rates cached per command are computed afresh."""
        self.engine.begin_command(self.ctx)

    # -- running ACLs ----------------------------------------------------

    def acl_option(self, where: str) -> str | None:
        return self.engine.acl_for(where)

    def run(self, where: str) -> Verdict:
        """Run the phase's ACL (its default when unset) and apply its effects."""
        try:
            verdict = self.engine.run_acl(self.acl_option(where), self.ctx, where=where)
        except AclError as e:  # an unsupported condition: an error, as a bad ACL is
            verdict = Verdict(Result.ERROR, None, e.message, where=where)
        eff = verdict.effects
        self._apply_logs(eff.logs)
        self.pending_headers.extend(eff.headers_added)
        self.removed_headers.extend(eff.headers_removed)
        self.controls.extend(eff.controls)
        return verdict

    def has_control(self, name: str) -> bool:
        return any(c.name == name for c in self.controls)

    def fail(self, where: str, verdict: Verdict, what: str | None = None,
             sender_info: bool = False) -> Outcome:
        """Exim's smtp_handle_acl_fail(): the reply, the reject log line, and
        whether the connection is to be dropped."""
        rc = verdict.result
        failing = rc in (Result.FAIL, Result.FAIL_DROP)
        reply = failure_reply(where, "FAIL" if failing else "DEFER", verdict.user_message,
                              verdict.log_message, temp_details=verdict.temp_details,
                              multiline=not self.has_control("no_multiline_responses"))
        if reply.panic:
            self.log(reply.panic)
        if what is None:
            arg = self.ctx.variables.get("smtp_command_argument_data", "")
            what = f"{WHERE_NAMES[where]} {arg}"
        info = ""
        if sender_info:
            info = f"F=<{self.ctx.variables.get('sender_address', '')}> "
        log_text = f": {reply.log_text}" if reply.log_text is not None else ""
        if verdict.effects.log_reject_target and (
                where != "connect" or selected(self.ctx, "connection_reject")):
            self.log(f"{self.host()} {info}{'' if failing else 'temporarily '}"
                     f"rejected {what}{log_text}")
        return Outcome(verdict, reply.lines, drop=rc == Result.FAIL_DROP)


def advertise(ctx: Any, name: str) -> bool:
    from acl.smtp.options import host_in

    return host_in(ctx, name)


def int_option(ctx: Any, name: str) -> int:
    v = option(ctx, name)
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0
