"""Things used where they cannot work: variables that are always empty in the
ACL's phase, and verb/modifier/control combinations chapter 12 rules out."""

from __future__ import annotations

from typing import Any, Iterator

from acl.expansion import nodes as N
from acl.lint.base import Diagnostic, diag, parsed, values, walk, where
from acl.lint.phases import acl_phases

BEFORE_DATA = frozenset({"connect", "helo", "mail", "rcpt", "predata"})
_MESSAGE_VARS = frozenset({"message_headers", "message_headers_raw", "message_body",
                           "message_body_end", "message_body_size"})
_PER_RECIPIENT = frozenset({"rcpt", "vrfy", "expn", "prdr"})


def _empty_reason(node: Any, phases: set[str]) -> str | None:
    if isinstance(node, N.Header) or (isinstance(node, N.Var) and node.name in _MESSAGE_VARS) \
            or (isinstance(node, N.Def) and node.header):
        if phases <= BEFORE_DATA:
            return "headers and body do not exist before the DATA ACL"
    if isinstance(node, N.Var) and node.name == "recipients" and phases <= BEFORE_DATA:
        return "$recipients is set only from the DATA ACL on"
    if isinstance(node, N.Var) and node.name in ("local_part", "domain") \
            and not phases & _PER_RECIPIENT:
        return f"${node.name} is set only in the RCPT (and VRFY, EXPN, PRDR) ACLs"
    return None


def rule_always_empty(cfg: Any, path: str) -> Iterator[Diagnostic]:
    phases = acl_phases(cfg)
    for v in values(cfg):
        ph = phases.get(v.acl) if v.acl else None
        if not ph:
            continue
        for node in walk(parsed(v)):
            reason = _empty_reason(node, ph)
            if reason:
                label = ("$" + node.name) if isinstance(node, N.Var) else "header"
                yield diag(where(v, node), path,
                           f'{label} is always empty in ACL "{v.acl}" (run for '
                           f'{", ".join(sorted(ph))}): {reason}', "always-empty", "warning")


def rule_misuse(cfg: Any, path: str) -> Iterator[Diagnostic]:
    from acl.engine.conditions import CONDITIONS
    from acl.engine.controls import CONTROLS

    phases = acl_phases(cfg)
    for acl in cfg.acls.values():
        ph = phases.get(acl.name, set())
        for stmt in acl.statements:
            for cond in stmt.conditions:
                if cond.name == "message" and stmt.verb == "warn":
                    yield diag(cond.span, path, '"message" on "warn" is deprecated (it adds a '
                               'header line): use add_header', "misuse", "warning")
                spec = CONDITIONS.get(cond.name)
                bad = sorted(ph & spec.forbids) if spec else []
                if bad:
                    yield diag(cond.span, path, f'"{cond.name}" is not allowed in the '
                               f'{", ".join(bad)} ACL ("{acl.name}")', "misuse")
                if cond.name == "control" and cond.value:
                    name = cond.value.strip().split("/", 1)[0].strip()
                    cdef = CONTROLS.get(name)
                    bad = sorted(ph & cdef.forbids) if cdef else []
                    if bad:
                        yield diag(cond.value_span or cond.span, path,
                                   f'control "{name}" is not allowed in the '
                                   f'{", ".join(bad)} ACL ("{acl.name}")', "misuse")
