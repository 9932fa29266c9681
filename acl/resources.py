"""Locate data shipped with the package: grammars and stdlib policies.

An installed wheel carries them as ``acl/_grammar`` and ``acl/_stdlib``; a source
checkout (editable install, tests) has them at the repository root.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _locate(packaged: str, repo: str) -> Path:
    inside = _PKG / packaged
    if inside.is_dir():
        return inside
    return _PKG.parent / repo


def grammar_dir() -> Path:
    return _locate("_grammar", "grammar")


def stdlib_dir() -> Path:
    return _locate("_stdlib", "stdlib")


def grammar_text(name: str) -> str:
    return (grammar_dir() / name).read_text(encoding="utf-8")


def lark_cache_path(filename: str) -> str | bool:
    """A value for Lark's ``cache`` option: ``filename`` in a per-user cache
    directory (``$XDG_CACHE_HOME/exim-acl``), or False when there is no such
    directory that only this user can write to. The file is a pickle, so a
    directory others can write to could feed us a forged one; a read-only one
    means building the parser each time, which is merely slower."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return False
    folder = os.path.join(base, "exim-acl")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.stat(folder)
    except OSError:
        return False
    if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    return os.path.join(folder, filename)
