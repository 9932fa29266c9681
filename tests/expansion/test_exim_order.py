"""Exim reads and evaluates in one pass: errors in the text before a syntax
error, names in text it only reads, and per-item syntax messages. Expected texts
recorded from exim -be (Exim 4.96)."""

from __future__ import annotations

import pytest

from acl.errors import ExpansionError
from acl.expansion import expand


@pytest.mark.parametrize(
    "text, message",
    [
        # an error before the syntax error wins
        ("${if eq{$x", 'unknown variable name "x"'),
        ("${lc:$x}${", 'unknown variable name "x"'),
        ("$x ${if", 'unknown variable name "x"'),
        ("${if eq{a}{b}{$x}{$y}", 'unknown variable name "x"'),
        ("${if and{{eq{$x}{a}", 'unknown variable name "x" inside "and{...}" condition'),
        ("${map{a:b}{$x}", 'unknown variable name "x" inside "map" item'),
        ("${if def:x{", 'unknown variable "x" after "def:"'),
        ("${readfile}${", "Not enough arguments for 'readfile' (min is 1)"),
        # names in text that is read but not evaluated
        ("${if eq{a}{b}{$x}{n}}", 'unknown variable name "x"'),
        ("${if eq{a}{b}{${foo:a}}{n}}", 'unknown expansion operator "foo"'),
        ("${if eq{a}{a}{yes}{${bogus}}}", 'unknown variable in "${bogus}"'),
        ("${map{}{$x}}", 'unknown variable name "x" inside "map" item'),
        ("${if or{{eq{a}{a}}{eq{$x}{a}}}}", 'unknown variable name "x" inside "or{...}" condition'),
        # per-item syntax
        ("${sg{a}}", "Not enough arguments for 'sg' (min is 3)"),
        ("${sg:x}", "Not enough arguments for 'sg' (min is 3)"),
        ("${length{a}{b}{c}}", "Too many arguments for 'length' (max is 2)"),
        ("${hash{a}{b}x}", "missing '}' after 'hash'"),
        ("${extract{a}}", "missing '{' for arg 2 of extract"),
        ("${extract{1}{:}}", "missing '{' for arg 3 of extract"),
        ("${extract json x}", "missing '{' for arg 1 of extract"),
        ("${map{a}}", "missing '{' for last arg of map"),
        ("${map{a}{b}{c}}", 'missing } at end of "map"'),
        ("${reduce{a}x}", "missing '{' for second arg of reduce"),
        ("${sort{a}{<}x}", "missing '{' for extractor arg of sort"),
        ("${run}", "missing '{' for command arg of run"),
        ("${env{a}{b}x}", 'syntax error in "env" item - "fail" expected'),
        ("${filter{a}{eq{a}{a}}", 'missing } at end of "filter"'),
        ("${filter{a:b}{true}}", 'unknown condition "true" inside "filter" item'),
        # conditions
        ("${if :abcdefghijklmnopqrstuvwxyz}", 'condition name expected, but found ":abcdefghijklmno"'),
        ("${if def}", '":" expected after "def"'),
        ("${if def:h_subject}", "missing or misplaced { or } - could be header name not terminated by colon"),
        ("${if and{{eq{a}{a}}x", 'each subcondition inside an "and{...}" condition must be in its own {}'),
        ("${if and{{eq{a}{a}", 'missing } at end of condition inside "and" group'),
        ("${if or{{eq{a}{a}}{eq{a}}}{y}{n}}", 'missing 2nd string in {} after "eq" inside "or{...}" condition'),
        ("${if forall{a}{eq{a}{a}", 'missing } at end of condition inside "forall"'),
        ("${if forall{a}{eq{a}{a}}{y}", 'syntax error in "if" item - "fail" expected'),
        ("${if forall{a:b}{match{$item}{^[ab]$}}}", '$ not followed by letter, digit, or { inside "forall" condition'),
        ("${lookup:x}", "missing lookup type"),
        ("a ${1", "} expected after number"),
        ("$acl_x", 'unknown variable name "acl_x" (user-defined ACL variables must start acl_c or acl_m)'),
        ("$acl_cfoo", 'unknown variable name "acl_cfoo" (6th character of a user-defined ACL variable must be'
                      " a digit or underscore)"),
    ],
)
def test_errors_in_exim_order(ctx: object, text: str, message: str) -> None:
    with pytest.raises(ExpansionError) as ei:
        expand(text, ctx)
    assert ei.value.message == message


@pytest.mark.parametrize(
    "text, result",
    [
        ("${map{a:b:c}{}}", ": : "),
        ("${map{:b}{$item}}", ":b"),
        ("${map{<\\n a\\nb }{[$item]}}", "[a]\n[b]"),
        ("${if forall{}{eq{$item}{x}}{y}{n}}", "n"),
        ("${listextract{-5}{a:b:c}}", "a"),
        ("${listextract{-4}{a:b:c}}", ""),
        ("${extract{ 2 }{:}{a:b:c}}", "b"),
        ("${extract{a}{ a = \"x y\" b=2}}", "x y"),
        ("${extract{b}{a=1 b}}", ""),
        ("${extract{q}{q=\"a\\\\b\"}}", "a\b"),
        ("${tr{café}{é}{e}}", "cafee"),
        ("${sg{abc}{(b)}{$1}}$1", "ac"),
        ("${if match{abc}{(b)}{${if match{xyz}{(y)}{$1}}$1}}", "yb"),
        ("$acl_m_|$acl_c|$acl_m9x|$r_x", "|||"),
        ("a\\0b", "a"),
        ("\\777", "\udcff"),
        # empty matches: a non-empty match is tried at the same place first (PCRE)
        ("${sg{aaa}{a*?}{-}}", "-------"),
        ("${sg{abc}{x*}{-}}", "-a-b-c-"),
        ("${sg{abc}{b*}{<$0>}}", "<>a<><>c<>"),
        # JSON is scanned, not decoded: raw values, first of repeated keys
        ("${extract json{a}{\\{\"a\":[1, 2]\\}}}", "[1, 2]"),
        ("${extract json{a}{\\{\"a\":1.50\\}}}", "1.50"),
        ("${extract json{a}{\\{\"a\":1, \"a\":2\\}}}", "1"),
        ("${extract jsons{a}{\\{\"a\":\"x\\\\\"y\"\\}}}", 'x\\"y'),
        ("${extract json{2}{[1, \"b\" , 3]}}", '"b"'),
        ("${if forany_json{[ 1 , \"x y\" ]}{eq{$item}{\"x y\"}}{y}{n}}", "n"),
        ("${if forall_jsons{[\"a\",\"b\"]}{eq{$item}{a}}{y}{n}}", "n"),
        # a comparison that fails counts as "not less" in sort
        ("${sort{b:a}{lt}{$item}}", "a:b"),
    ],
)
def test_results_as_exim(ctx: object, text: str, result: str) -> None:
    assert expand(text, ctx) == result

