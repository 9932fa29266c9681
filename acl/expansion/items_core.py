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
from acl.expansion.static_check import StaticCheck
from acl.expansion.syntax import COND_ARGS
from acl.runtime import regex as rx
from acl.runtime.values import TaintedStr, join, like


class Arg:
    """One brace argument, compiled but not expanded (the ItemArg protocol)."""

    __slots__ = ("raw", "span", "_fn", "skip")

    def __init__(self, e: N.Expansion) -> None:
        self.raw = e.raw
        self.span = e.span
        self._fn = compile_arg(e)
        self.skip = StaticCheck(e)  # call when Exim would read it without evaluating

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
            if no is not None:
                no.skip(ctx)
            if yes is None:
                return value or ""
            return R.bound(ctx, "value", value or "", yes.expand)  # type: ignore[no-any-return]
        if yes is not None:
            yes.skip(ctx)
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


def is_item(ctx: Any, name: str) -> bool:
    return name in _BUILTIN or name in ctx.registry.items


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

_STRTOL = re.compile(r"[ \t\n\r\f\v]*([+-]?)(\d*)")


def _item_number(text: str, positive: bool, name: str) -> int:
    """A number argument read as Exim does (strtol, then a C int): leading white
    space and a sign allowed, nothing after the digits."""
    m = _STRTOL.match(text)
    assert m is not None
    v = None
    if text == "" or (m.group(2) and m.end() == len(text)):
        v = int(m.group(1) + m.group(2)) if m.group(2) else 0
        v = max(-(1 << 63), min((1 << 63) - 1, v))
        v = (v + (1 << 31)) % (1 << 32) - (1 << 31)  # the cast to a C int
    if v is None or (positive and v < 0):
        kind = " positive" if positive else ""
        raise ExpansionError(f'"{text}" is not a{kind} number (in "{name}" expansion)')
    return v


def _via_operator(name: str) -> Impl:
    def impl(ctx: Any, call: Call) -> str:
        vals = [a.expand(ctx) for a in call.args]
        subject, params = vals[-1], vals[:-1]
        # length's one number is Exim's second ("positive") one
        first = 1 if name == "length" else 0
        nums = [str(_item_number(p, i + first > 0, name)) for i, p in enumerate(params)]
        spec = ctx.registry.operators.get(name)
        if spec is None:
            raise call.error(f'unknown expansion operator "{name}"')
        r = spec.func(ctx, subject, *nums) if spec.ctx else spec.func(subject, *nums)
        return like(r, subject)

    return impl


for _name, _lo, _hi in (("substr", 2, 3), ("length", 2, 2), ("hash", 2, 3), ("nhash", 2, 3)):
    _builtin(_name, _lo, _hi)(_via_operator(_name))


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _text(b: bytes, *sources: str) -> str:
    return like(b.decode("utf-8", "surrogateescape"), *sources)


@_builtin("tr", 3, 3)
def _tr(ctx: Any, call: Call) -> str:
    subject, frm, to = (a.expand(ctx) for a in call.args)
    if not to:
        return subject
    src, dst = _bytes(frm), _bytes(to)
    table = bytes(range(256))
    for i, ch in enumerate(src):  # byte by byte, as Exim; a later duplicate wins
        table = table[:ch] + bytes([dst[i] if i < len(dst) else dst[-1]]) + table[ch + 1:]
    return _text(_bytes(subject).translate(table), subject)


@_builtin("sg", 3, 3)
def _sg(ctx: Any, call: Call) -> str:
    from acl.expansion import compile_expansion

    subject, pattern, sub = (a.expand(ctx) for a in call.args)
    pat = rx.compile_regex(pattern)
    insert = compile_expansion(sub)
    out: list[str] = []
    saved = R.saved_captures(ctx)
    try:
        _sg_loop(ctx, pat, insert, subject, out, pattern)
    finally:
        R.restore_captures(ctx, saved)
    return like(join(out), subject)


def _sg_loop(ctx: Any, pat: Any, insert: Any, subject: str, out: list[str], pattern: str) -> None:
    """Global substitution as Exim (PCRE) does it: after an empty match, a
    non-empty match is tried at the same place before moving on one character."""
    pos = 0
    n = len(subject)
    nonempty: Any = None
    m = _search_from(pat, subject, pos, ctx)
    for _ in range(2 * n + 2):
        if m is None:
            break
        out.append(subject[pos:m.start()])
        rx.set_captures(ctx, m)
        out.append(insert(ctx))
        pos = m.end()
        if m.end() > m.start():
            m = _search_from(pat, subject, pos, ctx)
            continue
        if nonempty is None:
            nonempty = rx.compile_regex("(?:" + pattern + ")(?<=\\G[\\s\\S]+)")
        try:
            m = nonempty.match(subject, pos, timeout=ctx.limits.regex_timeout)
        except TimeoutError:
            raise ExpansionError(f'regular expression "{pat.pattern}" took too long to match') from None
        if m is None or m.end() == pos:
            if pos >= n:
                break
            out.append(subject[pos])
            pos += 1
            m = _search_from(pat, subject, pos, ctx)
    out.append(subject[pos:])


def _search_from(pat: Any, subject: str, pos: int, ctx: Any) -> Any:
    try:
        return pat.search(subject, pos, timeout=ctx.limits.regex_timeout)
    except TimeoutError:
        raise ExpansionError(f'regular expression "{pat.pattern}" took too long to match') from None


# ---- extract, listextract

_FIELD_NUMBER = re.compile(r"\s*-?\d+\s*\Z")


@_builtin("extract", 2, 5)
def _extract(ctx: Any, call: Call) -> str:
    first = call.args[0].expand(ctx)
    words = call.words
    if words and words[0] in ("json", "jsons"):
        return _extract_json(ctx, call, first, words[0] == "jsons")
    if _FIELD_NUMBER.match(first):
        if len(call.args) < 3:
            raise call.error("missing '{' for arg 3 of extract")
        seps = call.args[1].expand(ctx)
        subject = call.args[2].expand(ctx)
        found, value = _field(subject, int(first), seps)
        return call.yes_no(ctx, found, value, 3)
    if not first:
        raise call.error('first argument of "extract" must not be empty')
    if len(call.args) > 4:
        raise call.error("curly-bracket problem in conditional yes/no parsing: did not close with '}'\n"
                         f" remaining string is '{{{call.args[4].raw}}}}}'")
    subject = call.args[1].expand(ctx)
    value = _getkeyed(first, subject)
    return call.yes_no(ctx, value is not None, value, 2)


def _field(subject: str, n: int, seps: str) -> tuple[bool, str]:
    """Field ``n`` of ``subject`` split at any of the separator bytes; 0 is the
    whole string, negative numbers count from the end."""
    if n == 0:
        return True, subject
    data = _bytes(subject)
    fields = re.split(b"[" + re.escape(_bytes(seps)) + b"]", data) if seps else [data]
    if 0 < n <= len(fields) or (n < 0 and -n <= len(fields)):
        return True, _text(fields[n - 1 if n > 0 else n], subject)
    return False, ""


_C_ESCAPE = re.compile(r"\\(?:[0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)", re.S)
_C_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "a": "\a"}


def _dequote(s: str, i: int) -> tuple[str, int]:
    """Exim's string_dequote(): a quoted string with backslash escapes, or a run
    of non-space characters."""
    n = len(s)
    out: list[str] = []
    if i < n and s[i] == '"':
        i += 1
        while i < n and s[i] != '"':
            m = _C_ESCAPE.match(s, i) if s[i] == "\\" else None
            if m is not None:
                e = m.group()[1:]
                if e[0] in "01234567":
                    out.append(chr(int(e, 8) & 0xFF))
                elif e[0] == "x" and len(e) > 1:
                    out.append(chr(int(e[1:], 16)))
                else:
                    out.append(_C_ESCAPES.get(e, e))
                i = m.end()
            else:
                out.append(s[i])
                i += 1
        return "".join(out), min(i + 1, n)
    j = i
    while j < n and not s[j].isspace():
        j += 1
    return s[i:j], j


def _getkeyed(key: str, s: str) -> str | None:
    """Exim's expand_getkeyed(): the value of ``key=value`` in ``s``."""
    n = len(s)
    i = 0
    while i < n and s[i].isspace():
        i += 1
    for _ in range(n + 1):
        if i >= n:
            break
        start = i
        while i < n and s[i] != "=" and not s[i].isspace():
            i += 1
        dkey = s[start:i]
        while i < n and s[i].isspace():
            i += 1
        if i < n and s[i] == "=":
            i += 1
            while i < n and s[i].isspace():
                i += 1
        data, i = _dequote(s, i)
        if dkey.lower() == key.lower():
            return like(data, s)
        while i < n and s[i].isspace():
            i += 1
    return None


def _extract_json(ctx: Any, call: Call, first: str, dequote: bool) -> str:
    from acl.expansion import json_raw

    subject = call.args[1].expand(ctx)
    value: str | None
    if _FIELD_NUMBER.match(first):
        n = int(first)
        if n <= 0:
            raise call.error('first argument of "extract" must be greater than zero')
        inside = json_raw.dewrap(subject, "[]")
        if inside is None:
            raise call.error("missing '[' wrapping array for extract json")
        items = json_raw.elements(inside)
        value = items[n - 1].rstrip(" \t\n\r\f\v") if n <= len(items) else None
    else:
        inside = json_raw.dewrap(subject, "{}")
        if inside is None:
            raise call.error("missing '{' wrapping object for extract json")
        value = json_raw.member(inside, first)
    if value is not None and dequote:
        value = json_raw.dewrap(value, '""')
        if value is None:
            raise call.error("missing '\"' wrapping string result for extract jsons")
    return call.yes_no(ctx, value is not None, like(value, subject) if value is not None else None, 2)


_LISTEXTRACT_NUMBER = re.compile(r"\s*(-?\d*)\s*\Z")


def listextract_index_error(text: str) -> str | None:
    """Exim's complaint about the first argument of listextract, if any (it is
    checked before the other arguments are read)."""
    if not text.strip():
        return 'first argument of "listextract" must not be empty'
    if _LISTEXTRACT_NUMBER.match(text) is None:
        return 'first argument of "listextract" must be numeric'
    return None


@_builtin("listextract", 2, 4)
def _listextract(ctx: Any, call: Call) -> str:
    n_text = call.args[0].expand(ctx)
    bad = listextract_index_error(n_text)
    if bad is not None:
        raise call.error(bad)
    items = R.list_items(ctx, call.args[1].expand(ctx))
    digits = _LISTEXTRACT_NUMBER.match(n_text).group(1)  # type: ignore[union-attr]
    n = int(digits) if digits not in ("", "-") else 0  # a lone "-" reads as 0, as strtol
    if n < 0:  # from the end; further back than the first gives the first, as Exim
        n = max(n + len(items) + 1, 1) if n + len(items) + 1 != 0 else 0
    found = 1 <= n <= len(items)
    return call.yes_no(ctx, found, items[n - 1] if found else None, 2)


# ---- map, reduce, sort, filter


def _inside(name: str, f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``f``, with Exim's note of the item added to its errors."""

    def run(ctx: Any) -> Any:
        try:
            return f(ctx)
        except ExpansionError as exc:
            raise type(exc)(f'{exc.message} inside "{name}" item', exc.span) from None

    return run


@_builtin("map", 2, 2)
def _map(ctx: Any, call: Call) -> str:
    text = call.args[0].expand(ctx)
    sep = R.list_sep(text)
    _inside("map", call.args[1].skip)(ctx)
    body = _inside("map", call.args[1].expand)
    out = [R.bound(ctx, "item", it, body) for it in R.list_items(ctx, text)]
    return R.list_join(out, sep)


@_builtin("reduce", 3, 3)
def _reduce(ctx: Any, call: Call) -> str:
    items = R.list_items(ctx, call.args[0].expand(ctx))
    value = call.args[1].expand(ctx)
    _inside("reduce", call.args[2].skip)(ctx)
    body = _inside("reduce", call.args[2].expand)
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


# the conditions ${sort} accepts: Exim's numeric and string orderings
_SORT_COMPARATORS = frozenset({"<", "<=", ">", ">=", "lt", "le", "gt", "ge", "lti", "lei", "gti", "gei"})


@_builtin("sort", 3, 3)
def _sort(ctx: Any, call: Call) -> str:
    import functools


    text = call.args[0].expand(ctx)
    cmp_name = call.args[1].expand(ctx)
    if cmp_name not in _SORT_COMPARATORS:
        if COND_ARGS.get(cmp_name) is None:
            raise call.error("")  # Exim's message is empty here
        raise call.error("comparator not handled for sort")
    spec = ctx.registry.conditions.get(cmp_name)
    if spec is None:
        raise call.error(f'unknown condition "{cmp_name}"')
    call.args[2].skip(ctx)  # Exim names no "sort" item in errors of the extractor
    extract = call.args[2].expand
    items = R.list_items(ctx, text)
    keys = [R.bound(ctx, "item", it, extract) for it in items]

    def less(x: str, y: str) -> bool:
        try:
            return bool(spec.func(ctx, x, y))
        except ExpansionError:  # Exim's sort takes a failed comparison as "no"
            return False

    def cmp(a: tuple[str, str], b: tuple[str, str]) -> int:
        if less(a[0], b[0]):
            return -1
        if less(b[0], a[0]):
            return 1
        return 0

    pairs = sorted(zip(keys, items), key=functools.cmp_to_key(cmp))
    return R.list_join([it for _, it in pairs], R.list_sep(text))


def compile_filter(node: N.Filter) -> Fn:
    lst = compile_arg(node.list)
    cond = _inside("filter", compile_condition_fn(node.cond))
    skip = _inside("filter", StaticCheck(node.cond))

    def run(ctx: Any) -> str:
        text = lst(ctx)  # type: ignore[misc]
        skip(ctx)
        keep = [it for it in R.list_items(ctx, text) if R.bound(ctx, "item", it, cond)]
        return R.list_join(keep, R.list_sep(text))

    return run


__all__ = ["compile_item", "compile_filter", "Call", "Arg", "TaintedStr"]
