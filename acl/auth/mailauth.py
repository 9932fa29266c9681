"""The AUTH= parameter of MAIL (acl_smtp_mailauth, server_mail_auth_condition)
and the A= field of the ``<=`` log line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from acl.auth.advertise import expand_check_condition
from acl.auth.exchange import SynprotError, state
from acl.runtime.values import TaintedStr


def xtext_decode(code: str) -> str | None:
    """auth_xtextdecode(): None for a character outside 33..127, an ``=``,
    or a ``+`` not followed by two hex digits."""
    raw = code.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(raw):
        x = raw[i]
        i += 1
        if x < 33 or x > 127 or x == ord("="):
            return None
        if x == ord("+"):
            pair = raw[i:i + 2]
            if len(pair) < 2 or not all(chr(c) in "0123456789abcdefABCDEF" for c in pair):
                return None
            out.append(int(pair.decode("ascii"), 16))
            i += 2
        else:
            out.append(x)
    return out.decode("utf-8", "surrogateescape")


@dataclass
class MailAuth:
    """What came of ``AUTH=value``: nothing to say (accepted or ignored,
    ``log_lines`` to write), a synprot ``error``, or an ACL ``acl_verdict``
    (DEFER/ERROR) for ``Policy.fail("mailauth", verdict, what=acl_what)``,
    after which the MAIL command is over."""

    log_lines: list[str] = field(default_factory=list)
    error: SynprotError | None = None
    acl_verdict: Any = None
    acl_what: str = ""


def reset_message(ctx: Any) -> None:
    """smtp_reset(): the authenticated sender of the last MAIL goes."""
    ctx.variables.pop("authenticated_sender", None)


def mail_auth(ctx: Any, engine: Any, value: str, mail_argument: str,
              run: Callable[[], Any] | None = None) -> MailAuth:
    """Handle ``AUTH=value`` on an ESMTP MAIL command (``mail_argument`` is the
    whole argument, for the log line of a deferral). Sets or clears
    ``$authenticated_sender``; ``run`` runs the MAILAUTH ACL (default
    ``engine.run_acl``), called only when ``acl_smtp_mailauth`` is set."""
    from acl.engine import Result
    from acl.smtp.logs import host_and_ident

    out = MailAuth()
    if value == "<>":
        return out
    v = ctx.variables
    sender = xtext_decode(value)
    if sender is None:
        out.error = SynprotError(501, "invalid data for AUTH", "syntax")
        return out
    v["authenticated_sender"] = TaintedStr(sender)
    acl = engine.acl_for("mailauth") if engine is not None else None
    if not acl:
        ignore = "client not authenticated"
        ok = bool(v.get("sender_host_authenticated"))
    else:
        ignore = "rejected by ACL"
        verdict = run() if run is not None else engine.run_acl(acl, ctx, where="mailauth")
        if verdict.result not in (Result.OK, Result.FAIL):
            out.acl_verdict, out.acl_what = verdict, f"MAILAUTH {mail_argument}"
            return out
        ok = verdict.result == Result.OK
    if ok:
        au = state(ctx).authenticated_by
        cond = au.opt("server_mail_auth_condition") if au is not None else None
        if cond is None or expand_check_condition(ctx, cond, au.name, None):
            return out
        ignore = "server_mail_auth_condition failed"
        if "authenticated_id" in v:
            ignore += f': authenticated ID="{v["authenticated_id"]}"'
    v.pop("authenticated_sender", None)
    out.log_lines.append(f"ignoring AUTH={value} from {host_and_ident(v, True)} ({ignore})")
    return out


def log_field(ctx: Any) -> str:
    """The `` A=name[:id[:sender]]`` part of the ``<=`` line (empty when the
    client did not authenticate); the sender part with +smtp_mailauth."""
    from acl.smtp.selectors import selected

    v = ctx.variables
    name = v.get("sender_host_authenticated")
    if not name:
        return ""
    text = f" A={name}"
    if "authenticated_id" in v:
        text += f":{v['authenticated_id']}"
        if selected(ctx, "smtp_mailauth") and v.get("authenticated_sender"):
            text += f":{v['authenticated_sender']}"
    return text
