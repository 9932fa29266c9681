"""ACL conditions (and the table of every condition and modifier: whether its
argument is expanded before use, the phases that forbid it, its function)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from acl.config.model import Condition
from acl.dkim.conditions import dkim_signers, dkim_status
from acl.dmarc.condition import dmarc_status
from acl.dnslists.conditions import dnslists, verify_dns
from acl.engine import modifiers as M
from acl.engine.controls import NOT_SMTP, only
from acl.engine.evaluate import CondError, Frame
from acl.engine.messages import WHERE_NAMES
from acl.engine.ratelimit import ratelimit
from acl.spf.condition import SPF_FORBIDS, spf_condition, spf_guess_condition
from acl.mime import conditions as mime_conditions
from acl.engine.verdict import Result
from acl.errors import ExpansionError
from acl.runtime import lists as L

# Enum members read through their class cost a descriptor call each (Python
# 3.11), several per statement: these hot paths read these names instead.
_OK, _FAIL, _DEFER, _ERROR, _FAIL_DROP, _DISCARD = (
    Result.OK, Result.FAIL, Result.DEFER, Result.ERROR, Result.FAIL_DROP, Result.DISCARD)

CondFn = Callable[[Frame, Condition, str], Result]


@dataclass(frozen=True)
class CondSpec:
    expand: bool  # the argument is expanded before the condition sees it
    modifier: bool
    forbids: frozenset[str]
    func: CondFn | None  # None: not yet supported
    # How an ExpansionError out of ``func`` ends the condition (None: it is not
    # expected there and goes up).
    on_error: Callable[[Frame, ExpansionError], CondError] | None = None


def _v(frame: Frame, name: str) -> str:
    return frame.state.ctx.variables.get(name) or ""


def _deferred(frame: Frame, e: ExpansionError) -> CondError:
    """A list that cannot be checked defers the condition with the lookup's
    message (a list that failed to expand is also a panic log line)."""
    if isinstance(e, L.ListDefer):
        if e.message.startswith("failed to expand"):
            frame.state.effects.logs.append(M.LogLine(e.message, ("main", "panic")))
        return CondError(_DEFER, e.search_error)
    return CondError(_DEFER, e.message)


def _list_match(frame: Frame, fn: Callable[[], bool]) -> Result:
    """Run a list match for a condition outside this module (DKIM, DMARC)."""
    try:
        return _OK if fn() else _FAIL
    except ExpansionError as e:
        raise _deferred(frame, e) from None


# ---- list conditions (the list matcher expands the list itself; a list that
# cannot be checked defers through CondSpec.on_error)


def hosts(frame: Frame, cb: Condition, arg: str) -> Result:
    ctx = frame.state.ctx
    v = ctx.variables
    return _OK if L.match_host(ctx, v.get("sender_host_address") or "", v.get("sender_host_name") or None,
                               arg, expand=True) else _FAIL


def domains(frame: Frame, cb: Condition, arg: str) -> Result:
    ctx = frame.state.ctx
    return _OK if L.match_domain(ctx, ctx.variables.get("domain") or "", arg, expand=True) else _FAIL


def local_parts(frame: Frame, cb: Condition, arg: str) -> Result:
    ctx = frame.state.ctx
    return _OK if L.match_local_part(ctx, ctx.variables.get("local_part") or "", arg, expand=True) else _FAIL


def recipients(frame: Frame, cb: Condition, arg: str) -> Result:
    lp, dom = _v(frame, "local_part"), _v(frame, "domain")
    return _OK if L.match_address(frame.state.ctx, f"{lp}@{dom}" if dom else lp, arg, expand=True,
                                  data_var="recipient_data") else _FAIL


def senders(frame: Frame, cb: Condition, arg: str) -> Result:
    return _OK if L.match_address(frame.state.ctx, _v(frame, "sender_address"), arg, expand=True,
                                  data_var="sender_data") else _FAIL


def sender_domains(frame: Frame, cb: Condition, arg: str) -> Result:
    sender = _v(frame, "sender_address")
    dom = sender.rpartition("@")[2] if "@" in sender else ""
    return _OK if L.match_domain(frame.state.ctx, dom, arg, expand=True, data_var=None) else _FAIL


def _string_list(frame: Frame, subject: str, arg: str) -> Result:
    """A plain string list (Exim's MCL_STRING): exact, wildcard, regex or lookup
    items; the domain matcher covers those forms."""
    return _OK if L.match_domain(frame.state.ctx, subject, arg, data_var=None) else _FAIL


def authenticated(frame: Frame, cb: Condition, arg: str) -> Result:
    name = _v(frame, "sender_host_authenticated")
    return _string_list(frame, name, arg) if name else _FAIL


def encrypted(frame: Frame, cb: Condition, arg: str) -> Result:
    cipher = _v(frame, "tls_in_cipher") or _v(frame, "tls_cipher")
    if not cipher:
        return _FAIL
    # Exim tests the part between the first two colons (TLS1.3:NAME:256).
    parts = cipher.split(":")
    return _string_list(frame, parts[1] if len(parts) > 1 else parts[0], arg)


# ---- condition, acl


def condition(frame: Frame, cb: Condition, arg: str) -> Result:
    """Empty, digits (zero or not), yes/no, true/false; anything else defers."""
    if arg == "" or arg.isascii() and arg.isdigit():
        return _FAIL if int(arg or "0") == 0 else _OK
    low = arg.lower()
    if low in ("no", "false"):
        return _FAIL
    if low in ("yes", "true"):
        return _OK
    raise CondError(_DEFER, f'invalid "condition" value "{arg}"')


_ESC = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b"}


def dequote(s: str, i: int) -> tuple[str, int]:
    """Exim's string_dequote(): a word up to white space, or a "quoted string"
    with backslash escapes."""
    if s[i:i + 1] != '"':
        j = i
        while j < len(s) and not s[j].isspace():
            j += 1
        return s[i:j], j
    out = []
    j = i + 1
    while j < len(s) and s[j] != '"':
        if s[j] == "\\" and j + 1 < len(s):
            j += 1
            out.append(_ESC.get(s[j], s[j]))
        else:
            out.append(s[j])
        j += 1
    return "".join(out), min(j + 1, len(s))


def split_acl_args(value: str) -> list[str]:
    """The name and up to nine arguments of an ``acl =`` condition, unexpanded."""
    words: list[str] = []
    i = 0
    while len(words) < 10:
        while i < len(value) and value[i].isspace():
            i += 1
        if i >= len(value):
            break
        word, i = dequote(value, i)
        words.append(word)
    return words


def acl(frame: Frame, cb: Condition, arg: str) -> Result:
    from acl.errors import LookupDefer
    from acl.expansion import expand

    words = split_acl_args(arg) or [""]
    expanded: list[str] = []
    for w in words:
        try:
            expanded.append(expand(w, frame.state.ctx))
        except ExpansionError as e:
            if type(e).__name__ == "ForcedFail":
                raise CondError(_ERROR, None) from None
            rc = _DEFER if isinstance(e, LookupDefer) else _ERROR
            raise CondError(rc, f'failed to expand ACL string "{w}": {e.message}') from None
    from acl.engine.evaluate import call_with_args

    rc = call_with_args(frame.state, expanded[0], expanded[1:], frame.level + 1)
    if rc == _DISCARD and frame.verb not in ("accept", "discard"):
        raise CondError(_ERROR, f'nested ACL returned "discard" for "{frame.verb}" '
                                      'command (only allowed with "accept" or "discard")')
    return rc


# ---- verify


def verify(frame: Frame, cb: Condition, arg: str) -> Result:
    rc = _verify(frame, arg)
    state = frame.state
    if state.user_msg:
        state.ctx.variables["acl_verify_message"] = state.user_msg
    if frame.verb == "warn":
        state.user_msg = None
    return rc


# ---- the table


_MESSAGE_PHASES = only("mail", "rcpt", "predata", "data", "prdr", "mime", "not_smtp",
                       "dkim", "not_smtp_start")
_NO_SENDER = frozenset({"auth", "connect", "helo", "mailauth", "quit", "etrn", "expn",
                        "starttls", "vrfy"})
_RCPT = only("rcpt", "vrfy", "prdr")
_NONE = frozenset()


def _unsupported(expand: bool = True, modifier: bool = False,
                 forbids: frozenset[str] = _NONE) -> CondSpec:
    return CondSpec(expand, modifier, forbids, None)


CONDITIONS: dict[str, CondSpec] = {
    "acl": CondSpec(False, False, _NONE, acl),
    "add_header": CondSpec(True, True, _MESSAGE_PHASES, M.add_header),
    "authenticated": CondSpec(True, False, NOT_SMTP | {"connect", "helo"}, authenticated, _deferred),
    "condition": CondSpec(True, False, _NONE, condition),
    "continue": CondSpec(True, True, _NONE, M.continue_),
    "control": CondSpec(True, True, _NONE, M.control),
    "delay": CondSpec(True, True, frozenset({"notquit"}), M.delay),
    "domains": CondSpec(False, False, _RCPT, domains, _deferred),
    "dnslists": CondSpec(True, False, NOT_SMTP, dnslists),
    "encrypted": CondSpec(True, False, NOT_SMTP | {"helo"}, encrypted, _deferred),
    "hosts": CondSpec(False, False, NOT_SMTP, hosts, _deferred),
    "local_parts": CondSpec(False, False, _RCPT, local_parts, _deferred),
    "log_reject_target": CondSpec(True, True, _NONE, M.log_reject_target),
    "logwrite": CondSpec(True, True, _NONE, M.logwrite),
    "queue": CondSpec(True, True, frozenset({"data", "mime", "dkim", "prdr", "not_smtp"}), M.queue),
    "ratelimit": CondSpec(True, False, _NONE, ratelimit),
    "recipients": CondSpec(False, False, only("rcpt", "prdr"), recipients, _deferred),
    "remove_header": CondSpec(True, True, _MESSAGE_PHASES, M.remove_header),
    "sender_domains": CondSpec(False, False, _NO_SENDER, sender_domains, _deferred),
    "senders": CondSpec(False, False, _NO_SENDER, senders, _deferred),
    "set": CondSpec(True, True, _NONE, M.set_var),
    "udpsend": CondSpec(True, True, _NONE, M.udpsend),
    "verify": CondSpec(True, False, _NONE, verify),
    # Later work: DNS lists, SPF, DMARC, DKIM, rate limits, content scanning.
    "spf": CondSpec(True, False, SPF_FORBIDS, spf_condition),
    "spf_guess": CondSpec(True, False, SPF_FORBIDS, spf_guess_condition),
    "dmarc_status": CondSpec(True, False, only("data"), dmarc_status),
    "dkim_signers": CondSpec(True, False, only("dkim"), dkim_signers),
    "dkim_status": CondSpec(True, False, only("dkim"), dkim_status),
    "seen": _unsupported(),
    "malware": _unsupported(), "spam": _unsupported(),
    # Content scanning (acl/mime): the phases Exim allows, and its errors elsewhere.
    "regex": CondSpec(True, False, only("data", "mime", "not_smtp", "prdr", "not_smtp_mime"),
                      mime_conditions.regex),
    "mime_regex": CondSpec(True, False, only("mime", "not_smtp_mime"), mime_conditions.mime_regex),
    "decode": CondSpec(True, False, only("mime", "not_smtp_mime"), mime_conditions.decode),
}
UNSUPPORTED = frozenset(n for n, s in CONDITIONS.items() if s.func is None)


# ---- verify = ... (acl.c acl_verify)

# Exim's ACL_BITS_HAVEDATA: the header lines exist (QUIT and not-QUIT included,
# as exim -bh shows).
_HAVE_DATA = frozenset({"mime", "dkim", "data", "prdr", "not_smtp", "not_smtp_mime", "quit",
                        "notquit"})
_SENDER_PHASES = frozenset({"mail", "rcpt", "predata", "data", "not_smtp"})
# name: (phases allowed (None: all), takes /options, matched as a prefix of this length)
_VERIFY_TYPES: dict[str, tuple[frozenset[str] | None, bool, int]] = {
    "reverse_host_lookup": (None, True, 0), "certificate": (None, False, 0),
    "helo": (None, False, 0), "csa": (None, True, 0),
    "header_syntax": (_HAVE_DATA, False, 0), "not_blind": (_HAVE_DATA, True, 0),
    "header_sender": (_HAVE_DATA, True, 0), "sender": (_SENDER_PHASES, True, 6),
    "recipient": (frozenset({"rcpt"}), True, 0), "header_names_ascii": (_HAVE_DATA, False, 0),
}
_BAD_VERIFY = ('expected "sender[=address]", "recipient", "helo", "header_syntax", '
               '"header_sender", "header_names_ascii" or "reverse_host_lookup" at start of '
               'ACL condition "verify {}"')
_ADDRESS_HEADERS = ("sender", "from", "reply-to", "to", "cc", "bcc")


def _verify(frame: Frame, arg: str) -> Result:
    state = frame.state
    first, slash, options = arg.partition("/")
    first = first.strip()
    vtype = next((n for n, (_, _, pre) in _VERIFY_TYPES.items()
                  if (first[:pre].lower() == n if pre else first.lower() == n)), None)
    if vtype is None:
        raise CondError(_ERROR, _BAD_VERIFY.format(arg))
    allowed, has_options, _ = _VERIFY_TYPES[vtype]
    if slash and not has_options:
        raise CondError(_ERROR, f"unexpected '/' found in \"{arg}\" "
                                      "(this verify item has no options)")
    if allowed is not None and state.where not in allowed:
        raise CondError(_ERROR, f"cannot verify {vtype} in ACL for "
                                      f"{WHERE_NAMES.get(state.where, state.where)}")
    ctx = state.ctx
    if vtype == "certificate":
        if _v(frame, "tls_in_certificate_verified") == "1":
            return _OK
        state.user_msg = "no verified certificate"
        return _FAIL
    if vtype in ("helo", "reverse_host_lookup", "csa"):
        return verify_dns(frame, vtype, options)
    if vtype == "header_syntax":
        err = _check_header_syntax(ctx)
        return _header_result(frame, err)
    if vtype == "header_names_ascii":
        bad = next((n for n, _ in ctx.headers if any(not 33 <= ord(c) <= 126 for c in n)), None)
        err = None if bad is None else f"Invalid character in header \"{bad}\" found"
        return _header_result(frame, err)
    if vtype == "not_blind":
        case_sensitive = True
        for opt in (o for o in options.split("/") if o) if slash else ():
            if opt.lower() == "case_insensitive":
                case_sensitive = False
            else:
                raise CondError(_ERROR, f'unknown option "{opt}" in ACL condition '
                                              f'"verify {arg}"')
        if _not_blind(ctx, case_sensitive):
            return _OK
        state.log_msg = "bcc recipient detected"
        return _FAIL
    if vtype == "header_sender":
        if _header_sender(ctx):
            return _OK
        state.log_msg = "there is no valid sender in any header line"
        return _FAIL
    if vtype in ("sender", "recipient"):
        given = first.partition("=")[2].strip() if "=" in first else _v(frame, "sender_address")
        if vtype == "sender" and not given:
            return _OK  # an empty sender (a bounce's, or "sender=") always verifies
        raise CondError(_ERROR, f'"verify = {vtype}" needs routers, which exim-acl '
                                      "does not have yet")
    from acl.engine.evaluate import UnsupportedError
    raise UnsupportedError(f'"verify = {vtype}" is not yet supported by exim-acl',
                           frame.cond.span if frame.cond else None)


def _header_result(frame: Frame, err: str | None) -> Result:
    if err is None:
        return _OK
    frame.state.log_msg = err
    frame.state.ctx.variables["acl_verify_message"] = err
    return _FAIL


def _header_addresses(value: str) -> list[tuple[str, str | None, str]]:
    """(address text, parsed address or None, error) for each address in an
    address-list header, group syntax allowed."""
    from acl.builtins.items._util import from_bytes, to_bytes
    from acl.builtins.operators.address import AddressParser, find_address_end

    b = to_bytes(value)
    out: list[tuple[str, str | None, str]] = []
    parser = AddressParser(allow_group=True)
    p = 0
    while p < len(b) and b[p:p + 1].isspace():
        p += 1
    for _ in range(len(b) + 1):
        if p >= len(b):
            break
        end = find_address_end(b, p)
        piece = b[p:end]
        # The parser's public extract() drops Exim's error text; we need it.
        parser.s = piece + b"\0"
        try:
            x = parser._extract()
            addr, err = (from_bytes(x.address) if x else None), ("" if x else "malformed address")
            if x is not None and x.domain == 0 and addr:
                err = "unqualified"
        except Exception as e:  # parse.c's failure, with Exim's wording
            addr, err = None, str(e)
            if parser.found_group and parser.s[parser._fail_pos] == 0x3B:
                parser.found_group, parser.allow_group = False, True
        out.append((from_bytes(piece), addr, err))
        p = end + 1 if end < len(b) else end
        while p < len(b) and b[p:p + 1].isspace():
            p += 1
    return out


def _check_header_syntax(ctx: object) -> str | None:
    """Exim's verify_check_headers(): the first bad address in Sender:, From:,
    Reply-To:, To:, Cc: or Bcc:, as Exim words it; None when all parse."""
    from acl.builtins.operators.strings import string_printing
    from acl.builtins.items._util import to_bytes

    local = not getattr(ctx, "variables", {}).get("sender_host_address")
    extra = getattr(ctx, "extra", {})
    for name, value in getattr(ctx, "headers", []):
        lname = name.strip().lower()
        if lname not in _ADDRESS_HEADERS:
            continue
        is_sender = lname in ("from", "sender")
        allow_unqualified = local or extra.get(
            "allow_unqualified_sender" if is_sender else "allow_unqualified_recipient", False)
        for text, addr, err in _header_addresses(value):
            if err == "unqualified":
                if allow_unqualified:
                    continue
                err = "unqualified address not permitted"
            elif addr is not None or err == "empty address":
                continue
            text = text.rstrip()
            verb = "is"
            if len(text) > 1024:
                text, verb = text[:1024], "begins"
            return string_printing(to_bytes(
                f'{err}: failing address in "{name.rstrip()}:" header {verb}: {text}'))
    return None


def _recipients(ctx: object) -> list[str]:
    extra = getattr(ctx, "extra", {})
    if "recipients_list" in extra:
        return list(extra["recipients_list"])
    text = getattr(ctx, "variables", {}).get("recipients") or ""
    return [r.strip() for r in text.split(",") if r.strip()]


def _not_blind(ctx: object, case_sensitive: bool) -> bool:
    seen: list[str] = []
    for name, value in getattr(ctx, "headers", []):
        if name.strip().lower() in ("to", "cc", "resent-to", "resent-cc"):
            seen += [a for _, a, _ in _header_addresses(value) if a]
    for rcpt in _recipients(ctx):
        lp, _, dom = rcpt.rpartition("@")
        found = False
        for a in seen:
            alp, _, adom = a.rpartition("@")
            same_lp = alp == lp if case_sensitive else alp.lower() == lp.lower()
            if same_lp and adom.lower() == dom.lower():
                found = True
                break
        if not found:
            return False
    return True


def _header_sender(ctx: object) -> bool:
    """With no routers configured nothing verifies (Exim finds every address
    unrouteable); with routers, which exim-acl cannot run, an address
    "verifies" when it parses and is qualified."""
    config = getattr(ctx, "config", None)
    if config is not None and not config.sections.get("routers"):
        return False
    for name, value in getattr(ctx, "headers", []):
        if name.strip().lower() in ("sender", "reply-to", "from"):
            if any(a and err == "" for _, a, err in _header_addresses(value)):
                return True
    return False
