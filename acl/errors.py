"""The exception hierarchy. Every user-facing error carries a message and, where it
has one, a source span; the CLI prints ``file:line:col: message`` and never a
Python traceback."""

from __future__ import annotations

from acl.source import Span


class AclError(Exception):
    """Base of every error a user may see."""

    def __init__(self, message: str, span: Span | None = None, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.span}: {self.message}" if self.span else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(AclError):
    """The configuration file cannot be read, preprocessed or parsed."""


class ExpansionError(AclError):
    """A string expansion failed. ``message`` is Exim's wording, the text that
    ``exim -be`` prints after ``Failed: ``."""


class ForcedFail(ExpansionError):
    """Forced expansion failure (``fail`` in an item, or ``${if ...{}fail}``)."""


class LookupDefer(ExpansionError):
    """A lookup could not be completed (temporary failure); Exim defers."""


class ExpansionSyntaxError(ExpansionError):
    """The expansion string could not be parsed."""
