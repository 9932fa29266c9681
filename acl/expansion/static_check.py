"""Errors Exim finds in text it reads without evaluating it (the branch of an
``${if}`` not taken, a map body over an empty list, the subconditions after an
``and`` has failed): names of variables, operators and items are checked as it
reads. :class:`StaticCheck` walks such a subtree in text order."""

from __future__ import annotations

import re
from itertools import islice
from typing import Any, Iterator

from acl.errors import ExpansionError
from acl.expansion import nodes as N
from acl.expansion import runtime as R
from acl.runtime.lists import iter_list


def _no_check(ctx: Any) -> None:
    return None


_NAMELESS = (N.Text, N.Def, N.Header, N.Capture)  # nodes with no name to check, nothing inside


def _names_nothing(root: Any) -> bool:
    """Whether ``root`` holds no name to check (plain text, conditions on it):
    no variable, operator or item."""
    if root is None:
        return True
    if type(root) is N.Expansion:  # the usual case: a brace argument
        parts = root.parts
        if not parts or (len(parts) == 1 and type(parts[0]) is N.Text):
            return True
    stack = [root]
    for _ in range(1_000_000):  # bounded: nodes are finite, this is a guard
        if not stack:
            return True
        node = stack.pop()
        t = type(node)
        if node is None or t in _NAMELESS:
            continue
        if t is N.Expansion:
            stack.extend(node.parts)
        elif t is N.Simple or t is N.Nested:
            stack.extend(node.args)
        elif t is N.Not:
            stack.append(node.cond)
        elif t is N.AndOr:
            stack.extend(node.conds)
        elif t is N.If:
            stack.extend((node.cond, node.yes, node.no))
        elif t is N.Lookup:
            stack.extend((node.key, node.source, node.yes, node.no))
        elif t is N.ForAll or t is N.Filter:
            stack.extend((node.list, node.cond))
        else:  # a variable, operator or item
            return False
    return False


class StaticCheck:
    """Raises the first name error in ``node``; remembers the registries it has
    passed (a registry only ever gains names). A node with no name in it gets
    a function that does nothing."""

    __slots__ = ("node", "passed")

    def __new__(cls, node: Any) -> Any:
        if _names_nothing(node):
            return _no_check
        return super().__new__(cls)

    def __init__(self, node: Any) -> None:
        self.node = node
        self.passed: set[int] = set()

    def __call__(self, ctx: Any) -> None:
        reg = ctx.registry
        if self.node is None or id(reg) in self.passed:
            return
        for err in _errors(self.node, ctx):
            raise err
        self.passed.add(id(reg))


def check(ctx: Any, node: Any) -> None:
    for err in _errors(node, ctx):
        raise err


# the argument of an item that is its body, which Exim names in errors
_BODY_ARG = {"map": 1, "reduce": 2}  # sort reads its arguments first: no note


def _errors(root: Any, ctx: Any) -> Iterator[ExpansionError]:
    """Name errors in text order, each with Exim's notes of the bodies and
    condition groups it sits in (innermost first)."""
    from acl.expansion.compiler import resolve_operator
    from acl.expansion.items_core import is_item

    stack: list[tuple[Any, str]] = [(root, "")]
    for _ in range(1_000_000):  # bounded: nodes are finite, this is a guard
        if not stack:
            return
        node, note = stack.pop()
        if node is None:
            continue
        t = type(node)
        if t is N.Expansion:
            stack.extend((p, note) for p in reversed(node.parts))
        elif t is N.Var:
            if not R.known_variable(ctx, node.name):
                yield ExpansionError(R.unknown_variable(node.name, node.braced) + note, node.span)
        elif t is N.Operator:
            if resolve_operator(ctx.registry, node.name) is None:
                yield ExpansionError(f'unknown expansion operator "{node.name}"' + note, node.span)
            stack.append((node.subject, note))
        elif t is N.Item:
            if not is_item(ctx, node.name):
                yield ExpansionError(f'"${{{node.name}" is not a known operator (or a }} is missing in a '
                                     "variable reference)" + note, node.span)
            body = _BODY_ARG.get(node.name)
            inner = f' inside "{node.name}" item' + note
            stack.extend((a, inner if i == body else note) for i, a in reversed(list(enumerate(node.args))))
        elif t is N.If:
            stack.extend(((node.no, note), (node.yes, note), (node.cond, note)))
        elif t is N.Lookup:
            stack.extend((x, note) for x in (node.no, node.yes, node.source, node.key))
        elif t is N.Filter:
            stack.extend(((node.cond, ' inside "filter" item' + note), (node.list, note)))
        elif t is N.Simple or t is N.Nested:
            stack.extend((a, note) for a in reversed(node.args))
        elif t is N.Not:
            stack.append((node.cond, note))
        elif t is N.AndOr:
            inner = f' inside "{node.op}{{...}}" condition' + note
            stack.extend((c, inner) for c in reversed(node.conds))
        elif t is N.ForAll:
            stack.extend(((node.cond, f' inside "{node.name}" condition' + note), (node.list, note)))


# ---- purity: a string whose value depends on nothing but its own text

_PURE_ITEMS = frozenset({"substr", "length", "hash", "nhash", "tr", "sg", "extract", "listextract",
                         "map", "filter", "reduce", "sort"})
_PURE_CONDS = frozenset({"<", "<=", "=", "==", ">", ">=", "bool", "bool_lax", "eq", "eqi", "ge", "gei",
                         "gt", "gti", "inlist", "inlisti", "isip", "isip4", "isip6", "le", "lei", "lt",
                         "lti", "match"})
# the items that bind $item (and, for reduce, $value) in their later arguments
_BINDS = {"map": ("item",), "filter": ("item",), "sort": ("item",), "reduce": ("item", "value")}


# List conditions whose answer depends on nothing but their strings when the list
# is written out in full and holds only items of these shapes (no named list,
# lookup, file, "@" form, regular expression or expansion). Their matching
# writes trace lines when tracing is on: such a string is kept only without.
_IP_ITEM = re.compile(r"!?(?:\*|[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?:/[0-9]{1,2})?"
                      r"|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:/[0-9]{1,3})?)")
_LIST_ITEMS = {
    "match_domain": re.compile(r"!?\*?[A-Za-z0-9._-]*"),
    "match_ip": _IP_ITEM,
}
MAX_LIST_ITEMS = 64  # longer lists are not examined


def _plain_list(arg: Any, item: re.Pattern[str]) -> bool:
    parts = arg.parts if type(arg) is N.Expansion else None
    if parts is None or len(parts) > 1 or (parts and type(parts[0]) is not N.Text):
        return False
    items = list(islice(iter_list(parts[0].value if parts else ""), MAX_LIST_ITEMS + 1))
    return len(items) <= MAX_LIST_ITEMS and all(item.fullmatch(x) for x in items)


PURE, PURE_UNTRACED = 1, 2


def is_pure(root: Any, reg: Any) -> bool:
    """Whether ``root`` reads no variable, header, file, lookup or clock, so that
    its value can be kept for the context (``registry`` decides the operators)."""
    return purity(root, reg) != 0


def purity(root: Any, reg: Any) -> int:
    """0 if ``root`` reads a variable, header, file, lookup or clock; PURE if its
    value can be kept for the context; PURE_UNTRACED if so only while list
    matching is not traced (``registry`` decides the operators)."""
    from acl.expansion.compiler import resolve_operator

    kind = PURE
    stack: list[tuple[Any, frozenset[str]]] = [(root, frozenset())]
    for _ in range(1_000_000):
        if not stack:
            return kind
        node, bound = stack.pop()
        t = type(node)
        if node is None or t is N.Text:
            continue
        if t is N.Expansion:
            stack.extend((p, bound) for p in node.parts)
        elif t is N.Var:
            if node.name not in bound:
                return 0
        elif t is N.Operator:
            found = resolve_operator(reg, node.name)
            if found is None or found[0] is None or not found[0].pure:
                return 0
            stack.append((node.subject, bound))
        elif t is N.Item:
            if node.name not in _PURE_ITEMS:
                return 0
            inner = bound | frozenset(_BINDS.get(node.name, ()))
            stack.extend((a, bound if i == 0 else inner) for i, a in enumerate(node.args))
        elif t is N.If:
            stack.extend(((node.cond, bound), (node.yes, bound), (node.no, bound)))
        elif t is N.Filter:
            stack.extend(((node.list, bound), (node.cond, bound | {"item"})))
        elif t is N.Simple:
            if node.name not in _PURE_CONDS:
                item = _LIST_ITEMS.get(node.name)
                if item is None or len(node.args) != 2 or not _plain_list(node.args[1], item):
                    return 0
                kind = PURE_UNTRACED
            stack.extend((a, bound) for a in node.args)
        elif t is N.Not:
            stack.append((node.cond, bound))
        elif t is N.AndOr:
            stack.extend((c, bound) for c in node.conds)
        elif t is N.ForAll:
            stack.extend(((node.list, bound), (node.cond, bound | {"item"})))
        else:  # headers, captures, lookups, def:, acl/saslauthd
            return 0
    return 0
