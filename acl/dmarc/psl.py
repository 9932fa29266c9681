"""Organizational domains (RFC 7489 section 3.2) from the Public Suffix List:
the list shipped by the publicsuffixlist package, or the file named by the
``dmarc_tld_file`` option (Exim's libopendmarc reads the same format)."""

from __future__ import annotations

import os
from typing import Any

from publicsuffixlist import PublicSuffixList

from acl.dmarc.options import option
from acl.errors import AclError

_PACKAGED: PublicSuffixList | None = None
_FILES: dict[str, tuple[float, PublicSuffixList]] = {}
_MAX_FILES = 8
_MAX_BYTES = 16 << 20  # a PSL is about 250 KiB; refuse anything absurd


class TldFileError(AclError):
    """The dmarc_tld_file cannot be read (Exim then skips DMARC, with a panic log)."""


def _load_file(path: str) -> PublicSuffixList:
    try:
        st = os.stat(path)
        hit = _FILES.get(path)
        if hit is not None and hit[0] == st.st_mtime:
            return hit[1]
        if st.st_size > _MAX_BYTES:
            raise TldFileError(f"DMARC failure to load tld list '{path}': File too large")
        with open(path, encoding="utf-8", errors="replace") as f:
            psl = PublicSuffixList(f, only_icann=False)
    except OSError as e:
        raise TldFileError(f"DMARC failure to load tld list '{path}': {e.strerror}") from None
    if len(_FILES) >= _MAX_FILES:
        _FILES.clear()
    _FILES[path] = (st.st_mtime, psl)
    return psl


def suffix_list(ctx: Any) -> PublicSuffixList:
    """The list in force: ``dmarc_tld_file`` when set, else the packaged one."""
    global _PACKAGED
    path = option(ctx, "dmarc_tld_file")
    if path:
        return _load_file(str(path))
    if _PACKAGED is None:
        _PACKAGED = PublicSuffixList()
    return _PACKAGED


def organizational_domain(ctx: Any, domain: str) -> str:
    """The registrable domain of ``domain`` (itself when it is a public suffix
    or has a single label, as RFC 7489's algorithm leaves it)."""
    d = domain.strip(".").lower()
    return suffix_list(ctx).privatesuffix(d) or d
