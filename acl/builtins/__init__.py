"""Built-in operators, conditions, items, variables and lookups.

Each module registers its built-ins in the tables of :mod:`acl.builtins.registry`
when imported; :func:`load_all` imports them all explicitly (no import magic)."""

from __future__ import annotations

import importlib

_MODULES = (
    "acl.builtins.operators",
    "acl.builtins.conditions",
    "acl.builtins.items",
    "acl.builtins.variables",
    "acl.lookups",
)

_loaded = False


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    for name in _MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a module not written yet
            if exc.name != name:
                raise
    _loaded = True
