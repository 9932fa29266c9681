"""``${if}`` conditions: the combinators and special forms (``!``, ``def:``,
``and``, ``or``, ``forall``/``forany`` and their JSON variants) live here; every
other condition is dispatched through ``ctx.registry.conditions``."""

from __future__ import annotations

from typing import Any

from acl.errors import ExpansionError, ForcedFail
from acl.expansion import nodes as N
from acl.expansion import runtime as R
from acl.expansion.compiler import CondFn, compile_arg
from acl.expansion.static_check import StaticCheck
from acl.runtime.values import TaintedStr


def compile_condition(c: N.Cond) -> CondFn:
    if isinstance(c, N.Simple):
        return _simple(c.name, c.args, c.span)
    if isinstance(c, N.Nested):
        return _acl(c) if c.name == "acl" else _simple(c.name, c.args, c.span)
    if isinstance(c, N.Not):
        inner = compile_condition(c.cond)
        return lambda ctx: not inner(ctx)
    if isinstance(c, N.Def):
        return _def(c)
    if isinstance(c, N.AndOr):
        return _andor(c)
    if isinstance(c, N.ForAll):
        return _forall(c)
    raise AssertionError(c)  # pragma: no cover


_ACL_TRUE = frozenset({"accept", "ok"})
_ACL_FALSE = frozenset({"deny", "fail"})
_ACL_RC = {"defer": "DEFER", "error": "ERROR", "discard": "DISCARD", "drop": "FAIL_DROP",
           "fail_drop": "FAIL_DROP"}


def _acl(c: N.Nested) -> CondFn:
    """``acl {{name}{arg}...}``: true when the ACL accepts, false when it denies;
    its message becomes $value for the yes/no strings."""
    fns = tuple(compile_arg(a) for a in c.args)
    span = c.span

    def run(ctx: Any) -> bool:
        spec = ctx.registry.conditions.get("acl")
        subs = [f(ctx) for f in fns]  # type: ignore[misc]
        if spec is not None:
            return bool(spec.func(ctx, *subs))
        runner = ctx.acl_runner
        if runner is None:
            raise ExpansionError(f'cannot run ACL "{subs[0]}": no ACL engine is attached to this expansion', span)
        verb, message = runner(subs[0], subs[1:])
        verb = str(verb).lower()
        if verb in _ACL_TRUE or verb in _ACL_FALSE:
            ctx.bindings["value"] = message or ""
            return verb in _ACL_TRUE
        text = f'{_ACL_RC.get(verb, verb.upper())} from acl "{subs[0]}"'
        raise (ForcedFail if verb == "defer" else ExpansionError)(text, span)

    return run


def _andor(c: N.AndOr) -> CondFn:
    """Short-circuit as Exim: the subconditions after the deciding one are only
    read, and an error in one names the combinator."""
    suffix = f' inside "{c.op}{{...}}" condition'
    subs = tuple((compile_condition(x), StaticCheck(x)) for x in c.conds)
    stop_on = c.op == "or"

    def run(ctx: Any) -> bool:
        try:
            for i, (f, _) in enumerate(subs):
                if f(ctx) == stop_on:
                    for _, skip in subs[i + 1:]:
                        skip(ctx)
                    return stop_on
            return not stop_on
        except ExpansionError as exc:
            raise type(exc)(exc.message + suffix, exc.span) from None

    return run


def _simple(name: str, args: tuple[N.Expansion, ...], span: Any) -> CondFn:
    fns = tuple(compile_arg(a) for a in args)

    def run(ctx: Any) -> bool:
        spec = ctx.registry.conditions.get(name)
        if spec is None:
            raise ExpansionError(f'unknown condition "{name}"', span)
        values = [f(ctx) for f in fns]  # type: ignore[misc]
        return bool(spec.func(ctx, *values))

    return run


def _def(c: N.Def) -> CondFn:
    name, kind, span = c.name, c.header, c.span
    if kind is not None:
        return lambda ctx: R.header(ctx, kind, name, exists_only=True) is not None
    if name in ("item", "value"):
        return lambda ctx: ctx.bindings.get(name, "") != ""
    if R.ACL_VAR.match(name):
        return lambda ctx: ctx.acl_vars.get(name, "") != ""
    other = R.other_variable

    def run(ctx: Any) -> bool:
        v = other(ctx, name)
        if v is None:
            raise ExpansionError(f'unknown variable "{name}" after "def:"{R.unknown_hint(name)}', span)
        return v != ""

    return run


def json_items(text: str, dequote: bool, what: str) -> list[str]:
    """Elements of a JSON array as Exim scans them: raw text, or (``dequote``)
    the inside of each string."""
    from acl.expansion import json_raw

    inside = json_raw.dewrap(text, "[]")
    if inside is None:  # Exim 4.96 crashes here; an error is the safe answer
        raise ExpansionError(f"missing '[' wrapping array for {what}")
    out = json_raw.elements(inside)
    if dequote:
        strings = [json_raw.dewrap(x, '""') for x in out]
        if any(x is None for x in strings):
            raise ExpansionError("missing '\"' wrapping string result for extract jsons")
        out = strings  # type: ignore[assignment]
    if type(text) is TaintedStr:
        return [TaintedStr(x) for x in out]
    return out


def _forall(c: N.ForAll) -> CondFn:
    lst = compile_arg(c.list)
    inner = compile_condition(c.cond)
    skip = StaticCheck(c.cond)
    want_all = c.name.startswith("forall")
    json_mode = c.name.partition("_")[2]
    name = c.name
    suffix = f' inside "{name}" condition'

    def run(ctx: Any) -> bool:
        text = lst(ctx)  # type: ignore[misc]
        if json_mode:
            items = json_items(text, json_mode == "jsons", name)
        else:
            items = R.list_items(ctx, text)
        try:
            if not items:  # Exim: false over an empty list, forall included
                skip(ctx)
                return False
            for it in items:
                r = R.bound(ctx, "item", it, inner)
                if want_all and not r:
                    return False
                if not want_all and r:
                    return True
        except ExpansionError as exc:
            raise type(exc)(exc.message + suffix, exc.span) from None
        return want_all

    return run
