"""The dmarc_* main options (acl/config/options.py FEATURE_MAIN: Debian's
Exim is built without DMARC, so its generated option table lacks them)."""

from __future__ import annotations

from typing import Any

NAMES = ("dmarc_tld_file", "dmarc_history_file", "dmarc_forensic_sender")


def option(ctx: Any, name: str) -> str | None:
    if ctx is None:
        return None
    value = ctx.option(name, None)
    return str(value) if value else None
