"""What every lint rule shares: the Diagnostic, spans mapped back to physical
lines, the walk over expandable values and over expansion trees."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Iterator

from acl.errors import AclError
from acl.expansion import nodes as N
from acl.source import Span


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    col: int
    severity: str  # "error", "warning" or "info"
    message: str
    rule: str
    suggestion: str | None = None  # the replacement text, where there is one

    def text(self) -> str:
        message = " ".join(part.strip() for part in self.message.splitlines())
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {message} [{self.rule}]"


def diag(span: Span | None, fallback: str, message: str, rule: str,
         severity: str = "error", suggestion: str | None = None) -> Diagnostic:
    if span is None:
        return Diagnostic(fallback, 0, 0, severity, message, rule, suggestion)
    return Diagnostic(span.file, span.line, span.col, severity, message, rule, suggestion)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    hit = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return hit[0] if hit else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    hit = closest(name, candidates)
    return f' (did you mean "{hit}"?)' if hit else ""


def unknown(span: Span | None, path: str, what: str, name: str, candidates: Iterable[str],
            rule: str = "unknown-name") -> Diagnostic:
    """'unknown WHAT "name" (did you mean "x"?)', with x as the suggestion."""
    hit = closest(name, candidates)
    hint = f' (did you mean "{hit}"?)' if hit else ""
    return diag(span, path, f'unknown {what} "{name}"{hint}', rule, suggestion=hit)


# --- positions -------------------------------------------------------------------


@lru_cache(maxsize=32)
def _lines(path: str) -> tuple[str, ...]:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            return tuple(f.read().splitlines())
    except OSError:
        return ()


def physical(origin: Span, span: Span) -> Span:
    """Map ``span`` (computed by the expansion parser as origin + offset in the
    logical line) onto the physical line holding that character: values
    continued with a trailing backslash span several lines."""
    if span.line != origin.line or span.col < origin.col:
        return span
    lines = _lines(origin.file)
    ln, col, remaining = origin.line, origin.col, span.col - origin.col
    for _ in range(10_000):  # bounded walk over continuation lines
        if not 1 <= ln <= len(lines):
            return span
        text = lines[ln - 1]
        body = text.rstrip()
        cont = body.endswith("\\")
        avail = (len(body) - 1 if cont else len(text)) - (col - 1)
        if remaining < avail or not cont:
            return Span(span.file, ln, col + remaining)
        remaining -= max(avail, 0)
        ln += 1
        while ln <= len(lines) and lines[ln - 1].lstrip().startswith("#"):
            ln += 1  # comment lines inside a continued line are dropped
        if ln > len(lines):
            return span
        nxt = lines[ln - 1]
        col = len(nxt) - len(nxt.lstrip()) + 1
    return span


# --- what is expanded ------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One expandable string of the configuration."""

    text: str
    span: Span | None
    what: str  # for messages: "option x", "condition in ACL y"
    acl: str | None = None  # the ACL it belongs to
    cond: Any = None  # the acl.config Condition, for ACL values
    option: str | None = None  # the option name, for option values


def values(cfg: Any) -> Iterator[Value]:
    """Option settings holding a ``$``, ACL condition and modifier values, driver
    options."""
    for name, setting in (getattr(cfg, "settings", None) or {}).items():
        raw = getattr(setting, "raw", None)
        if isinstance(raw, str) and "$" in raw:
            yield Value(raw, setting.value_span or setting.span, f"option {name}", option=name)
    for acl in (getattr(cfg, "acls", None) or {}).values():
        for stmt in acl.statements:
            for cond in stmt.conditions:
                if not isinstance(cond.value, str):
                    continue
                yield Value(cond.value, cond.value_span or cond.span,
                            f"{cond.name} in ACL {acl.name}", acl=acl.name, cond=cond)
    for section, instances in (getattr(cfg, "sections", None) or {}).items():
        for inst in instances or []:
            for setting in getattr(inst, "options", None) or []:
                raw = getattr(setting, "raw", None)
                if isinstance(raw, str) and "$" in raw:
                    span = setting.value_span or setting.span
                    yield Value(raw, span, f"option {setting.name} of {getattr(inst, 'name', section)}",
                                option=setting.name)


# Conditions whose value is not expanded as a whole, or not a plain string.
NOT_EXPANDED = frozenset({"acl"})


def parsed(v: Value) -> N.Expansion | None:
    """The expansion tree of a value, or None when it does not parse (the
    expansion-syntax rule reports that)."""
    from acl.expansion import parse

    if v.cond is not None and v.cond.name in NOT_EXPANDED:
        return None
    try:
        return _parse(v.text, v.span)
    except AclError:
        return None
    except RecursionError:
        return None


@lru_cache(maxsize=4096)
def _parse(text: str, span: Span | None) -> N.Expansion:
    from acl.expansion import parse

    return parse(text, origin=span)


def walk(node: Any, depth: int = 0) -> Iterator[Any]:
    """Every node below (and including) ``node``, parents before children."""
    if node is None or depth > 200:
        return
    yield node
    for child in children(node):
        yield from walk(child, depth + 1)


def children(node: Any) -> list[Any]:
    if isinstance(node, N.Expansion):
        return list(node.parts)
    if isinstance(node, N.Operator):
        return [node.subject]
    if isinstance(node, (N.Item, N.Simple, N.Nested)):
        return list(node.args)
    if isinstance(node, N.If):
        return [node.cond, node.yes, node.no]
    if isinstance(node, N.Lookup):
        return [node.key, node.source, node.yes, node.no]
    if isinstance(node, N.Filter):
        return [node.list, node.cond]
    if isinstance(node, N.Not):
        return [node.cond]
    if isinstance(node, N.AndOr):
        return list(node.conds)
    if isinstance(node, N.ForAll):
        return [node.list, node.cond]
    return []


def where(v: Value, node: Any) -> Span | None:
    """The physical position of a node of value ``v``."""
    span = getattr(node, "span", None)
    if span is None or v.span is None or span.file != v.span.file:
        return span or v.span
    return physical(v.span, span)


# --- lookups inside lists -----------------------------------------------------------

LIST_CONDITIONS = ("domains", "hosts", "local_parts", "recipients", "senders", "sender_domains")


def list_lookups(cfg: Any) -> Iterator[tuple[str, str, Span | None]]:
    """(lookup type as written, file name or query, position) for each
    ``type;rest`` item of the ACL lists and named lists."""
    from acl.runtime.lists import iter_list

    lists: list[tuple[str, Span | None]] = []
    for acl in (getattr(cfg, "acls", None) or {}).values():
        for stmt in acl.statements:
            lists += [(c.value, c.value_span or c.span) for c in stmt.conditions
                      if c.name in LIST_CONDITIONS and isinstance(c.value, str)]
    for named in (getattr(cfg, "named_lists", None) or {}).values():
        lists += [(nl.value, nl.span) for nl in named.values()]
    for text, span in lists:
        if ";" not in text:
            continue
        for item in list(iter_list(text))[:1000]:
            ltype, semi, rest = item.lstrip("!").strip().partition(";")
            if semi and ltype and not any(c.isspace() or c in "$/{" for c in ltype):
                yield re.sub(r"^net\d*-", "", ltype), rest.strip(), span
