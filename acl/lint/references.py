"""References to things that are not defined: ACLs and named lists; macros
defined but never used."""

from __future__ import annotations

import re
from typing import Any, Iterator

from acl.expansion import nodes as N
from acl.lint.base import Diagnostic, closest, diag, parsed, values, walk, where
from acl.lint.phases import acl_name, called, option_phase

# ACL conditions whose value is a list of a given kind, for +name references.
LIST_CONDITIONS = {"domains": "domain", "hosts": "host", "local_parts": "localpart",
                   "recipients": "address", "senders": "address", "sender_domains": "domain"}
MATCH_CONDITIONS = {"match_domain": "domain", "match_ip": "host", "match_address": "address",
                    "match_local_part": "localpart"}
_PLUS = re.compile(r"(?:^|[:;,\s!])\+([A-Za-z0-9_]+)")


def rule_undefined_acl(cfg: Any, path: str) -> Iterator[Diagnostic]:
    for option, setting in cfg.settings.items():
        if option_phase(option) and isinstance(setting.raw, str):
            name = acl_name(setting.raw)
            if name and name not in cfg.acls:
                hit = closest(name, cfg.acls)
                yield diag(setting.value_span or setting.span, path,
                           f'{option} names ACL "{name}", which is not defined' + _mean(hit),
                           "undefined", suggestion=hit)
    for acl in cfg.acls.values():
        for stmt in acl.statements:
            for cond in stmt.conditions:
                name = called(cond)
                if name and name not in cfg.acls:
                    hit = closest(name, cfg.acls)
                    yield diag(cond.value_span or cond.span, path,
                               f'ACL "{name}" is not defined' + _mean(hit), "undefined",
                               suggestion=hit)


def _mean(hit: str | None) -> str:
    return f' (did you mean "{hit}"?)' if hit else ""


def _list_refs(text: str) -> Iterator[tuple[str, int]]:
    for m in _PLUS.finditer(text):
        yield m.group(1), m.start(1) - 1


def _undefined_list(cfg: Any, kind: str, name: str) -> tuple[str, str | None] | None:
    """(message, suggested +name) when list ``name`` of ``kind`` is missing."""
    known = cfg.named_lists.get(kind, {})
    if name in known:
        return None
    hit = closest(name, known)
    return f'{kind} list "+{name}" is not defined' + _mean(hit), (f"+{hit}" if hit else None)


def rule_undefined_list(cfg: Any, path: str) -> Iterator[Diagnostic]:
    from acl.source import Span

    for acl in cfg.acls.values():
        for stmt in acl.statements:
            for cond in stmt.conditions:
                kind = LIST_CONDITIONS.get(cond.name)
                if kind is None or not cond.value:
                    continue
                for name, off in _list_refs(cond.value):
                    msg = _undefined_list(cfg, kind, name)
                    if msg:
                        sp = cond.value_span
                        span = Span(sp.file, sp.line, sp.col + off) if sp else cond.span
                        yield diag(span, path, msg[0], "undefined", suggestion=msg[1])
    for kind, lists in cfg.named_lists.items():
        for nl in lists.values():
            for name, _ in _list_refs(nl.value):
                msg = _undefined_list(cfg, kind, name)
                if msg:
                    yield diag(nl.span, path, msg[0], "undefined", suggestion=msg[1])
    for v in values(cfg):
        for node in walk(parsed(v)):
            if isinstance(node, N.Simple) and node.name in MATCH_CONDITIONS and len(node.args) == 2:
                arg = node.args[1]
                if any(not isinstance(p, N.Text) for p in arg.parts):
                    continue
                for name, _ in _list_refs(arg.raw):
                    msg = _undefined_list(cfg, MATCH_CONDITIONS[node.name], name)
                    if msg:
                        yield diag(where(v, arg), path, msg[0], "undefined", suggestion=msg[1])


_MACRO_DEF = re.compile(r"^[ \t]*([A-Z][A-Za-z0-9_]*)[ \t]*=")


def rule_unused_macro(cfg: Any, path: str) -> Iterator[Diagnostic]:
    """A macro defined in the file whose name appears nowhere else: a note only,
    since files included conditionally or ``exim -D`` may still use it."""
    from acl.source import Span

    texts: dict[str, str] = {}
    for f in getattr(cfg, "files", None) or [path]:
        try:
            with open(f, encoding="utf-8", errors="surrogateescape") as fh:
                texts[f] = fh.read()
        except OSError:
            continue
    defs: list[tuple[str, str, int, int]] = []
    for f, text in texts.items():
        for i, line in enumerate(text.split("\n"), 1):
            m = _MACRO_DEF.match(line)
            if m and m.group(1) in cfg.macros:
                defs.append((m.group(1), f, i, m.start(1) + 1))
    whole = "\n".join(texts.values())
    for name, f, line, col in defs:
        if whole.count(name) <= sum(1 for d in defs if d[0] == name) + _contained(name, defs):
            yield diag(Span(f, line, col), path, f'macro "{name}" is defined but never used',
                       "unused-macro", "info")


def _contained(name: str, defs: list[tuple[str, str, int, int]]) -> int:
    """Occurrences of ``name`` inside the names of other macro definitions."""
    return sum(d[0].count(name) for d in defs if d[0] != name)
