"""Per-message DMARC state kept in ``ctx.extra`` (Exim keeps it in globals
reset by smtp_reset()): the dmarc_* controls obeyed for the message, the
outcome once checked, and which $spf_result belonged to an earlier message.

The controls come from the engine's record of those obeyed in the message,
and :func:`reset` runs at each new message (both acl.engine.hooks)."""

from __future__ import annotations

from typing import Any

from acl.engine.hooks import controls_obeyed, on_new_message

OUTCOME = "dmarc.outcome"
SPF_MARK = "dmarc.spf_mark"
DISABLE = "dmarc_disable_verify"
FORENSIC = frozenset({"dmarc_enable_forensic", "dmarc_forensic_enable"})
_VARIABLES = ("dmarc_status", "dmarc_status_text", "dmarc_used_domain", "dmarc_domain_policy",
              "dmarc_ar_header")


def disabled(ctx: Any) -> bool:
    return DISABLE in controls_obeyed(ctx)


def forensic_enabled(ctx: Any) -> bool:
    return bool(FORENSIC & controls_obeyed(ctx))


@on_new_message
def reset(ctx: Any) -> None:
    """A new message: no controls, no outcome; the current $spf_result is an
    earlier message's."""
    for key in (OUTCOME, "authres_dmarc"):
        ctx.extra.pop(key, None)
    for name in _VARIABLES:
        ctx.variables.pop(name, None)
    ctx.extra[SPF_MARK] = ctx.variables.get("spf_result")


def spf_ran(ctx: Any) -> bool:
    """An spf condition ran for this message (its $spf_result is a new object)."""
    current = ctx.variables.get("spf_result")
    return current is not None and current is not ctx.extra.get(SPF_MARK)
