"""SMTP reply and log texts for ACL outcomes: the default code per phase, a
custom code (and enhanced status code) at the start of ``message``, Exim's
splitting of long messages, and multi-line replies. Behaviour checked against
``exim -bh`` (smtp_handle_acl_fail, smtp_message_code, smtp_respond)."""

from __future__ import annotations

from dataclasses import dataclass

from acl.runtime import regex as rx

# Phase names as Exim prints them in log lines and errors (acl_wherenames).
WHERE_NAMES = {
    "rcpt": "RCPT", "mail": "MAIL", "predata": "PREDATA", "mime": "MIME", "dkim": "DKIM",
    "data": "DATA", "prdr": "PRDR", "not_smtp": "non-SMTP", "auth": "AUTH",
    "connect": "connection", "etrn": "ETRN", "expn": "EXPN", "helo": "EHLO or HELO",
    "mailauth": "MAILAUTH", "not_smtp_start": "non-SMTP-start", "notquit": "NOTQUIT",
    "quit": "QUIT", "starttls": "STARTTLS", "vrfy": "VRFY", "delivery": "delivery",
    "not_smtp_mime": "non-SMTP MIME", "unknown": "unknown",
}

# Reply code for a rejection in each phase (acl_wherecodes); "0" where there
# is no SMTP reply.
FAIL_CODES = {
    "rcpt": "550", "mail": "550", "predata": "550", "mime": "550", "dkim": "550",
    "data": "550", "prdr": "550", "auth": "503", "connect": "550", "etrn": "458",
    "expn": "550", "helo": "550", "starttls": "550", "vrfy": "252",
}
DEFER_CODE = "451"

# The success reply each phase sends when its ACL accepts (smtp_in.c).
ACCEPT_REPLIES = {
    "mail": ("250", "OK"), "rcpt": ("250", "Accepted"),
    "predata": ("354", 'Enter message, ending with "." on a line by itself'),
    "quit": ("221", ""), "etrn": ("250", ""),
}

DEFAULT_FAIL_TEXT = "Administrative prohibition"
DEFAULT_DEFER_TEXT = "Temporary local problem - please try later"
FAKE_REJECT_TEXT = ("Your message has been rejected but is being kept for evaluation.\n"
                    "If it was a legitimate message, it may still be delivered to the "
                    "target recipient(s).")

# A reply code, optionally followed by enhanced status codes, each with a space.
_CODE_RE = rx.compile_regex(r"^\d\d\d\s(?:\d\.\d\d?\d?\.\d\d?\d?\s)*")


@dataclass(frozen=True)
class SmtpCode:
    code: str  # "550"
    enhanced: str  # "5.7.1 " (with its trailing space) or ""
    message: str  # the text after the codes
    bad_digit: bool = False  # a code was given but with the wrong first digit


def message_code(default: str, message: str, *, check: bool = True) -> SmtpCode:
    """Exim's smtp_message_code(): split a leading "NNN [n.n.n ]" off ``message``.
    With ``check`` the first digit must match ``default``'s; if not, the code is
    dropped (Exim logs a panic) and the default is kept."""
    m = rx.search(_CODE_RE, message)
    if m is None:
        return SmtpCode(default, "", message)
    head = m.group(0)
    rest = message[len(head):]
    if check and message[:1] != default[:1]:
        return SmtpCode(default, "", rest, bad_digit=True)
    return SmtpCode(head[:3], head[4:], rest)


def bad_digit_log(default: str, message: str) -> str:
    return (f"configured error code starts with incorrect digit (expected {default[:1]}) "
            f'in "{message}"')


def split_message(msg: str | None) -> str | None:
    """Exim's string_split_message(): break lines longer than 75 characters at a
    space, preferring one after a colon, and not before column 35."""
    if msg is None or len(msg) <= 75:
        return msg
    buf = list(msg)
    s = ss = 0
    n = len(buf)
    for _ in range(n + 1):  # each pass consumes at least one character
        i = 0
        while i < 75 and ss < n and buf[ss] != "\n":
            ss += 1
            i += 1
        if ss >= n:
            break
        if buf[ss] == "\n":
            ss += 1
            s = ss
            continue
        tt = None
        t = ss + 1
        while True:
            t -= 1
            if t <= s + 35:
                break
            if t < n and buf[t] == " ":
                if buf[t - 1] == ":":
                    tt = t
                    break
                if tt is None:
                    tt = t
        if tt is None:
            t = ss + 1
            while t < n:
                if buf[t] in " \n":
                    tt = t
                    break
                t += 1
        if tt is None:
            break
        buf[tt] = "\n"
        s = ss = tt + 1
    return "".join(buf)


def reply_lines(code: str, enhanced: str, text: str, *, multiline: bool = True) -> list[str]:
    """Exim's smtp_respond(): one line per newline of ``text``, the code (and the
    enhanced code) on each; white space at the start of continuation lines is
    dropped. Without ``multiline`` only the first line is sent."""
    out: list[str] = []
    msg = text
    for _ in range(text.count("\n") + 1):
        nl = msg.find("\n")
        if nl < 0:
            out.append(f"{code} {enhanced}{msg}")
            break
        if nl + 1 == len(msg) or not multiline:
            out.append(f"{code} {enhanced}{msg[:nl]}")
            break
        out.append(f"{code}-{enhanced}{msg[:nl]}")
        msg = msg[nl + 1:].lstrip(" \t\n\r\f\v")
    return out


@dataclass(frozen=True)
class Reply:
    lines: list[str]  # without CRLF
    log_text: str | None  # for the reject log line (": text" part), first line only
    panic: str | None = None  # a panic-log line Exim would write


def failure_reply(where: str, result: str, user_message: str | None,
                  log_message: str | None, *, temp_details: bool = False,
                  multiline: bool = True) -> Reply:
    """The reply to a command whose ACL returned FAIL, FAIL_DROP, DEFER or ERROR
    (smtp_handle_acl_fail)."""
    failing = result in ("FAIL", "FAIL_DROP")
    default = FAIL_CODES.get(where, "550") if failing else DEFER_CODE
    panic = None
    log_text = log_message
    code, enhanced, text = default, "", user_message
    if user_message:
        sc = message_code(default, user_message, check=where != "vrfy")
        if sc.bad_digit:
            panic = bad_digit_log(default, user_message)
            if log_message is not None and log_message == user_message:
                log_text = f"{default} {sc.message}"
        code, enhanced, text = sc.code, sc.enhanced, sc.message
    if log_text is not None:
        log_text = log_text.split("\n", 1)[0]
    if failing:
        lines = reply_lines(code, enhanced, text if user_message else DEFAULT_FAIL_TEXT,
                            multiline=multiline)
    elif temp_details and user_message:
        lines = reply_lines(code, enhanced, text or "", multiline=multiline)
    else:
        lines = reply_lines(code, enhanced, DEFAULT_DEFER_TEXT)
    return Reply(lines, log_text, panic)


def accept_reply(where: str, user_message: str | None, default_code: str | None = None,
                 default_text: str | None = None, *, multiline: bool = True) -> Reply:
    """The success reply when an ACL accepts: a ``message`` may carry its own code
    if the first digit matches the phase's success code."""
    dcode, dtext = ACCEPT_REPLIES.get(where, ("250", ""))
    dcode = default_code or dcode
    dtext = dtext if default_text is None else default_text
    if not user_message:
        return Reply(reply_lines(dcode, "", dtext), None)
    sc = message_code(dcode, user_message)
    panic = bad_digit_log(dcode, user_message) if sc.bad_digit else None
    text = sc.message
    if where == "helo":  # only one line may replace the EHLO greeting
        text = text.split("\n", 1)[0]
    return Reply(reply_lines(sc.code, sc.enhanced, text, multiline=multiline), None, panic)
