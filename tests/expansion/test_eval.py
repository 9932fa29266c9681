"""Evaluation, with expected values recorded from exim -be / -bem."""

from __future__ import annotations

import pytest

from acl.errors import ExpansionError, ForcedFail
from acl.expansion import compile_expansion, eval_condition_text, expand
from acl.runtime.context import ExpansionContext, Limits
from acl.runtime.values import is_tainted


@pytest.mark.parametrize(
    "text, result",
    [
        ("${if eq{${lc:A}}{a}{yes}{no}}", "yes"),
        ("${if eq {a} {a} {y}{n}}", "y"),
        ("${if eq{a}{a}}", "true"),
        ("${if eq{a}{b}}", ""),
        ("${if !eq{a}{b}{y}}", "y"),
        ("${if and{{eq{a}{a}} {eq{b}{b}} }{y}{n}}", "y"),
        ("${if and {{eq{a}{a}}{eq{b}{c}}}{y}{n}}", "n"),
        ("${if and{}{y}{n}}", "y"),
        ("${if or{}{y}{n}}", "n"),
        ("${if forall{a:b}{eq{$item}{a}}{y}{n}}", "n"),
        ("${if forany{a:b}{eq{$item}{a}}{y}{n}}$item", "y"),
        ("${if eq{a}{a}{y}{n}}x}y", "yx}y"),
        ("${if match{abc}{(b)}{$1}{}}$1", "b"),  # captures end with the if
        ("${if def:h_to:{y}{n}}", "y"),
        ("${if def:h_nosuch:{y}{n}}", "n"),
        ("${if def:acl_m_x{y}{n}}", "n"),
        ("$acl_c0|$acl_m_x|${acl_c_foo}", "||"),
        ("$1|${1}|$value|$item", "|||"),
        ("${map{<, a,b}{x$item}}", "xa,xb"),
        ("${map{a::b:c}{<$item>}}", "<a::b>:<c>"),
        ("${map{a:b}{$item}}$item", "a:b"),
        ("${filter{a:b:c}{!eq{$item}{b}}}", "a:c"),
        ("${sort{c:a:b}{lt}{$item}}", "a:b:c"),
        ("${listextract{2}{a:b:c}}", "b"),
        ("${listextract{-1}{a:b:c}{<$value>}{no}}", "<c>"),
        ("${extract{b}{a=1 b=2}}", "2"),
        ("${extract{2}{,}{a,b,c}}", "b"),
        ("${tr{abc}{ab}{x}}", "xxc"),
        ("${sg{abcb}{b}{<\\$0>}}", "a<b>c<b>"),
        ("${substr{1}{2}{abcdef}}", "bc"),
        ("${substr_1_2:abcdef}", "bc"),
        ("${lc:a{b}", "a{b"),
        ("${reduce{a:b:c}{x}{$value$item}}", "xabc"),
        ("$h_subject:", "hello wörld"),
        ("$bh_subject:", "hello wörld"),
        ("$rh_subject:", " hello =?utf-8?q?w=C3=B6rld?=\n"),
        ("$h_to:", "a@b,\nc@d\n  e"),
        ("$lh_x-a:", " one:  two  "),
        ("$h_x-a:", "one\ntwo"),
        ("$rh_x-a:", " one\n  two  \n"),
        ("x$primary_hostname.y", "xmx.local.y"),
    ],
)
def test_expand_matches_exim(ctx: ExpansionContext, text: str, result: str) -> None:
    assert expand(text, ctx) == result


@pytest.mark.parametrize(
    "text, message",
    [
        ("$nosuch", 'unknown variable name "nosuch"'),
        ("${nosuch}", 'unknown variable in "${nosuch}"'),
        ("${nosuch:x}", 'unknown expansion operator "nosuch"'),
        ("${foo{a}}", '"${foo" is not a known operator (or a } is missing in a variable reference)'),
        ("${if def:nosuch{y}{n}}", 'unknown variable "nosuch" after "def:"'),
        ("${substr{a}}", "Not enough arguments for 'substr' (min is 2)"),
        ("${tr{a}{b}{c}{d}}", "Too many arguments for 'tr' (max is 3)"),
        ("${sg{a}{b}}", "Not enough arguments for 'sg' (min is 3)"),
    ],
)
def test_errors_match_exim(ctx: ExpansionContext, text: str, message: str) -> None:
    with pytest.raises(ExpansionError) as ei:
        expand(text, ctx)
    assert ei.value.message == message


def test_forced_failure(ctx: ExpansionContext) -> None:
    with pytest.raises(ForcedFail, match='"if" failed and "fail" requested'):
        expand("${if eq{a}{b}{y}fail}", ctx)
    with pytest.raises(ForcedFail, match='"extract" failed and "fail" requested'):
        expand("${extract{x}{a=1}{y}fail}", ctx)


def test_taint_propagates(ctx: ExpansionContext) -> None:
    assert not is_tainted(expand("abc${lc:X}", ctx))
    assert is_tainted(expand("abc${lc:$sender_host_name}", ctx))
    assert expand("<$sender_host_name>", ctx) == "<Remote.Example>"
    assert is_tainted(expand("$h_subject:", ctx))
    assert is_tainted(expand("${map{$sender_host_name}{$item}}", ctx))


def test_limits(ctx: ExpansionContext) -> None:
    ctx.limits = Limits(max_depth=5, max_length=10)
    with pytest.raises(ExpansionError, match="too deep"):
        expand("${lc:" * 8 + "x" + "}" * 8, ctx)
    with pytest.raises(ExpansionError, match="too long"):
        expand("${map{a:b:c:d:e:f}{$item$item}}xx", ctx)


def test_cache_returns_same_compiled_object() -> None:
    a = compile_expansion("${lc:cached}")
    assert compile_expansion("${lc:cached}") is a


def test_eval_condition_text(ctx: ExpansionContext) -> None:
    assert eval_condition_text("eq{a}{a}", ctx) is True
    assert eval_condition_text("and{{eq{a}{a}}{eq{a}{b}}}", ctx) is False


def test_pure_strings_are_kept_per_context_and_impure_ones_are_not(ctx: ExpansionContext) -> None:
    pure = "${if eq{a}{a}{${map{x:y}{<${uc:$item}>}}}}"
    assert [expand(pure, ctx) for _ in range(3)] == ["<X>:<Y>"] * 3
    assert compile_expansion(pure).pure_for == id(ctx.registry)
    impure = "${lc:$sender_host_name}"
    assert expand(impure, ctx) == expand(impure, ctx) == "remote.example"
    ctx.variables["sender_host_name"] = "Other"
    assert expand(impure, ctx) == "other"
    assert compile_expansion(impure).pure_for == 0
