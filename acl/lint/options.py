"""Options that are recognised but do nothing in this project."""

from __future__ import annotations

from typing import Any, Iterator

from acl.lint.base import Diagnostic, diag


def rule_no_effect(cfg: Any, path: str) -> Iterator[Diagnostic]:
    for name, setting in cfg.settings.items():
        if not getattr(setting, "effective", True):
            yield diag(setting.span, path, f'option "{name}" is recognised but has no effect '
                       "in exim-acl (it matters only to a real Exim)", "no-effect", "info")
