"""Source positions: every node and diagnostic points back to file:line:col."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A region of source text; line and col are 1-based (col counts characters)."""

    file: str
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def shifted(self, line_delta: int, col: int) -> "Span":
        return Span(self.file, self.line + line_delta, col)


def snippet(text: str, line: int, col: int) -> str:
    """The source line and a caret under column ``col`` (1-based)."""
    lines = text.splitlines() or [""]
    if not 1 <= line <= len(lines):
        return ""
    src = lines[line - 1].expandtabs(1)
    return f"  {src}\n  {' ' * (max(col, 1) - 1)}^"
