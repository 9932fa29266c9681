"""The client's host name in an SMTP session: looked up at connect when
``host_lookup`` matches, and otherwise the first time ``$sender_host_name`` is
read (Exim's expand.c does that lookup on demand, then rebuilds
``$sender_fullhost``). The on-demand lookup needs a getter for the variable, so
sessions expand with a registry whose ``sender_host_name`` entry has one; the
rest of the registry is the shared one."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from acl.builtins.registry import Registry

LAZY_HOOK = "smtp_host_name_lookup"  # ctx.extra: what the dialogue runs on demand
_REGISTRY: Registry | None = None


def _sender_host_name(ctx: Any) -> str | None:
    v = ctx.variables
    name = v.get("sender_host_name")
    hook: Callable[[], None] | None = ctx.extra.get(LAZY_HOOK)
    if name or hook is None or not v.get("sender_host_address") \
            or v.get("host_lookup_failed") == "1":
        return name
    hook()
    return v.get("sender_host_name")


def session_registry() -> Registry:
    """The shared registry with an on-demand ``$sender_host_name`` (one per
    process, so that compiled expansions keep their purity verdicts)."""
    global _REGISTRY
    if _REGISTRY is None:
        from acl.builtins.registry import REGISTRY

        variables = dict(REGISTRY.variables)
        variables["sender_host_name"] = replace(variables["sender_host_name"],
                                                getter=_sender_host_name)
        _REGISTRY = Registry(operators=REGISTRY.operators, conditions=REGISTRY.conditions,
                             variables=variables, items=REGISTRY.items)
    return _REGISTRY


def lookup(ctx: Any, log: Callable[[str], None]) -> bool:
    """Exim's host_name_lookup() for the client; True when a name was found."""
    from acl.dnslists.hostlookup import lookup_host_name

    return lookup_host_name(ctx, lambda text, _logs: log(text)) == "ok"
