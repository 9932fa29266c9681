"""Where a built LALR parser table is kept between runs (Lark's ``cache=``).

Building the configuration grammar's tables costs more than loading them, and
every ``acl`` process needs them. Lark names the content by a hash of the
grammar and options and rebuilds on mismatch or on an unreadable file, so the
only care needed here is where: a per-user directory nobody else can write (the
file is a pickle), or no cache at all when there is none such."""

from __future__ import annotations

import os
import stat
import sys


def _cache_dir() -> str | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    path = os.path.join(base, "exim-acl")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.stat(path)
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None  # someone else could plant a pickle there
    if not os.access(path, os.W_OK | os.X_OK):
        return None  # read-only: building each time is the safe fallback
    return path


def lark_cache(name: str) -> str | bool:
    """A value for Lark's ``cache`` option: a file path, or False for none."""
    path = _cache_dir()
    if path is None:
        return False
    return os.path.join(path, f"{name}-py{sys.version_info[0]}{sys.version_info[1]}.lark")
