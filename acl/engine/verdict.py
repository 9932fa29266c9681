"""What running an ACL yields: a :class:`Verdict` (Exim's return code, the user
and log messages, which statement and condition decided) and the side effects
the caller has to apply (headers, controls, delays, log lines)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from acl.config.model import Condition, Statement
from acl.source import Span


class Result(enum.Enum):
    """Exim's ACL return codes (acl.c rc_names)."""

    OK = "OK"  # accept (or warn/require passing to the end of an accepting ACL)
    FAIL = "FAIL"  # deny, or require failing, or the implicit deny
    DEFER = "DEFER"  # defer verb, or a condition that could not be evaluated
    ERROR = "ERROR"  # configuration or expansion error: a 4xx for SMTP
    FAIL_DROP = "FAIL_DROP"  # drop: 5xx then the connection is closed
    DISCARD = "DISCARD"  # discard: success reply, recipient(s) thrown away

    # Members are singletons compared by identity: hashing by identity (C)
    # instead of Enum's hash of the name (Python) keeps dict and set probes cheap.
    __hash__ = object.__hash__


_OK, _DISCARD = Result.OK, Result.DISCARD  # read through the class, a member costs a descriptor call
VERB_OF = {Result.OK: "accept", Result.FAIL: "deny", Result.DEFER: "defer",
           Result.ERROR: "error", Result.FAIL_DROP: "drop", Result.DISCARD: "discard"}


@dataclass(frozen=True)
class HeaderAdd:
    """One header line an ACL asked to add; ``text`` ends with a newline."""

    text: str
    position: str = "at_end"  # at_end, at_start, after_received, at_start_rfc


@dataclass(frozen=True)
class Control:
    """One ``control =`` that was obeyed: its name and the text after the name
    (the ``/options``), with parsed options where the control has them."""

    name: str
    options: dict[str, str] = field(default_factory=dict)
    raw: str = ""


@dataclass(frozen=True)
class LogLine:
    """A line for Exim's logs. ``logs`` names the files (main, reject, panic).
    With ``host_prefix`` the caller puts host_and_ident (``H=... [ip]``) and a
    space in front, as Exim does for warn messages."""

    text: str
    logs: tuple[str, ...] = ("main",)
    host_prefix: bool = False


@dataclass
class Effects:
    """Side effects collected while one top-level ACL (and its nested ACLs) ran."""

    headers_added: list[HeaderAdd] = field(default_factory=list)
    headers_removed: list[str] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    delays: list[int] = field(default_factory=list)  # seconds, in order
    logs: list[LogLine] = field(default_factory=list)
    log_reject_target: tuple[str, ...] = ("main", "reject")
    queue: str | None = None  # queue = <name>; "" is the default queue
    udp_sent: list[tuple[str, int, str]] = field(default_factory=list)


@dataclass
class Verdict:
    result: Result
    user_message: str | None = None
    log_message: str | None = None
    acl_name: str = ""
    statement: Statement | None = None  # the statement that decided (None: implicit deny)
    condition: Condition | None = None  # the condition that failed or errored, if any
    temp_details: bool = False  # Exim's acl_temp_details: show user_message on a 4xx
    effects: Effects = field(default_factory=Effects)
    where: str = ""

    @property
    def verb(self) -> str:
        """The outcome in ACL-verb words: accept, deny, defer, error, drop, discard."""
        return VERB_OF[self.result]

    @property
    def span(self) -> Span | None:
        if self.condition is not None:
            return self.condition.span
        return self.statement.span if self.statement is not None else None

    @property
    def accepted(self) -> bool:
        return self.result is _OK or self.result is _DISCARD

    def __getattr__(self, name: str) -> Any:
        # Convenience: verdict.headers_added, verdict.controls ... read the effects.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return getattr(self.__dict__["effects"], name)
        except (KeyError, AttributeError):
            raise AttributeError(name) from None
