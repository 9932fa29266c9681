"""The acl condition and ${acl}: arguments, their scope, the nesting limit;
and the QUIT / not-QUIT rule. Expected values observed with ``exim -bh``."""

from __future__ import annotations

import pytest

from acl.engine import Result

SUB = "sub:\n  accept logwrite = N=$acl_narg 1=<$acl_arg1> 2=<$acl_arg2> 3=<$acl_arg3> 9=<$acl_arg9>\n"


def test_arguments_quoting_limit_and_scope(make) -> None:
    v = make("a:\n  warn acl = sub a \"b c\\\"q\" $local_part\n"
             "  warn acl = sub 1 2 3 4 5 6 7 8 9 10 11\n"
             "  warn logwrite = after <$acl_narg> ${acl{sub}{x}{y}}\n"
             "  warn logwrite = ${acl{sub}{1}{2}{3}{4}{5}{6}{7}{8}{9}}\n"
             "  accept\n" + SUB).run("a", local_part="x")
    assert v.result == Result.OK
    assert [ln.text for ln in v.logs] == [
        'N=3 1=<a> 2=<b c"q> 3=<x> 9=<>', "N=9 1=<1> 2=<2> 3=<3> 9=<9>",
        "N=2 1=<x> 2=<y> 3=<> 9=<>", "after <0> ", "N=9 1=<1> 2=<2> 3=<3> 9=<9>", ""]


@pytest.mark.parametrize("call, message", [
    ("acl = loop", "ACL nested too deep: possible loop"),
    ("condition = ${acl{loop}}", 'failed to expand ACL string "${acl{loop}}": ERROR from acl "loop"'),
])
def test_nesting_limit(make, call: str, message: str) -> None:
    v = make(f"r:\n  warn set acl_c0 = 0\n  accept {call}\n"
             f"loop:\n  accept set acl_c0 = ${{eval:$acl_c0+1}}\n"
             f"         logwrite = D $acl_c0\n         {call}\n").run()
    assert (v.result, v.log_message) == (Result.ERROR, message)
    assert v.logs[-1].text == "D 20"  # twenty levels run before the limit


@pytest.mark.parametrize("body, verb", [
    ("deny", "deny"), ("defer", "defer"), ("drop", "drop"), ("discard", "discard"),
    ("require condition = no", "require"),
])
def test_quit_acl_may_not_fail(make, body: str, verb: str) -> None:
    v = make(f"q:\n  {body}\n").run("q", where="quit")
    assert v.result == Result.ERROR
    assert v.log_message == (f"QUIT or not-QUIT toplevel ACL may not fail "
                             f"('{verb}' verb used incorrectly)")


@pytest.mark.parametrize("body", ["deny condition = no", "warn acl = s\n  accept"])
def test_quit_acl_implicit_deny_and_nested_deny_are_quiet(make, body: str) -> None:
    v = make(f"q:\n  {body}\ns:\n  deny\n").run("q", where="quit")
    assert v.result in (Result.OK, Result.FAIL) and v.log_message is None
