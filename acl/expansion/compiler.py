"""Syntax tree -> Python closures ``fn(ctx) -> str``. Constant text is folded,
names are resolved through ``ctx.registry`` at run time (the compiled form holds
no per-context state and is cached by string)."""

from __future__ import annotations

import atexit
import functools
from typing import Any, Callable

from acl.errors import ExpansionError, ExpansionSyntaxError, ForcedFail
from acl.expansion import nodes as N
from acl.expansion import runtime as R
from acl.expansion.parser import parse
from acl.expansion.prefix import first_error
from acl.expansion.static_check import StaticCheck
from acl.runtime.values import TaintedStr, join, like
from acl.source import Span

Fn = Callable[[Any], str]
CondFn = Callable[[Any], bool]
_ABBREV = {"l": "length", "s": "substr", "h": "hash", "nh": "nhash"}


_MEMO = "acl.expansion.memo"  # ctx.extra key: results of pure strings for this context
_MEMO_MAX = 4096
_TRACE = "lists.trace"  # ctx.extra key of acl.runtime.lists: list matching is traced


class Compiled:
    """A compiled expansion: call it with a context to get the string. A string
    evaluated a second time is checked for purity (no variables, files, clock...);
    a pure one's value is then kept in the context and reused."""

    __slots__ = ("text", "fn", "const", "tree", "calls", "pure_for", "untraced")

    def __init__(self, text: str, fn: Fn, const: str | None, tree: N.Expansion | bool | None = None) -> None:
        self.text = text
        self.fn = fn
        self.const = const
        self.tree = tree
        self.calls = 0
        self.pure_for: int | None = None  # id of the registry it was found pure with
        self.untraced = False  # pure only while list matching is not traced

    def __call__(self, ctx: Any) -> str:
        if self.pure_for is None:
            self.calls += 1
            if self.calls != 2 or self.tree is None:
                return self.fn(ctx)
            from acl.expansion.static_check import PURE_UNTRACED, purity

            tree = parse(self.text) if self.tree is True else self.tree
            kind = purity(tree, ctx.registry)
            self.pure_for = id(ctx.registry) if kind else 0
            self.untraced = kind == PURE_UNTRACED
        if self.pure_for != id(ctx.registry) or (self.untraced and _TRACE in ctx.extra):
            return self.fn(ctx)
        memo = ctx.extra.get(_MEMO)
        if memo is None:
            memo = ctx.extra[_MEMO] = {}
        hit = memo.get(self)
        if hit is None:
            hit = self.fn(ctx)
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            memo[self] = hit
        return hit


# ---- sequences


def _const(s: str) -> Fn:
    return lambda ctx: s


_EMPTY: Fn = lambda ctx: ""  # noqa: E731


def compile_seq(e: N.Expansion, nested: bool = False) -> tuple[Fn, str | None]:
    """Compile a sequence; returns the function and, if constant, the string.
    (The parser merges adjacent text, so a constant sequence is one Text.)"""
    parts = e.parts
    if not parts:
        return _EMPTY, ""
    if len(parts) == 1:
        p = parts[0]
        if type(p) is N.Text:
            v = p.value.partition("\0")[0]  # Exim's strings end at a NUL
            return _const(v), v
        f = compile_part(p)
        return (_nest(f) if nested else _limited(f)), None
    nul = False
    fns: list[Fn] = []
    for p in parts:
        if type(p) is N.Text:
            nul = nul or "\0" in p.value
            fns.append(_const(p.value))
        else:
            fns.append(compile_part(p))
    fn = _seq(tuple(fns))
    if nul:
        fn = _cut_at_nul(fn)
    return (_nest(fn) if nested else fn), None


def _cut_at_nul(f: Fn) -> Fn:
    def run(ctx: Any) -> str:
        out = f(ctx)
        return like(out.partition("\0")[0], out)

    return run


def _seq(fns_t: tuple[Fn, ...]) -> Fn:
    def seq(ctx: Any) -> str:
        parts = [f(ctx) for f in fns_t]
        out = "".join(parts)
        if len(out) > ctx.limits.max_length:
            raise ExpansionError(f"expansion result too long (more than {ctx.limits.max_length} characters)")
        for p in parts:
            if type(p) is TaintedStr:
                return TaintedStr(out)
        return out

    return seq


def _limited(f: Fn) -> Fn:
    def run(ctx: Any) -> str:
        out = f(ctx)
        if len(out) > ctx.limits.max_length:
            raise ExpansionError(f"expansion result too long (more than {ctx.limits.max_length} characters)")
        return out

    return run


def _nest(f: Fn) -> Fn:
    """Count nesting depth so that deep recursion is an ExpansionError."""

    def run(ctx: Any) -> str:
        d = ctx.depth + 1
        if d > ctx.limits.max_depth:
            raise ExpansionError(f"expansion nesting too deep (more than {ctx.limits.max_depth} levels)")
        ctx.depth = d
        try:
            return f(ctx)
        finally:
            ctx.depth = d - 1

    return run


def compile_arg(e: N.Expansion | None) -> Fn | None:
    if e is None:
        return None
    return compile_seq(e, nested=True)[0]


# ---- parts


def compile_part(p: N.Part) -> Fn:
    return _PART_COMPILERS[type(p)](p)


def _capture(p: N.Capture) -> Fn:
    key = str(p.number)
    return lambda ctx: ctx.bindings.get(key, "")


def _header(p: N.Header) -> Fn:
    kind, name = p.kind, p.name
    return lambda ctx: R.header(ctx, kind, name) or ""


def _item(p: N.Item) -> Fn:
    return _late.items_core.compile_item(p)


def _filter(p: N.Filter) -> Fn:
    return _late.items_core.compile_filter(p)


def _var(p: N.Var) -> Fn:
    name, span = p.name, p.span
    msg = R.unknown_variable(name, p.braced)
    if name in ("item", "value"):
        return lambda ctx: ctx.bindings.get(name, "")
    if R.ACL_VAR.match(name):
        return lambda ctx: ctx.acl_vars.get(name, "")
    other = R.other_variable

    def run(ctx: Any) -> str:
        v = other(ctx, name)
        if v is None:
            raise ExpansionError(msg, span)
        return v

    return run


def resolve_operator(reg: Any, name: str) -> tuple[Any, tuple[str, ...]] | None:
    """The registry entry and ``_N`` parameters for operator ``name`` (None:
    unknown). ``quote_<lookup>`` gives (None, (lookup, options))."""
    spec = reg.operators.get(name)
    if spec is not None:
        return spec, ()
    if name.startswith("quote_"):
        ltype, _, opts = name[6:].partition("_")
        return None, (ltype, opts)
    base, *rest = name.split("_")
    if not rest:
        return None
    spec = reg.operators.get(_ABBREV.get(base, base))
    if spec is None or not spec.params[0] <= len(rest) <= spec.params[1]:
        return None
    return spec, tuple(rest)


def _operator(p: N.Operator) -> Fn:
    name, span = p.name, p.span
    subj, const = compile_seq(p.subject, nested=True)
    folded: dict[int, str] = {}

    def run(ctx: Any) -> str:
        reg = ctx.registry
        if const is not None:
            hit = folded.get(id(reg))
            if hit is not None:
                return hit
        found = resolve_operator(reg, name)
        if found is None:
            raise ExpansionError(f'unknown expansion operator "{name}"', span)
        s = subj(ctx)
        spec, params = found
        if spec is None:
            from acl import lookups  # type: ignore[attr-defined]

            return like(lookups.quote(ctx, params[0], s, params[1] or None), s)
        try:
            r = spec.func(ctx, s, *params) if spec.ctx else spec.func(s, *params)
        except ExpansionError as exc:
            if params and f'"{spec.name}_' in exc.message:  # Exim quotes the name as written
                exc.message = exc.message.replace(f'"{spec.name}_' + "_".join(params), f'"{name}')
                exc.args = (exc.message,)
            raise
        r = like(r, s)
        if const is not None and spec.pure and type(r) is str:
            folded[id(reg)] = r
        return r

    return run


def _if(p: N.If) -> Fn:
    cond = compile_condition_fn(p.cond)
    yes, no, fail = compile_arg(p.yes), compile_arg(p.no), p.fail
    skip_yes, skip_no = StaticCheck(p.yes), StaticCheck(p.no)
    span = p.span

    def run(ctx: Any) -> str:
        saved = R.saved_captures(ctx)
        try:
            if cond(ctx):
                skip_no(ctx)
                return yes(ctx) if yes is not None else "true"
            skip_yes(ctx)
            if fail:
                raise ForcedFail('"if" failed and "fail" requested', span)
            return no(ctx) if no is not None else ""
        finally:
            R.restore_captures(ctx, saved)

    return run


def _lookup(p: N.Lookup) -> Fn:
    ltype, span = p.type, p.span
    key, source = compile_arg(p.key), compile_arg(p.source)
    yes, no, fail = compile_arg(p.yes), compile_arg(p.no), p.fail
    skip_yes, skip_no = StaticCheck(p.yes), StaticCheck(p.no)

    def run(ctx: Any) -> str:
        from acl import lookups  # type: ignore[attr-defined]

        k = key(ctx) if key is not None else None
        src = source(ctx)  # type: ignore[misc]
        value = lookups.lookup(ctx, ltype, k, src)
        if value is not None:
            skip_no(ctx)
            if yes is None:
                return value
            return R.bound(ctx, "value", value, yes)  # type: ignore[no-any-return]
        skip_yes(ctx)
        if fail:
            raise ForcedFail('"lookup" failed and "fail" requested', span)
        return no(ctx) if no is not None else ""

    return run


_PART_COMPILERS: dict[type, Callable[[Any], Fn]] = {
    N.Var: _var, N.Capture: _capture, N.Header: _header, N.Operator: _operator,
    N.If: _if, N.Lookup: _lookup, N.Item: _item, N.Filter: _filter,
}


# ---- conditions


def compile_condition_fn(c: N.Cond) -> CondFn:
    return _late.conditions_core.compile_condition(c)


class _Late:
    """The modules that import this one, reached once they exist (an import
    statement in each compiling function cost a lookup per node)."""

    def __getattr__(self, name: str) -> Any:
        import importlib

        module = importlib.import_module(f"acl.expansion.{name}")
        setattr(self, name, module)
        return module


_late = _Late()


# ---- public entry points


@functools.lru_cache(maxsize=65536)
def compile_expansion(text: str, origin: Span | None = None) -> Compiled:
    tree = parse(text, origin=origin)
    try:
        fn, const = compile_seq(tree)
    except RecursionError:
        raise ExpansionError("expansion nesting too deep") from None
    # The tree is parsed again if the string comes back (for the purity check):
    # kept, its dozens of objects would stay for the collector to walk.
    return Compiled(text, fn, const, True if const is None else None)


# Freed while the interpreter is still whole: left to the interpreter's own
# teardown, thousands of cached closures took about 90 us each to free.
atexit.register(compile_expansion.cache_clear)


def expand_text(text: str, ctx: Any, origin: Span | None = None) -> str:
    """``acl.expansion.expand`` past its literal-text shortcut."""
    try:
        compiled = compile_expansion(text, origin)
    except ExpansionSyntaxError as exc:
        first_error(exc, ctx)  # an error Exim meets in the text before this one
        raise
    return compiled(ctx)


def expand_fn(text: str) -> Fn:
    return compile_expansion(text).fn


__all__ = ["Compiled", "compile_expansion", "compile_seq", "compile_arg", "compile_condition_fn", "join"]
