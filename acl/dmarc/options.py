"""The dmarc_* main options. The generated option table (recorded from a
Debian Exim built without DMARC) does not know them yet, so a configuration
cannot set them; until it does, a macro of the option's name in capitals
(DMARC_TLD_FILE, DMARC_HISTORY_FILE, DMARC_FORENSIC_SENDER) stands in."""

from __future__ import annotations

from typing import Any

NAMES = ("dmarc_tld_file", "dmarc_history_file", "dmarc_forensic_sender")


def option(ctx: Any, name: str) -> str | None:
    if ctx is None:
        return None
    value = ctx.option(name, None)
    if value is None and name in NAMES:
        macros = getattr(getattr(ctx, "config", None), "macros", None) or {}
        value = macros.get(name.upper())
    return str(value) if value else None
