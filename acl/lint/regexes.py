"""Regular expressions that do not compile, or that can backtrack for ever."""

from __future__ import annotations

import re
from typing import Any, Iterator

from acl.errors import AclError
from acl.expansion import nodes as N
from acl.lint.base import Diagnostic, diag, parsed, values, walk, where
from acl.runtime.regex import class_end

_QUANT = re.compile(r"(?:[*+]|\{\d*,\d*\})\??")


def _groups(p: str) -> Iterator[tuple[str, int]]:
    """(body, end index) of each parenthesised group, innermost first."""
    stack: list[int] = []
    i, n = 0, len(p)
    while i < n:
        c = p[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # skip a character class
            i = class_end(p, i)
            continue
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            start = stack.pop()
            yield p[start + 1:i], i
        i += 1


def catastrophic(pattern: str) -> str | None:
    """A reason when a quantified group contains a quantifier, or alternatives
    that are the same: (a+)+, (.*)*, (a|a)*."""
    for body, end in _groups(pattern):
        if not _QUANT.match(pattern, end + 1):
            continue
        inner = re.sub(r"\\.", "x", body)
        inner = re.sub(r"^\?(?::|<?[=!]|P?<[^>]*>)", "", inner)
        if re.search(r"[^\\][*+]|^[.\w\]\)][*+]|\{\d*,\}", inner) or inner.endswith(("*", "+")):
            return f"nested quantifier in ({body})"
        alts = body.split("|")
        if len(alts) > 1 and len(set(alts)) < len(alts):
            return f"repeated alternative in ({body})"
    return None


def _check(pattern: str) -> tuple[str, str] | None:
    from acl.runtime.regex import compile_regex

    try:
        compile_regex(pattern)
    except AclError as exc:
        return exc.message, "error"
    reason = catastrophic(pattern)
    if reason:
        return f"regular expression can backtrack catastrophically: {reason}", "warning"
    return None


def rule_regex(cfg: Any, path: str) -> Iterator[Diagnostic]:
    for v in values(cfg):
        tree = parsed(v)
        if tree is None:
            continue
        patterns: list[tuple[N.Expansion, Any]] = []
        for node in walk(tree):
            if isinstance(node, N.Simple) and node.name == "match" and len(node.args) == 2:
                patterns.append((node.args[1], node.args[1]))
            elif isinstance(node, N.Item) and node.name == "sg" and len(node.args) == 3:
                patterns.append((node.args[1], node.args[1]))
        if v.cond is not None and v.cond.name in ("regex", "mime_regex"):
            patterns.append((tree, tree))
        for arg, node in patterns:
            if not all(isinstance(p, N.Text) for p in arg.parts):
                continue  # built at run time
            text = "".join(p.value for p in arg.parts)
            items = text.split(":") if arg is tree else [text]
            for pattern in items:
                found = _check(pattern.strip() if arg is tree else pattern)
                if found:
                    yield diag(where(v, node), path, found[0], "regex", found[1])
    # regular expressions in ACL lists (items starting with ^)
    for acl in cfg.acls.values():
        for stmt in acl.statements:
            for cond in stmt.conditions:
                if cond.name not in ("local_parts", "senders", "recipients", "domains",
                                     "sender_domains", "hosts") or not cond.value:
                    continue
                from acl.runtime.lists import iter_list

                for item in list(iter_list(cond.value))[:1000]:
                    item = item.lstrip("!").strip()
                    if item.startswith("^") and "$" not in item[:-1]:
                        found = _check(item)
                        if found:
                            yield diag(cond.value_span or cond.span, path, found[0], "regex", found[1])
