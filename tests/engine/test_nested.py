"""The acl condition, ${acl}, arguments and nesting; checked with exim -bh / -be."""

from __future__ import annotations

from acl.engine import Result
from acl.expansion import expand
from acl.runtime.values import TaintedStr

SUB = ("sub:\n  accept message = narg=$acl_narg 1=$acl_arg1 2=$acl_arg2 3=$acl_arg3\n"
       "         condition = ${if eq{$acl_arg1}{ok}}\n  deny   message = sub denied $acl_narg\n")


def test_nested_accept_message_used_by_outer_deny(make):
    # exim -bh: 550 narg=3 1=ok 2=b 3=x y
    v = make(SUB + 'r:\n  deny acl = sub  ok   ${lc:B}  "x y"').run()
    assert v.result == Result.FAIL and v.user_message == "narg=3 1=ok 2=b 3=x y"


def test_nested_deny_makes_condition_false(make):
    v = make(SUB + "r:\n  deny acl = sub no\n  accept").run()
    assert v.result == Result.OK and v.user_message is None


def test_args_restored_after_call(make):
    h = make(SUB + "r:\n  warn acl = sub ok x\n  deny message = after: $acl_narg")
    h.ctx.variables["acl_narg"] = "0"
    assert h.run().user_message == "after: 0"


def test_implicit_deny_keeps_failed_accept_messages(make):
    # exim -bh: 550 from-g1, logged "log-g1"
    v = make("g1:\n  accept message = from-g1\n         log_message = log-g1\n"
             "         condition = no\nr:\n  deny !acl = g1").run()
    assert (v.user_message, v.log_message) == ("from-g1", "log-g1")


def test_later_statement_drops_earlier_messages(make):
    # exim -bh: 550 Administrative prohibition
    v = make("g3:\n  accept message = from-g3\n         condition = no\n"
             "  deny condition = yes\nr:\n  deny !acl = g3").run()
    assert v.result == Result.FAIL and v.user_message is None


def test_nesting_limit(make):
    v = make("loop:\n  accept acl = loop\nr:\n  deny acl = loop").run()
    assert v.result == Result.ERROR and v.log_message == "ACL nested too deep: possible loop"


def test_nested_discard_needs_accept_or_discard(make):
    v = make("d:\n  discard\nr:\n  deny acl = d").run()
    assert v.result == Result.ERROR
    assert v.log_message == ('nested ACL returned "discard" for "deny" command '
                             '(only allowed with "accept" or "discard")')


def test_nested_drop_with_require(make):
    v = make("d:\n  drop message = bye\nr:\n  require acl = d").run()
    assert v.result == Result.FAIL_DROP and v.user_message == "bye"


def test_tainted_acl_name_refused(make):
    # exim -bh: attempt to use tainted ACL text "g1" / internal configuration error
    h = make("g1:\n  accept\nr:\n  require acl = $local_part")
    v = h.run(local_part=TaintedStr("g1"))
    assert v.result == Result.ERROR and v.log_message == "internal configuration error"
    assert v.logs[0].text == 'attempt to use tainted ACL text "g1"'


def test_acl_expansion_item(make):
    # exim -be '${acl{sub}{ok}{b}}|${acl{sub}{no}}' -> narg=2 1=ok 2=b 3=|sub denied 1
    h = make(SUB + "r:\n  accept")
    h.engine.attach(h.ctx, "rcpt")
    assert expand("${acl{sub}{ok}{b}}|${acl{sub}{no}}", h.ctx) == "narg=2 1=ok 2=b 3=|sub denied 1"


def test_acl_item_inside_acl(make):
    v = make(SUB + "r:\n  deny message = got ${acl{sub}{ok}}").run()
    assert v.user_message == "got narg=1 1=ok 2= 3="
