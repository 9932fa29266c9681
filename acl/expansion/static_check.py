"""Errors Exim finds in text it reads without evaluating it (the branch of an
``${if}`` not taken, a map body over an empty list, the subconditions after an
``and`` has failed): names of variables, operators and items are checked as it
reads. :class:`StaticCheck` walks such a subtree in text order."""

from __future__ import annotations

from typing import Any, Iterator

from acl.errors import ExpansionError
from acl.expansion import nodes as N
from acl.expansion import runtime as R


class StaticCheck:
    """Raises the first name error in ``node``; remembers the registries it has
    passed (a registry only ever gains names)."""

    __slots__ = ("node", "passed")

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


def _errors(root: Any, ctx: Any) -> Iterator[ExpansionError]:
    from acl.expansion.compiler import resolve_operator
    from acl.expansion.items_core import is_item

    stack = [root]
    for _ in range(1_000_000):  # bounded: nodes are finite, this is a guard
        if not stack:
            return
        node = stack.pop()
        if node is None:
            continue
        t = type(node)
        if t is N.Expansion:
            stack.extend(reversed(node.parts))
        elif t is N.Var:
            if not R.known_variable(ctx, node.name):
                yield ExpansionError(R.unknown_variable(node.name, node.braced), node.span)
        elif t is N.Operator:
            if resolve_operator(ctx.registry, node.name) is None:
                yield ExpansionError(f'unknown expansion operator "{node.name}"', node.span)
            stack.append(node.subject)
        elif t is N.Item:
            if not is_item(ctx, node.name):
                yield ExpansionError(f'"${{{node.name}" is not a known operator (or a }} is missing in a '
                                     "variable reference)", node.span)
            stack.extend(reversed(node.args))
        elif t is N.If:
            stack.extend((node.no, node.yes, node.cond))
        elif t is N.Lookup:
            stack.extend((node.no, node.yes, node.source, node.key))
        elif t is N.Filter:
            stack.extend((node.cond, node.list))
        elif t is N.Simple or t is N.Nested:
            stack.extend(reversed(node.args))
        elif t is N.Not:
            stack.append(node.cond)
        elif t is N.AndOr:
            stack.extend(reversed(node.conds))
        elif t is N.ForAll:
            stack.extend((node.cond, node.list))
