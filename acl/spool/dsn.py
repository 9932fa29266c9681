"""Delivery status notifications (RFC 3461/3464) as Exim 4.96 writes them:
the envelope's DSN data as kept in the spool, and the success, failure and
delay reports (multipart/report; report-type=delivery-status). The layouts
and fixed texts follow reports recorded from Exim (tests/smtp/data/dsn/)."""

from __future__ import annotations

import contextvars
import random
import re
from dataclasses import dataclass
from typing import Any

# The DSN data of the message being stored. The dialogue sets it just before
# the spool write, and the Envelope takes it as its default (acl.serve's
# store_message builds the Envelope without knowing about DSN).
PENDING: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "dsn_pending", default=None)

MAX_ENVID = 1024  # bytes of ENVID/ORCPT kept in the spool (the command line bounds them anyway)
RETURN_LIMIT = 100 * 1024  # bounce_return_size_limit's default: a longer message is cut


def pending() -> dict[str, Any]:
    data = PENDING.get()
    return dict(data) if data else {}


def envelope_dsn(ret: str | None, envid: str | None, rcpt: dict[str, Any]) -> dict[str, Any]:
    """The spool form: {"ret", "envid", "recipients": {address: {"notify",
    "orcpt"}}}; values as the client sent them (xtext not decoded)."""
    out: dict[str, Any] = {}
    if ret:
        out["ret"] = ret
    if envid is not None:
        out["envid"] = envid[:MAX_ENVID]
    recipients = {}
    for address, p in rcpt.items():
        entry: dict[str, Any] = {"notify": sorted(p.notify)}
        if p.orcpt is not None:
            entry["orcpt"] = p.orcpt[:MAX_ENVID]
        recipients[address] = entry
    if recipients:
        out["recipients"] = recipients
    return out


def notify_of(dsn: dict[str, Any], rcpt: str) -> set[str]:
    """NOTIFY for a recipient; without one, failures and delays are reported
    and successes are not (RFC 3461 4.1)."""
    entry = (dsn.get("recipients") or {}).get(rcpt)
    if not entry:
        return {"FAILURE", "DELAY"}
    return set(entry.get("notify") or [])


_XTEXT_HEX = re.compile(r"\+([0-9A-F]{2})")


def xtext_decode(text: str) -> str | None:
    """RFC 3461 xtext: '+' and two upper-case hex digits for a byte; None when
    it is not valid xtext or decodes to a control character (CR, LF ...)."""
    if any(not (33 <= ord(c) <= 126) or c == "=" for c in text):
        return None
    if "+" in _XTEXT_HEX.sub("", text):
        return None
    out = _XTEXT_HEX.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any(ord(c) < 32 or ord(c) == 127 for c in out):
        return None
    return out


def _envid_line(dsn: dict[str, Any]) -> str:
    envid = dsn.get("envid")
    if envid is None:
        return ""
    if xtext_decode(envid) is None:
        return "X-Original-Envelope-ID: error decoding xtext formatted ENVID\n"
    return f"Original-Envelope-ID: {envid}\n"


def _orcpt_line(dsn: dict[str, Any], rcpt: str) -> str:
    orcpt = ((dsn.get("recipients") or {}).get(rcpt) or {}).get("orcpt")
    if orcpt is None or "\r" in orcpt or "\n" in orcpt:
        return ""
    return f"Original-Recipient: {orcpt}\n"


@dataclass
class Report:
    """A generated notification: its envelope recipient and the message
    (header lines then body, LF line ends), ready for the spool."""
    recipient: str
    data: bytes
    kind: str  # "success", "failure", "delay"


def _boundary(now: float) -> str:
    return f"{int(now)}-eximdsn-{random.randrange(1 << 31)}"


def _original(header_block: str, body: str, full: bool) -> str:
    if full:
        if len(body) > RETURN_LIMIT:
            body = body[:RETURN_LIMIT]
        return header_block + "\n" + body
    return header_block + "\n"


def _references(headers: str) -> str:
    m = re.search(r"(?im)^message-id:[ \t]*(.*(?:\n[ \t].*)*)", headers)
    return f"References: {m.group(1).strip()}\n" if m else ""


def _subject(headers: str) -> str:
    m = re.search(r"(?im)^subject:[ \t]*(.*(?:\n[ \t].*)*)", headers)
    return m.group(1).replace("\n", "") if m else ""


def split_message(data: bytes) -> tuple[str, str]:
    text = data.decode("utf-8", "surrogateescape")
    head, sep, body = text.partition("\n\n")
    if not sep:
        return text if text.endswith("\n") else text + "\n", ""
    return head + "\n", body


def _common(frm: str, to: str, subject: str, kind: str, boundary: str,
            headers: str) -> dict[str, str]:
    return {"from": f"From: {frm}\n", "to": f"To: {to}\n", "subject": f"Subject: {subject}\n",
            "auto": f"Auto-Submitted: {kind}\n", "refs": _references(headers),
            "ctype": ("Content-Type: multipart/report; report-type=delivery-status; "
                      f"boundary={boundary}\nMIME-Version: 1.0\n")}


_INTRO = "This message was created automatically by mail delivery software.\n"


def success(env: Any, dsn: dict[str, Any], rcpts: list[str], data: bytes, *, frm: str,
            host: str, now: float) -> Report:
    """The success notification for ``rcpts`` (NOTIFY=SUCCESS, delivered)."""
    headers, _ = split_message(data)
    b = _boundary(now)
    h = _common(frm, env.sender, "Delivery Status Notification", "auto-generated", b, headers)
    text = "".join(f'<{r}> (relayed via non "Remote SMTP" router)\n' for r in rcpts)
    status = "".join(f"{_orcpt_line(dsn, r)}Action: delivered\nFinal-Recipient: rfc822;{r}\n"
                     "Status: 2.0.0\nDiagnostic-Code: X-Exim; relayed via non SMTP router\n\n"
                     for r in reversed(rcpts))
    out = (h["from"] + h["auto"] + h["to"] + h["subject"] + h["refs"] + h["ctype"] + "\n"
           f"--{b}\nContent-type: text/plain; charset=us-ascii\n\n{_INTRO}"
           " ----- The following addresses had successful delivery notifications -----\n"
           f"{text}\n--{b}\nContent-type: message/delivery-status\n\n"
           f"Reporting-MTA: dns; {host}\n{_envid_line(dsn)}\n{status}"
           f"--{b}\nContent-type: text/rfc822-headers\n\n"
           f"{_return_path(env)}{headers}\n\n--{b}--\n")
    return Report(env.sender, out.encode("utf-8", "surrogateescape"), "success")


def _return_path(env: Any) -> str:
    return f"Return-path: <{env.sender}>\n"


def failure(env: Any, dsn: dict[str, Any], failed: list[tuple[str, str]], data: bytes, *,
            frm: str, host: str, now: float) -> Report:
    """The failure notification (a bounce) for ``failed``: (recipient, reason)."""
    headers, body = split_message(data)
    b = _boundary(now)
    h = _common(frm, env.sender, "Mail delivery failed: returning message to sender",
                "auto-replied", b, headers)
    full = dsn.get("ret") != "HDRS"
    text = "".join(f"  {r}\n    {why}\n" for r, why in failed)
    status = "".join(f"{_orcpt_line(dsn, r)}Action: failed\nFinal-Recipient: rfc822;{r}\n"
                     "Status: 5.0.0\n\n" for r, _ in reversed(failed))
    part = "message/rfc822" if full else "text/rfc822-headers"
    out = (f"X-Failed-Recipients: {', '.join(r for r, _ in failed)}\n" + h["auto"] + h["from"]
           + h["to"] + h["refs"] + h["ctype"] + h["subject"] + "\n"
           f"--{b}\nContent-type: text/plain; charset=us-ascii\n\n{_INTRO}\n"
           "A message that you sent could not be delivered to one or more of its\n"
           "recipients. This is a permanent error. The following address(es) failed:\n\n"
           f"{text}\n--{b}\nContent-type: message/delivery-status\n\n"
           f"Reporting-MTA: dns; {host}\n{_envid_line(dsn)}\n{status}"
           f"--{b}\nContent-type: {part}\n\n"
           f"{_original(_return_path(env) + headers, body, full)}\n--{b}--\n")
    return Report(env.sender, out.encode("utf-8", "surrogateescape"), "failure")


def delay_words(seconds: int) -> str:
    """The delay as the warning words it: whole hours from one hour on, else
    whole minutes ("0 minutes" for a delay_warning of seconds)."""
    if seconds >= 3600:
        return f"{seconds // 3600} hours"
    return f"{seconds // 60} minutes"


def delay(env: Any, dsn: dict[str, Any], delayed: list[tuple[str, str]], data: bytes, *,
          frm: str, host: str, now: float, waited: str) -> Report:
    """The delay warning for ``delayed``: (recipient, reason), in envelope
    order; ``waited`` is the delay as delay_words() gives it."""
    headers, _ = split_message(data)
    b = _boundary(now)
    h = _common(frm, env.sender, f"Warning: message {env.id} delayed {waited}",
                "auto-replied", b, headers)
    many = len(delayed) > 1
    text = "".join(f"  {r}\n" + (f"    Delay reason: {why}\n" if why else "")
                   for r, why in delayed)
    status = "".join(f"{_orcpt_line(dsn, r)}Action: delayed\nFinal-Recipient: rfc822;{r}\n"
                     "Status: 4.0.0\n\n" for r, _ in delayed)
    out = (h["auto"] + h["from"] + h["to"] + h["refs"] + h["ctype"] + h["subject"] + "\n"
           f"--{b}\nContent-type: text/plain; charset=us-ascii\n\n{_INTRO}"
           "A message that you sent has not yet been delivered to one or more of its\n"
           f"recipients after more than {waited} on the queue on {host}.\n\n"
           f"The message identifier is:     {env.id}\n"
           f"The subject of the message is: {_subject(headers)}\n\n"
           f"The address{'es' if many else ''} to which the message has not yet been "
           f"delivered {'are' if many else 'is'}:\n\n{text}\n"
           "No action is required on your part. Delivery attempts will continue for\n"
           "some time, and this warning may be repeated at intervals if the message\n"
           "remains undelivered. Eventually the mail delivery software will give up,\n"
           "and when that happens, the message will be returned to you.\n\n"
           f"--{b}\nContent-type: message/delivery-status\n\n"
           f"Reporting-MTA: dns; {host}\n{_envid_line(dsn)}\n{status}"
           f"--{b}\nContent-type: text/rfc822-headers\n\n"
           f"{_return_path(env)}{headers}\n\n--{b}--\n")
    return Report(env.sender, out.encode("utf-8", "surrogateescape"), "delay")
