"""Per-message DMARC state kept in ``ctx.extra`` (Exim keeps it in globals
reset by smtp_reset()): the dmarc_* controls obeyed for the message, the
outcome once checked, and which $spf_result belonged to an earlier message.

The engine's contracts give a condition no view of the controls earlier
ACLs obeyed, nor a call at each new message; until they do, :func:`install`
hooks the engine (see there). A caller can also use :func:`note_controls`
and :func:`reset` directly."""

from __future__ import annotations

import functools
from typing import Any, Iterable

CONTROLS = "dmarc.controls"
OUTCOME = "dmarc.outcome"
SPF_MARK = "dmarc.spf_mark"
DISABLE = "dmarc_disable_verify"
FORENSIC = frozenset({"dmarc_enable_forensic", "dmarc_forensic_enable"})
_VARIABLES = ("dmarc_status", "dmarc_status_text", "dmarc_used_domain", "dmarc_domain_policy",
              "dmarc_ar_header")


def note_controls(ctx: Any, controls: Iterable[Any]) -> None:
    """Remember the dmarc_* controls among ``controls`` (Control objects)."""
    seen = ctx.extra.setdefault(CONTROLS, set())
    for c in controls:
        name = getattr(c, "name", "")
        if name == DISABLE or name in FORENSIC:
            seen.add(name)


def disabled(ctx: Any) -> bool:
    return DISABLE in ctx.extra.get(CONTROLS, ())


def forensic_enabled(ctx: Any) -> bool:
    return bool(FORENSIC & ctx.extra.get(CONTROLS, set()))


def reset(ctx: Any) -> None:
    """A new message: no controls, no outcome; the current $spf_result is an
    earlier message's."""
    for key in (CONTROLS, OUTCOME, "authres_dmarc"):
        ctx.extra.pop(key, None)
    for name in _VARIABLES:
        ctx.variables.pop(name, None)
    ctx.extra[SPF_MARK] = ctx.variables.get("spf_result")


def spf_ran(ctx: Any) -> bool:
    """An spf condition ran for this message (its $spf_result is a new object)."""
    current = ctx.variables.get("spf_result")
    return current is not None and current is not ctx.extra.get(SPF_MARK)


def install() -> None:
    """Hook the engine once (see the module's docstring): the function that
    applies each obeyed control, and the per-message reset of the rate
    limiter, which Engine.begin_message calls. Both are looked up at call
    time, and both modules are loaded before acl.engine.conditions imports
    this package, so this works while acl.engine is still initialising."""
    import acl.engine.modifiers as modifiers
    import acl.engine.ratelimit as ratelimit

    if getattr(modifiers._apply_control, "_dmarc", False):
        return
    apply_control, new_message = modifiers._apply_control, ratelimit.new_message

    @functools.wraps(apply_control)
    def apply_control_noting(ctx: Any, name: str) -> None:
        apply_control(ctx, name)
        if name == DISABLE or name in FORENSIC:
            ctx.extra.setdefault(CONTROLS, set()).add(name)

    @functools.wraps(new_message)
    def new_message_resetting(ctx: Any) -> None:
        new_message(ctx)
        reset(ctx)

    apply_control_noting._dmarc = True  # type: ignore[attr-defined]
    modifiers._apply_control = apply_control_noting
    ratelimit.new_message = new_message_resetting
