"""Generic ``${name{arg}...}`` items: the list and string items that belong to the
evaluator (substr, length, hash, nhash, tr, sg, extract, listextract, map,
filter, reduce, sort) and the dispatch of all others through
``ctx.registry.items`` with an :class:`ItemCall`."""

from __future__ import annotations

import re
from typing import Any, Callable

from acl.errors import ExpansionError, ForcedFail
from acl.expansion import nodes as N
from acl.expansion import runtime as R
from acl.expansion.compiler import Fn, compile_arg, compile_condition_fn
from acl.runtime import regex as rx
from acl.runtime.values import TaintedStr, join, like


class Arg:
    """One brace argument, compiled but not expanded (the ItemArg protocol)."""

    __slots__ = ("raw", "span", "_fn")

    def __init__(self, e: N.Expansion) -> None:
        self.raw = e.raw
        self.span = e.span
        self._fn = compile_arg(e)

    def expand(self, ctx: Any) -> str:
        return self._fn(ctx)  # type: ignore[misc]


class Call:
    """The ItemCall handed to registry items."""

    __slots__ = ("name", "options", "words", "args", "fail", "span")

    def __init__(self, node: N.Item, args: list[Arg]) -> None:
        self.name = node.name
        self.options = list(node.options)
        self.words = list(node.words)
        self.args = args
        self.fail = node.fail
        self.span = node.span

    def yes_no(self, ctx: Any, found: bool, value: str | None, first: int) -> str:
        args = self.args
        yes = args[first] if len(args) > first else None
        no = args[first + 1] if len(args) > first + 1 else None
        if found:
            if yes is None:
                return value or ""
            return R.bound(ctx, "value", value or "", yes.expand)  # type: ignore[no-any-return]
        if self.fail:
            raise ForcedFail(f'"{self.name}" failed and "fail" requested', self.span)
        return no.expand(ctx) if no is not None else ""

    def error(self, message: str) -> ExpansionError:
        return ExpansionError(message, self.span)


Impl = Callable[[Any, Call], str]
_BUILTIN: dict[str, tuple[Impl, int, int]] = {}


def _builtin(name: str, lo: int, hi: int) -> Callable[[Impl], Impl]:
    def deco(f: Impl) -> Impl:
        _BUILTIN[name] = (f, lo, hi)
        return f

    return deco


def _check_count(name: str, n: int, lo: int, hi: int, span: Any) -> None:
    if n < lo:
        raise ExpansionError(f"Not enough arguments for '{name}' (min is {lo})", span)
    if n > hi:
        raise ExpansionError(f"Too many arguments for '{name}' (max is {hi})", span)


def compile_item(node: N.Item) -> Fn:
    args = [Arg(a) for a in node.args]
    call = Call(node, args)
    name, span = node.name, node.span
    builtin = _BUILTIN.get(name)
    if builtin is not None:
        impl, lo, hi = builtin
        n = len(args)

        def run_builtin(ctx: Any) -> str:
            _check_count(name, n, lo, hi, span)
            return impl(ctx, call)

        return run_builtin

    def run(ctx: Any) -> str:
        spec = ctx.registry.items.get(name)
        if spec is None:
            raise ExpansionError(
                f'"${{{name}" is not a known operator (or a }} is missing in a variable reference)', span)
        _check_count(name, len(args), spec.args[0], spec.args[1], span)
        return spec.func(ctx, call)  # type: ignore[no-any-return]

    return run


# ---- substr, length, hash, nhash: the brace forms of the operators


def _via_operator(name: str) -> Impl:
    def impl(ctx: Any, call: Call) -> str:
        vals = [a.expand(ctx) for a in call.args]
        spec = ctx.registry.operators.get(name)
        if spec is None:
            raise call.error(f'unknown expansion operator "{name}"')
        subject, params = vals[-1], vals[:-1]
        r = spec.func(ctx, subject, *params) if spec.ctx else spec.func(subject, *params)
        return like(r, subject)

    return impl


for _name, _lo, _hi in (("substr", 2, 3), ("length", 2, 2), ("hash", 2, 3), ("nhash", 2, 3)):
    _builtin(_name, _lo, _hi)(_via_operator(_name))


@_builtin("tr", 3, 3)
def _tr(ctx: Any, call: Call) -> str:
    subject, frm, to = (a.expand(ctx) for a in call.args)
    if not to:
        return subject
    table = {}
    for i, ch in enumerate(frm):
        table[ord(ch)] = to[i] if i < len(to) else to[-1]
    return like(subject.translate(table), subject)


@_builtin("sg", 3, 3)
def _sg(ctx: Any, call: Call) -> str:
    from acl.expansion import compile_expansion

    subject, pattern, sub = (a.expand(ctx) for a in call.args)
    pat = rx.compile_regex(pattern)
    insert = compile_expansion(sub)
    out: list[str] = []
    pos = 0
    n = len(subject)
    for _ in range(n + 1):
        m = _search_from(pat, subject, pos, ctx)
        if m is None:
            break
        out.append(subject[pos:m.start()])
        rx.set_captures(ctx, m)
        out.append(insert(ctx))
        if m.end() == m.start():
            if m.end() >= n:
                pos = n
                break
            out.append(subject[m.end()])
            pos = m.end() + 1
        else:
            pos = m.end()
    out.append(subject[pos:])
    return like(join(out), subject)


def _search_from(pat: Any, subject: str, pos: int, ctx: Any) -> Any:
    try:
        return pat.search(subject, pos, timeout=ctx.limits.regex_timeout)
    except TimeoutError:
        raise ExpansionError(f'regular expression "{pat.pattern}" took too long to match') from None


# ---- extract, listextract

_NUMBER = re.compile(r"\s*-?\d+\s*\Z")


@_builtin("extract", 2, 5)
def _extract(ctx: Any, call: Call) -> str:
    first = call.args[0].expand(ctx)
    words = call.words
    if words and words[0] in ("json", "jsons"):
        return _extract_json(ctx, call, first, words[0] == "jsons")
    if _NUMBER.match(first):
        if len(call.args) < 3:
            raise call.error("Not enough arguments for 'extract' (min is 3)")
        seps = call.args[1].expand(ctx)
        subject = call.args[2].expand(ctx)
        found, value = _field(subject, int(first), seps)
        return call.yes_no(ctx, found, value, 3)
    if len(call.args) > 4:
        raise call.error("Too many arguments for 'extract' (max is 4)")
    subject = call.args[1].expand(ctx)
    found, value = _named(subject, first)
    return call.yes_no(ctx, found, value, 2)


def _field(subject: str, n: int, seps: str) -> tuple[bool, str]:
    fields = re.split("|".join(map(re.escape, seps)), subject) if seps else [subject]
    if n == 0:
        return True, subject
    if n > 0 and n <= len(fields):
        return True, like(fields[n - 1], subject)
    if n < 0 and -n <= len(fields):
        return True, like(fields[n], subject)
    return False, ""


_PAIR = re.compile(r'\s*([^\s=]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))')


def _named(subject: str, key: str) -> tuple[bool, str]:
    for m in _PAIR.finditer(subject):
        if m.group(1).lower() == key.lower():
            v = m.group(2)
            if v is not None:
                v = re.sub(r"\\(.)", r"\1", v)
            else:
                v = m.group(3)
            return True, like(v, subject)
    return False, ""


def _extract_json(ctx: Any, call: Call, first: str, dequote: bool) -> str:
    import json

    subject = call.args[1].expand(ctx)
    try:
        data = json.loads(subject)
    except ValueError:
        return call.yes_no(ctx, False, None, 2)
    found = False
    value: Any = None
    if _NUMBER.match(first) and isinstance(data, list):
        i = int(first)
        if 1 <= i <= len(data):
            found, value = True, data[i - 1]
    elif isinstance(data, dict) and first in data:
        found, value = True, data[first]
    text = None
    if found:
        text = value if dequote and isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        text = like(text, subject)
    return call.yes_no(ctx, found, text, 2)


@_builtin("listextract", 2, 4)
def _listextract(ctx: Any, call: Call) -> str:
    n_text = call.args[0].expand(ctx)
    if not _NUMBER.match(n_text):
        raise call.error(f'first argument of "listextract" must be an integer')
    items = R.list_items(ctx, call.args[1].expand(ctx))
    n = int(n_text)
    found = (1 <= n <= len(items)) or (n < 0 and -n <= len(items))
    value = items[n - 1 if n > 0 else n] if found else None
    return call.yes_no(ctx, found, value, 2)


# ---- map, reduce, sort, filter


@_builtin("map", 2, 2)
def _map(ctx: Any, call: Call) -> str:
    text = call.args[0].expand(ctx)
    sep = R.list_sep(text)
    body = call.args[1].expand
    out = [R.bound(ctx, "item", it, body) for it in R.list_items(ctx, text)]
    return R.list_join(out, sep)


@_builtin("reduce", 3, 3)
def _reduce(ctx: Any, call: Call) -> str:
    items = R.list_items(ctx, call.args[0].expand(ctx))
    value = call.args[1].expand(ctx)
    body = call.args[2].expand
    b = ctx.bindings
    saved = (b.get("item"), b.get("value"))
    try:
        for it in items:
            b["item"] = it
            b["value"] = value
            value = body(ctx)
    finally:
        for k, v in zip(("item", "value"), saved):
            if v is None:
                b.pop(k, None)
            else:
                b[k] = v
    return value


@_builtin("sort", 3, 3)
def _sort(ctx: Any, call: Call) -> str:
    import functools

    text = call.args[0].expand(ctx)
    cmp_name = call.args[1].expand(ctx).strip()
    spec = ctx.registry.conditions.get(cmp_name)
    if spec is None or spec.nargs != 2:
        raise call.error(f'bad comparator "{cmp_name}" in sort')
    extract = call.args[2].expand
    items = R.list_items(ctx, text)
    keys = [R.bound(ctx, "item", it, extract) for it in items]

    def cmp(a: tuple[str, str], b: tuple[str, str]) -> int:
        if spec.func(ctx, a[0], b[0]):
            return -1
        if spec.func(ctx, b[0], a[0]):
            return 1
        return 0

    pairs = sorted(zip(keys, items), key=functools.cmp_to_key(cmp))
    return R.list_join([it for _, it in pairs], R.list_sep(text))


def compile_filter(node: N.Filter) -> Fn:
    lst = compile_arg(node.list)
    cond = compile_condition_fn(node.cond)

    def run(ctx: Any) -> str:
        text = lst(ctx)  # type: ignore[misc]
        keep = [it for it in R.list_items(ctx, text) if R.bound(ctx, "item", it, cond)]
        return R.list_join(keep, R.list_sep(text))

    return run


__all__ = ["compile_item", "compile_filter", "Call", "Arg", "TaintedStr"]
