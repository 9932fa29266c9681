"""Expansion syntax, and names unknown to Exim: variables, operators,
conditions, items, lookup types, ACL controls."""

from __future__ import annotations

import re
from typing import Any, Iterator

from acl.errors import AclError
from acl.expansion import nodes as N
from acl.lint.base import (NOT_EXPANDED, Diagnostic, Value, diag, did_you_mean, parsed,
                           physical, values, walk, where)
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
            yield diag(span, path, f"{exc.message} (in {v.what})", "expansion-syntax")
        except RecursionError:
            yield diag(v.span, path, f"expansion nested too deeply (in {v.what})", "expansion-syntax")


def _unknown_in(v: Value, path: str) -> Iterator[Diagnostic]:
    reg = _registry()
    from acl.lookups import LOOKUPS

    for node in walk(parsed(v)):
        msg = None
        if isinstance(node, N.Var) and not known_variable(node.name):
            if node.name in RENAMED_VARIABLES:
                continue  # the deprecated rule names the current spelling
            msg = f'unknown variable name "{node.name}"' + did_you_mean(node.name, reg.variables)
        elif isinstance(node, N.Operator) and not _operator_known(node.name):
            msg = f'unknown expansion operator "{node.name}"' + did_you_mean(node.name, reg.operators)
        elif isinstance(node, N.Item) and node.name not in CORE_ITEMS and node.name not in reg.items:
            msg = (f'unknown expansion item "{node.name}"'
                   + did_you_mean(node.name, set(reg.items) | CORE_ITEMS | set(reg.operators)))
        elif isinstance(node, N.Lookup):
            ltype = lookup_type(node.type)
            if ltype not in LOOKUPS:
                msg = f'unknown lookup type "{ltype}"' + did_you_mean(ltype, LOOKUPS)
        if msg:
            yield diag(where(v, node), path, msg, "unknown-name")


def rule_unknown_names(cfg: Any, path: str) -> Iterator[Diagnostic]:
    for v in values(cfg):
        yield from _unknown_in(v, path)
    for acl in cfg.acls.values():
        for stmt in acl.statements:
            for cond in stmt.conditions:
                if cond.name != "control" or not cond.value or "$" in cond.value:
                    continue
                name = cond.value.strip().split("/", 1)[0].strip()
                if name not in CONTROLS and name not in RENAMED_CONTROLS:
                    yield diag(cond.value_span or cond.span, path,
                               f'unknown ACL control "{name}"' + did_you_mean(name, CONTROLS),
                               "unknown-name")
