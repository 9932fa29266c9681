"""Locate data shipped with the package: grammars and stdlib policies.

An installed wheel carries them as ``acl/_grammar`` and ``acl/_stdlib``; a source
checkout (editable install, tests) has them at the repository root.
"""

from __future__ import annotations

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
