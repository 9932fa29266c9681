"""The ``control =`` modifier: Exim's table of controls (acl.c controls_list),
the phases each is allowed in, and the parsing of their ``/options``.
The reference Exim is built without DMARC, so the dmarc_* controls are
syntax errors there, and here."""

from __future__ import annotations

from dataclasses import dataclass

from acl.engine.verdict import Control

ALL_PHASES = frozenset({
    "rcpt", "mail", "predata", "mime", "dkim", "data", "prdr", "not_smtp", "auth",
    "connect", "etrn", "expn", "helo", "mailauth", "not_smtp_start", "notquit", "quit",
    "starttls", "vrfy", "delivery", "not_smtp_mime", "unknown",
})
NOT_SMTP = frozenset({"not_smtp", "not_smtp_start"})
MESSAGE_PHASES = frozenset({"mail", "rcpt", "predata", "data", "mime"})


def only(*phases: str) -> frozenset[str]:
    """The forbidden set for something allowed only in ``phases``."""
    return ALL_PHASES - frozenset(phases)


@dataclass(frozen=True)
class ControlDef:
    name: str
    has_option: bool
    forbids: frozenset[str]


_DEFS = [
    ControlDef("allow_auth_unadvertised", False, only("connect", "helo")),
    ControlDef("caseful_local_part", False, only("rcpt")),
    ControlDef("caselower_local_part", False, only("rcpt")),
    ControlDef("cutthrough_delivery", True, frozenset()),
    ControlDef("debug", True, frozenset()),
    ControlDef("dkim_disable_verify", False, frozenset({"data", "not_smtp", "prdr", "not_smtp_start"})),
    # DMARC: decided before the DATA ACL (the seed also spells the second
    # dmarc_forensic_enable; it is accepted, and the linter names the current one).
    ControlDef("dmarc_disable_verify", False, frozenset({"data", "not_smtp", "not_smtp_start"})),
    ControlDef("dmarc_enable_forensic", False, frozenset({"data", "not_smtp", "not_smtp_start"})),
    ControlDef("dmarc_forensic_enable", False, frozenset({"data", "not_smtp", "not_smtp_start"})),
    ControlDef("dscp", True, NOT_SMTP | {"notquit"}),
    ControlDef("enforce_sync", False, NOT_SMTP),
    ControlDef("fakedefer", True, only("mail", "rcpt", "predata", "data", "prdr", "mime")),
    ControlDef("fakereject", True, only("mail", "rcpt", "predata", "data", "prdr", "mime")),
    ControlDef("freeze", True, only("mail", "rcpt", "predata", "data", "not_smtp", "mime")),
    ControlDef("no_callout_flush", False, NOT_SMTP),
    ControlDef("no_delay_flush", False, NOT_SMTP),
    ControlDef("no_enforce_sync", False, NOT_SMTP),
    ControlDef("no_mbox_unspool", False, only("mail", "rcpt", "predata", "data", "mime")),
    ControlDef("no_multiline_responses", False, NOT_SMTP),
    ControlDef("no_pipelining", False, NOT_SMTP),
    ControlDef("queue", True, only("mail", "rcpt", "predata", "data", "not_smtp", "mime")),
    ControlDef("submission", True, only("mail", "rcpt", "predata")),
    ControlDef("suppress_local_fixups", False, only("mail", "rcpt", "predata", "not_smtp_start")),
    ControlDef("utf8_downconvert", True, only("rcpt", "vrfy")),
]
CONTROLS = {d.name: d for d in _DEFS}
_BY_LENGTH = sorted(_DEFS, key=lambda d: -len(d.name))


class ControlError(Exception):
    """A control cannot be used; ``message`` is Exim's log text (the ACL errors)."""

    def __init__(self, message: str | None) -> None:
        super().__init__(message)
        self.message = message


def _syntax(arg: str) -> ControlError:
    return ControlError(f'syntax error in "control={arg}"')


def decode(arg: str, where: str) -> tuple[ControlDef, str]:
    """The control named at the start of ``arg`` and the rest (``/options``)."""
    if arg == "error":  # Exim's internal control: the ACL errors, with no message
        raise ControlError(None)
    if arg == "queue_only" or arg.startswith("queue_only/"):  # the old name of control=queue
        d: ControlDef | None = CONTROLS["queue"]
        rest = arg[len("queue_only"):]
    else:
        d = next((d for d in _BY_LENGTH if arg.startswith(d.name)), None)
        if d is None:
            raise _syntax(arg)
        rest = arg[len(d.name):]
    assert d is not None
    if rest and not (d.has_option and rest.startswith("/")):
        raise _syntax(arg)
    if where in d.forbids:
        from acl.engine.messages import WHERE_NAMES
        raise ControlError(f'cannot use "control={d.name}" in {WHERE_NAMES[where]} ACL')
    return d, rest


def _slash_options(rest: str) -> dict[str, str]:
    opts: dict[str, str] = {}
    for part in rest.split("/")[1:]:
        name, _, value = part.partition("=")
        opts[name] = value
    return opts


def parse(arg: str, where: str) -> Control:
    """Decode and check one control; raises ControlError with Exim's wording."""
    d, rest = decode(arg, where)
    opts: dict[str, str] = {}
    if d.name == "freeze":
        if rest == "/no_tell":
            opts["no_tell"] = ""
        elif rest:
            raise _syntax(arg)
    elif d.name in ("fakereject", "fakedefer"):
        # The message after the slash is kept whole (it may contain slashes).
        from acl.engine.messages import FAKE_REJECT_TEXT
        opts["message"] = rest[1:] if rest.startswith("/") else FAKE_REJECT_TEXT
    elif d.name == "submission":
        opts = _submission(arg, rest)
    elif d.name in ("queue", "cutthrough_delivery"):
        # Exim looks for the options it knows and ignores the others.
        opts = _slash_options(rest)
    elif d.name == "dscp":
        if not rest:
            raise _syntax(arg)
        opts["value"] = rest[1:]
    elif d.name == "utf8_downconvert":
        if rest:
            if rest[1:] not in ("1", "0", "-1"):
                raise ControlError("bad option value for control=utf8_downconvert")
            opts["value"] = rest[1:]
    elif rest:
        opts = _slash_options(rest)
    return Control(d.name, opts, rest)


def _submission(arg: str, rest: str) -> dict[str, str]:
    opts: dict[str, str] = {}
    p = rest
    while p.startswith("/"):
        if p.startswith("/sender_retain"):
            opts["sender_retain"] = ""
            p = p[len("/sender_retain"):]
        elif p.startswith("/domain="):
            end = p.find("/", 8)
            end = len(p) if end < 0 else end
            opts["domain"] = p[8:end]
            p = p[end:]
        elif p.startswith("/name="):  # swallows the rest, so it must come last
            opts["name"] = p[6:]
            p = ""
        else:
            break
    if p:
        raise _syntax(arg)
    return opts
