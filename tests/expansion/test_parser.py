"""Parser: tree shapes, positions, and Exim's syntax-error texts (recorded from
exim -be)."""

from __future__ import annotations

import pytest

from acl.errors import ExpansionSyntaxError
from acl.expansion import nodes as N
from acl.expansion import parse
from acl.source import Span


def test_literal_braces_at_top_level() -> None:
    assert parse("a}b{c").parts == (N.Text("a}b{c"),)


def test_escapes_and_protected_text() -> None:
    assert parse(r"\x41\101\q\N$a\N").parts == (N.Text("AAq$a"),)
    # bytes above 127 are surrogate escapes, written out as the byte (exim -be prints 0xff)
    assert parse(r"\0101|\777").parts == (N.Text("\b1|\udcff"),)


def test_header_and_numeric_variables() -> None:
    parts = parse("$h_Subject:x$rheader_to:${1}$2").parts
    assert parts == (N.Header("h", "Subject"), N.Text("x"), N.Header("rh", "to"), N.Capture(1), N.Capture(2))


def test_if_splits_condition_args_from_yes_no() -> None:
    (node,) = parse("${if eq {a} {b} {y}fail}").parts
    assert isinstance(node, N.If) and node.fail and node.no is None
    assert node.cond == N.Simple("eq", (N.Expansion((N.Text("a"),)), N.Expansion((N.Text("b"),))))


def test_lookup_type_and_item_options() -> None:
    (lk,) = parse("${lookup{k}partial2-lsearch*@,ret=key{/f}{$value}}").parts
    assert isinstance(lk, N.Lookup) and lk.type == "partial2-lsearch*@,ret=key"
    (it,) = parse("${run,preexpand{/bin/x}}").parts
    assert isinstance(it, N.Item) and it.options == ("preexpand",)
    (ex,) = parse("${extract json{a}{b}}").parts
    assert isinstance(ex, N.Item) and ex.words == ("json",)


def test_spans_follow_origin() -> None:
    (_, var) = parse("ab$x", origin=Span("f.conf", 10, 5)).parts
    assert var.span == Span("f.conf", 10, 7)
    with pytest.raises(ExpansionSyntaxError) as ei:
        parse("x\n${lc:a", origin=Span("f.conf", 3, 9))
    assert ei.value.span is not None and ei.value.span.line == 4


@pytest.mark.parametrize(
    "text, message",
    [
        ("${lc:abc", "missing } at end of string"),
        ("${if eq{a}{b}{x}", 'syntax error in "if" item - "fail" expected'),
        ("${if eq{a}{b}", "curly-bracket problem in conditional yes/no parsing: 'yes' part did not start"
                          " with '{'\n remaining string is ''"),
        ("${if eq{a}{a}{y}{n}{z}}", "curly-bracket problem in conditional yes/no parsing: did not close with"
                                    " '}'\n remaining string is '{z}}'"),
        ("${if foo{a}{b}}", 'unknown condition "foo"'),
        ("${if eq{a}}", 'missing 2nd string in {} after "eq"'),
        ("${if eq x}", 'missing { after "eq"'),
        ("${if}", 'condition name expected, but found "}"'),
        ("${if def:}", 'variable name omitted after "def:"'),
        ("${if and{x}}", 'each subcondition inside an "and{...}" condition must be in its own {}'),
        ("${if forall{a}}", 'missing { after "forall"'),
        ("${if forall{a}{x}}", 'unknown condition "x" inside "forall" condition'),
        ("${lookup{a}}", "missing lookup type"),
        ("${lookup x}", 'unknown lookup type "x}"'),
        ("${ if eq{a}{a}{y}}", "letter or digit expected after ${"),
        ("a$-b", "$ not followed by letter, digit, or {"),
        ("a\\", "\\ at end of string"),
        ("${lc }", '"${lc" is not a known operator (or a } is missing in a variable reference)'),
        ("${ab.c}", '"${ab" is not a known operator (or a } is missing in a variable reference)'),
    ],
)
def test_syntax_errors_match_exim(text: str, message: str) -> None:
    with pytest.raises(ExpansionSyntaxError) as ei:
        parse(text)
    assert ei.value.message == message


def test_deep_nesting_is_an_expansion_error() -> None:
    text = "${lc:" * 3000 + "x" + "}" * 3000
    with pytest.raises(ExpansionSyntaxError):
        parse(text)
