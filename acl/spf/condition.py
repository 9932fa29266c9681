"""The ACL engine's entry points for ``spf =`` and ``spf_guess =``."""

from __future__ import annotations

from typing import Any

from acl.engine.controls import NOT_SMTP
from acl.engine.verdict import Result
from acl.spf.process import spf_process

# Exim sets SPF up at HELO/EHLO and checks a sender: it refuses the
# condition before MAIL and outside a transaction (acl.c's forbids bits).
SPF_FORBIDS = NOT_SMTP | frozenset(
    {"auth", "connect", "helo", "mailauth", "etrn", "expn", "starttls", "vrfy"})


def spf_condition(frame: Any, cb: Any, arg: str) -> Result:
    return Result.OK if spf_process(frame.state.ctx, arg) else Result.FAIL


def spf_guess_condition(frame: Any, cb: Any, arg: str) -> Result:
    return Result.OK if spf_process(frame.state.ctx, arg, guess=True) else Result.FAIL
