"""Built-in operators, conditions, items, variables and lookups.

Each module registers its built-ins in the tables of :mod:`acl.builtins.registry`
when imported. The shared registry imports a table's modules the first time the
table is read (:func:`load_table`); :func:`load_all` imports them all."""

from __future__ import annotations

import importlib

# What registers into each table (a module may register into several kinds:
# the items package also holds a condition).
_BY_TABLE: dict[str, tuple[str, ...]] = {
    "operators": ("acl.builtins.operators",),
    "conditions": ("acl.builtins.conditions", "acl.builtins.items"),
    "items": ("acl.builtins.items",),
    "variables": ("acl.builtins.variables",),
}
_MODULES = (
    "acl.builtins.operators",
    "acl.builtins.conditions",
    "acl.builtins.items",
    "acl.builtins.variables",
    "acl.lookups",
)

_loaded: set[str] = set()


def _import(name: str) -> None:
    if name in _loaded:
        return
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:  # a module not written yet
        if exc.name != name:
            raise
    _loaded.add(name)


def load_table(kind: str) -> None:
    """Import the modules that register into table ``kind``."""
    for name in _BY_TABLE[kind]:
        _import(name)


def load_all() -> None:
    """Make the tables complete (the shared registry already does so as each
    table is first read: then there is nothing to do)."""
    from acl.builtins.registry import REGISTRY, LazyRegistry

    if not isinstance(REGISTRY, LazyRegistry):  # pragma: no cover - a plain registry
        for name in _MODULES:
            _import(name)
