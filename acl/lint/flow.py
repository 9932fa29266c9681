"""Statements that can never run."""

from __future__ import annotations

from typing import Any, Iterator

from acl.config.parser import ACL_CONDITIONS
from acl.lint.base import Diagnostic, diag

ENDING = frozenset({"accept", "deny", "drop", "defer", "discard"})


def rule_unreachable(cfg: Any, path: str) -> Iterator[Diagnostic]:
    for acl in cfg.acls.values():
        for i, stmt in enumerate(acl.statements[:-1]):
            conditional = any(not ACL_CONDITIONS.get(c.name, False) for c in stmt.conditions)
            if stmt.verb in ENDING and not conditional:
                nxt = acl.statements[i + 1]
                yield diag(nxt.span, path, f'statement can never be reached: the "{stmt.verb}" '
                           f"at line {stmt.span.line} has no condition", "unreachable", "warning")
                break
