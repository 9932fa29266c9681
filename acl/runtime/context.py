"""The state an expansion reads: variables, headers, ACL variables, the
configuration (named lists, options) and per-run caches. One context per SMTP
session (or per ``acl expand`` run); the compiled expansions are shared and hold
no state, so that they can be cached by string."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from acl.builtins.registry import REGISTRY, Registry


@dataclass
class Limits:
    max_depth: int = 200  # nesting of items during evaluation
    max_length: int = 64 * 1024 * 1024  # bytes in any intermediate result
    regex_timeout: float = 1.0  # seconds per regular-expression match
    max_list_items: int = 1_000_000  # items processed by map/filter/reduce/forall


@dataclass
class ExpansionContext:
    registry: Registry = field(default_factory=lambda: REGISTRY)
    config: Any = None  # acl.config.model.Config when a configuration is loaded
    variables: dict[str, str] = field(default_factory=dict)
    # Message headers in arrival order: (name as received, value after the colon,
    # verbatim: leading white space and folding newlines kept, final newline removed).
    headers: list[tuple[str, str]] = field(default_factory=list)
    acl_vars: dict[str, str] = field(default_factory=dict)  # "acl_c0", "acl_m_foo", ...
    # Scoped values: "item", "value", and the regex captures "0".."9".
    bindings: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    allow_run: bool = False  # ${run} is refused unless the configuration enables it
    clock: Callable[[], float] = time.time
    lookup_cache: dict[Any, Any] = field(default_factory=dict)
    # Hooks filled in by higher layers (the ACL engine provides ${acl} / acl condition).
    acl_runner: Callable[..., Any] | None = None
    depth: int = 0
    # Free slots for built-ins that need per-context state of their own.
    extra: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        """A main option's value from the loaded configuration, else ``default``."""
        cfg = self.config
        if cfg is None:
            return default
        opts = getattr(cfg, "options", None) or {}
        return opts.get(name, default)
