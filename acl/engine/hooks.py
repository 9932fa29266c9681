"""Per-message lifetimes for modules outside the engine (DMARC, ...): Exim
resets their globals in smtp_reset(), which :meth:`Engine.begin_message`
mirrors. A module registers its reset here instead of wrapping engine code.

The controls obeyed so far in the message are in ``ctx.extra[MESSAGE_CONTROLS]``
(a set of names), kept by the engine for conditions that depend on them."""

from __future__ import annotations

from typing import Any, Callable

MESSAGE_CONTROLS = "acl_message_controls"
_MESSAGE_RESETS: list[Callable[[Any], None]] = []


def on_new_message(reset: Callable[[Any], None]) -> Callable[[Any], None]:
    """Call ``reset(ctx)`` at every new message transaction (idempotent)."""
    if reset not in _MESSAGE_RESETS:
        _MESSAGE_RESETS.append(reset)
    return reset


def new_message(ctx: Any) -> None:
    for reset in _MESSAGE_RESETS:
        reset(ctx)


def controls_obeyed(ctx: Any) -> set[str]:
    return ctx.extra.get(MESSAGE_CONTROLS) or set()
