"""PCRE2 compatibility of acl.runtime.regex (texts checked with Exim 4.96)."""

from __future__ import annotations

import pytest

from acl.errors import ExpansionError
from acl.runtime.context import ExpansionContext
from acl.runtime.regex import compile_regex, search, set_captures

ERRORS = [
    ("(", "missing closing parenthesis at offset 1"),
    ("[", "missing terminating ] for character class at offset 1"),
    ("*", "quantifier does not follow a repeatable item at offset 0"),
    ("(?<", "subpattern name expected at offset 3"),
    ("\\", "\\ at end of pattern at offset 1"),
    ("a{2,1}", "numbers out of order in {} quantifier at offset 5"),
    (")", "unmatched closing parenthesis at offset 0"),
    ("a**", "quantifier does not follow a repeatable item at offset 2"),
    ("[z-a]", "range out of order in character class at offset 3"),
    ("(?P<n>a)(?P=n", "syntax error in subpattern name (missing terminator?) at offset 13"),
    ("\\k", "\\k is not followed by a braced, angle-bracketed, or quoted name at offset 2"),
    ("a{99999}", "number too big in {} quantifier at offset 7"),
    ("(?z)", "unrecognized character after (? or (?- at offset 2"),
    ("[[:foo:]]", "unknown POSIX class name at offset 3"),
    ("\\p{Foo}", "unknown property after \\P or \\p at offset 7"),
    ("(?<n>a)(?<n>b)", "two named subpatterns have the same name (PCRE2_DUPNAMES not set) at offset 12"),
    ("\\1", "reference to non-existent subpattern at offset 1"),
    ("[a", "missing terminating ] for character class at offset 2"),
    ("(?#x", "missing ) after (?# comment at offset 4"),
    ("(?", "missing closing parenthesis at offset 2"),
    ("\\c", "\\c at end of pattern at offset 2"),
    ("\\x{zz}", "non-hex character in \\x{} (closing brace missing?) at offset 3"),
    ("(*FOO)", "(*VERB) not recognized or malformed at offset 5"),
    ("(?R", "(?R (recursive pattern call) must be followed by a closing parenthesis at offset 3"),
    ("(?1)", "reference to non-existent subpattern at offset 3"),
    ("x{2}{3}", "quantifier does not follow a repeatable item at offset 6"),
    ("a(?<n", "syntax error in subpattern name (missing terminator?) at offset 5"),
    ("\\g", "\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number at offset 2"),
]


@pytest.mark.parametrize("pattern,text", ERRORS)
def test_compile_errors_use_pcre2_words(pattern: str, text: str) -> None:
    with pytest.raises(ExpansionError) as info:
        compile_regex(pattern)
    assert info.value.message == f'regular expression error in "{pattern}": {text}'


MATCHES = [
    ("aaa", "a++", "aaa"), ("a.b", "\\Q.\\E", "."), ("A", "(?i)a", "A"), ("a", "\\xzz", None),
    ("a", "a{,3}", None), ("a{,3}", "a{,3}", "a{,3}"), ("aaa", "^a{2,}$", "aaa"), ("A", "\\x{41}", "A"),
    ("A", "\\x41", "A"), ("aa", "(a)\\g{1}", "aa"), ("aa", "(a)\\g{-1}", "aa"), ("aa", "(?<n>a)\\k<n>", "aa"),
    ("aa", "(?<n>a)\\k{n}", "aa"), ("a\x1b", "\\e", "\x1b"), ("\x01", "\\cA", "\x01"), ("a\n", "a\\Z", "a"),
    ("a\nb", "a\\Z", None), ("x", "\\N", "x"), ("]", "[]a]", "]"), ("b", "[^]a]", "b"), ("a]", "[\\Qa]\\E]+$", "a]"),
    ("ab", "(?'n'a)b", "ab"), ("é", "^\\w", None), ("É", "(?i)é", None), ("\t", "[\\h]", "\t"),
    ("abab", "(ab)\\g1", "abab"), ("ab", "(?<=a|bb)b", "b"), ("aab", "(?>a+)b", "aab"), ("a-b", "[\\w-]+", "a-b"),
    ("a", "\\o{141}", "a"),
]


@pytest.mark.parametrize("subject,pattern,want", MATCHES)
def test_pcre_syntax(subject: str, pattern: str, want: str | None) -> None:
    m = search(compile_regex(pattern), subject)
    assert (m.group(0) if m else None) == want


def test_caseless_flag_and_captures() -> None:
    ctx = ExpansionContext()
    m = search(compile_regex("^(A)(b)?(x)?", caseless=True), "abc", ctx)
    assert m is not None
    set_captures(ctx, m)
    assert [ctx.bindings[str(i)] for i in range(4)] == ["ab", "a", "b", ""]
    assert "4" not in ctx.bindings


def test_catastrophic_pattern_is_bounded() -> None:
    ctx = ExpansionContext()
    ctx.limits.regex_timeout = 0.2
    with pytest.raises(ExpansionError, match="took more than"):
        search(compile_regex("(a|aa)+$"), "a" * 40 + "b", ctx)
