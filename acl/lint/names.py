"""Expansion syntax, and names unknown to Exim: variables, operators,
conditions, items, lookup types, ACL controls."""

from __future__ import annotations

import re
from typing import Any, Iterator

from acl.errors import AclError
from acl.expansion import nodes as N
from acl.lint.base import (NOT_EXPANDED, Diagnostic, Value, closest, diag, list_lookups, parsed,
                           physical, unknown, values, walk, where)
from acl.lint.deprecated import RENAMED_CONTROLS, RENAMED_VARIABLES

# Controls documented in chapter 12 of the manual, plus the DMARC one.
CONTROLS = frozenset({
    "allow_auth_unadvertised", "caseful_local_part", "caselower_local_part",
    "cutthrough_delivery", "debug", "dkim_disable_verify", "dmarc_disable_verify",
    "dmarc_enable_forensic", "dscp", "enforce_sync", "no_enforce_sync", "fakedefer",
    "fakereject", "freeze", "no_delay_flush", "no_callout_flush", "no_mbox_unspool",
    "no_multiline_responses", "no_pipelining", "queue", "queue_only", "submission",
    "suppress_local_fixups", "utf8_downconvert",
})
# Items the expansion core implements itself (the registry holds the others).
CORE_ITEMS = frozenset({
    "addresses", "extract", "filter", "hash", "if", "length", "listextract", "lookup",
    "map", "nhash", "reduce", "sg", "sort", "substr", "tr", "dlfunc", "perl",
})
# Conditions of ${if} the expansion core implements itself.
CORE_CONDITIONS = frozenset({"and", "or", "def", "forall", "forany", "forall_json",
                             "forany_json", "forall_jsons", "forany_jsons", "acl"})
_UNKNOWN_COND = re.compile(r'unknown condition "([^"]*)"')
_ABBREV = {"l": "length", "s": "substr", "h": "hash", "nh": "nhash"}
_ACL_VAR = re.compile(r"acl_[cm](?:[0-9]|_[A-Za-z0-9_]+)\Z")
_LOOKUP_MODS = re.compile(r"^(?:partial\d*(?:\([^)]*\))?-)?([a-z0-9]+)(?:\*@?|\*)?(?:,.*)?$")


def _registry() -> Any:
    import acl.builtins as builtins
    from acl.builtins.registry import REGISTRY

    builtins.load_all()
    return REGISTRY


def known_variable(name: str) -> bool:
    reg = _registry().variables
    if name in ("item", "value") or _ACL_VAR.match(name) or name in reg:
        return True
    return any(s.prefix and name.startswith(s.name) for s in reg.values())


def _operator_known(name: str) -> bool:
    reg = _registry().operators
    if name in reg or name.startswith("quote_"):
        return True
    base, *rest = name.split("_")
    spec = reg.get(_ABBREV.get(base, base)) if rest else None
    return spec is not None and spec.params[0] <= len(rest) <= spec.params[1]


def lookup_type(spec: str) -> str:
    m = _LOOKUP_MODS.match(spec.strip())
    return m.group(1) if m else spec.strip()


def rule_expansion_syntax(cfg: Any, path: str) -> Iterator[Diagnostic]:
    """Every expanded value must parse; the error's position is mapped into the file."""
    from acl.expansion import parse

    for v in values(cfg):
        if v.cond is not None and v.cond.name in NOT_EXPANDED:
            continue
        try:
            parse(v.text, origin=v.span)
        except AclError as exc:
            span = physical(v.span, exc.span) if (v.span and exc.span) else (exc.span or v.span)
            m = _UNKNOWN_COND.match(exc.message)
            hit = closest(m.group(1), set(_registry().conditions) | CORE_CONDITIONS) if m else None
            hint = f' (did you mean "{hit}"?)' if hit else ""
            yield diag(span, path, f"{exc.message}{hint} (in {v.what})", "expansion-syntax",
                       suggestion=hit)
        except RecursionError:
            yield diag(v.span, path, f"expansion nested too deeply (in {v.what})", "expansion-syntax")


def _unknown_in(v: Value, path: str) -> Iterator[Diagnostic]:
    reg = _registry()
    from acl.lookups import LOOKUPS

    for node in walk(parsed(v)):
        span = where(v, node)
        if isinstance(node, N.Var) and not known_variable(node.name):
            if node.name not in RENAMED_VARIABLES:  # the deprecated rule names those
                yield unknown(span, path, "variable name", node.name, reg.variables)
        elif isinstance(node, N.Operator) and not _operator_known(node.name):
            yield unknown(span, path, "expansion operator", node.name, reg.operators)
        elif isinstance(node, N.Item) and node.name not in CORE_ITEMS and node.name not in reg.items:
            yield unknown(span, path, "expansion item", node.name,
                          set(reg.items) | CORE_ITEMS | set(reg.operators))
        elif isinstance(node, N.Lookup) and lookup_type(node.type) not in LOOKUPS:
            yield unknown(span, path, "lookup type", lookup_type(node.type), LOOKUPS)


def rule_unknown_names(cfg: Any, path: str) -> Iterator[Diagnostic]:
    from acl.lookups import LOOKUPS

    for v in values(cfg):
        yield from _unknown_in(v, path)
    for ltype, _, span in list_lookups(cfg):
        if lookup_type(ltype) not in LOOKUPS:
            yield unknown(span, path, "lookup type", lookup_type(ltype), LOOKUPS)
    for acl in cfg.acls.values():
        for stmt in acl.statements:
            for cond in stmt.conditions:
                if not cond.value or "$" in cond.value:
                    continue
                span = cond.value_span or cond.span
                if cond.name == "control":
                    name = cond.value.strip().split("/", 1)[0].strip()
                    if name not in CONTROLS and name not in RENAMED_CONTROLS:
                        yield unknown(span, path, "ACL control", name, CONTROLS)
                elif cond.name == "verify":
                    name = cond.value.strip().split("/", 1)[0].strip().lower()
                    types = verify_types()
                    if types and verify_type(name) is None:
                        yield unknown(span, path, "verify type", name, types)


def verify_types() -> dict[str, tuple[frozenset[str] | None, bool, int]]:
    """verify type -> (phases allowed or None, takes options, accepted prefix
    length or 0): the engine's table, which follows Exim's acl.c."""
    try:
        from acl.engine.conditions import _VERIFY_TYPES
    except ImportError:
        return {}
    return dict(_VERIFY_TYPES)


def verify_type(word: str) -> str | None:
    """The verify type ``word`` selects (``sender=x`` selects sender)."""
    word = word.lower()
    return next((t for t, (_, _, pre) in verify_types().items()
                 if (word[:pre] == t if pre else word == t)), None)
