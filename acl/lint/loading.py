"""Loading for the linter: the reader stops at its first error, so the linter
reports it, blanks the offending logical line (keeping line numbers) and reads
again, to find every such error in one run."""

from __future__ import annotations

import re
from typing import Any, Mapping

from acl.errors import AclError
from acl.lint.base import Diagnostic, closest, diag
from acl.lint.deprecated import RENAMED_OPTIONS

MAX_RETRIES = 50
VERBS = ("accept", "defer", "deny", "discard", "drop", "require", "warn")
_UNKNOWN_OPTION = re.compile(r'(?:main )?option "([^"]+)" unknown')
_SET_DOLLAR = re.compile(r'invalid variable name after "set" in ACL modifier "set \$(acl_[cm]\w*)')


def _known_options() -> list[str]:
    from acl.config.option_table import GENERIC

    return list(GENERIC["main"])


def _load_diag(exc: AclError, path: str) -> Diagnostic:
    m = _UNKNOWN_OPTION.match(exc.message)
    if m and m.group(1) in RENAMED_OPTIONS:
        old, new = m.group(1), RENAMED_OPTIONS[m.group(1)]
        return diag(exc.span, path, f'option "{old}" was renamed "{new}"; '
                    f'Exim 4.96 refuses the old name', "deprecated", suggestion=new)
    message, suggestion = exc.message, None
    dollar = _SET_DOLLAR.search(message)
    if m:
        suggestion = closest(m.group(1), _known_options())
    if exc.hint:
        message += f" ({exc.hint})"
    elif m:
        message += f' (did you mean "{suggestion}"?)' if suggestion else ""
    elif dollar:
        suggestion = f"set {dollar.group(1)}"
        message += f' (write "{suggestion}": set takes the name without "$")'
    return diag(exc.span, path, message, "config", suggestion=suggestion)


def _blank(lines: list[str], line: int, col: int) -> bool:
    """Blank the logical line holding physical line ``line``; an ACL statement
    line loses only its conditions, so that its verb still starts a statement."""
    if not 1 <= line <= len(lines):
        return False
    start = line
    while start > 1 and lines[start - 2].rstrip().endswith("\\"):
        start -= 1
    end = line
    while end < len(lines) and lines[end - 1].rstrip().endswith("\\"):
        end += 1
    first = lines[start - 1]
    words = first.split()
    keep = ""
    if words and words[0] in VERBS and not (start == line and col <= len(first) - len(first.lstrip()) + 1):
        # a placeholder condition, so the statement does not become unconditional
        keep = first[: len(first) - len(first.lstrip())] + words[0] + " condition = true"
    changed = any(lines[i] for i in range(start - 1, end))
    for i in range(start - 1, end):
        lines[i] = ""
    lines[start - 1] = keep
    return changed or bool(keep)


def load(path: str, defines: Mapping[str, str]) -> tuple[Any | None, list[Diagnostic]]:
    """(configuration or None, diagnostics from reading it)."""
    from acl.config import parse_config_text

    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
    except OSError as exc:
        return None, [Diagnostic(path, 0, 0, "error",
                                 f"cannot open configuration file: {exc.strerror}", "config")]
    lines = text.split("\n")
    out: list[Diagnostic] = []
    for _ in range(MAX_RETRIES):
        try:
            return parse_config_text("\n".join(lines), filename=path, defines=defines), out
        except AclError as exc:
            out.append(_load_diag(exc, path))
            span = exc.span
            if span is None or span.file != path or not _blank(lines, span.line, span.col):
                return None, out
        except RecursionError:
            out.append(Diagnostic(path, 0, 0, "error", "configuration too deeply nested", "config"))
            return None, out
    return None, out
