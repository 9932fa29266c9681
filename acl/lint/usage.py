"""Things used where they cannot work: variables that are always empty in the
ACL's phase, and conditions, modifiers, controls and verify types that Exim
refuses in that phase (with Exim's own run-time wording)."""

from __future__ import annotations

from typing import Any, Iterator

from acl.engine.messages import WHERE_NAMES
from acl.expansion import nodes as N
from acl.lint.base import Diagnostic, diag, parsed, values, walk, where
from acl.lint.names import verify_type, verify_types
from acl.lint.phases import acl_phases

# Phases with no message yet: header lines and the body do not exist.
BEFORE_DATA = frozenset({"connect", "helo", "mail", "rcpt", "predata", "vrfy", "expn",
                         "etrn", "auth", "starttls", "quit", "notquit", "mailauth"})
# $recipients is filled only in these ACLs (chapter 11, $recipients).
RECIPIENTS_PHASES = frozenset({"predata", "data", "mime", "not_smtp_start", "not_smtp",
                               "not_smtp_mime", "prdr", "dkim"})
_MESSAGE_VARS = frozenset({"message_headers", "message_headers_raw", "message_body",
                           "message_body_end", "message_body_size"})
_PER_RECIPIENT = frozenset({"rcpt", "vrfy", "expn", "prdr"})
# Phase restrictions Exim's acl.c has for conditions the engine does not
# restrict (it lacks DMARC): the phases where they may be used.
ONLY_IN = {"dmarc_status": frozenset({"data"})}


def _empty_reason(node: Any, phases: set[str]) -> str | None:
    if isinstance(node, N.Header) or (isinstance(node, N.Var) and node.name in _MESSAGE_VARS) \
            or (isinstance(node, N.Def) and node.header):
        if phases <= BEFORE_DATA:
            return "headers and body do not exist before the DATA ACL"
    if isinstance(node, N.Var) and node.name == "recipients" and not phases & RECIPIENTS_PHASES:
        return "$recipients is set only from the PREDATA ACL on"
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


def _names(phases: set[str]) -> str:
    return ", ".join(WHERE_NAMES.get(p, p) for p in sorted(phases))


def _condition_misuse(cond: Any, ph: set[str]) -> str | None:
    """Exim's refusal for condition/modifier ``cond`` in any of phases ``ph``."""
    from acl.engine.conditions import CONDITIONS

    spec = CONDITIONS.get(cond.name)
    bad = set(ph & spec.forbids) if spec else set()
    if cond.name in ONLY_IN:
        bad |= ph - ONLY_IN[cond.name]
    if bad:
        verb = "use" if spec and spec.modifier else "test"
        return f"cannot {verb} {cond.name} condition in {_names(bad)} ACL"
    value = cond.value.strip() if isinstance(cond.value, str) else ""
    if cond.name == "control" and value and "$" not in value:
        from acl.engine.controls import CONTROLS

        name = value.split("/", 1)[0].strip()
        cdef = CONTROLS.get(name)
        bad = set(ph & cdef.forbids) if cdef else set()
        if bad:
            return f'cannot use "control={name}" in {_names(bad)} ACL'
    if cond.name == "verify" and value and "$" not in value:
        vtype = verify_type(value.split("/", 1)[0].strip())
        allowed = verify_types()[vtype][0] if vtype else None
        if allowed is not None and ph - allowed:
            return f"cannot verify {vtype} in ACL for {_names(ph - allowed)}"
    return None


def rule_misuse(cfg: Any, path: str) -> Iterator[Diagnostic]:
    phases = acl_phases(cfg)
    for acl in cfg.acls.values():
        ph = phases.get(acl.name, set())
        for stmt in acl.statements:
            for cond in stmt.conditions:
                if cond.name == "message" and stmt.verb == "warn":
                    yield diag(cond.span, path, '"message" on "warn" is deprecated: it only adds '
                               "a header line; use add_header for that, or log_message to log "
                               "the text", "misuse", "warning", suggestion="add_header")
                reason = _condition_misuse(cond, ph)
                if reason:
                    yield diag(cond.value_span if cond.name in ("control", "verify") else cond.span,
                               path, f'{reason} (ACL "{acl.name}")', "misuse")
