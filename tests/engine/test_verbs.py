"""Verbs against condition outcomes (true, false, defer), checked with exim -bh."""

from __future__ import annotations

import pytest

from acl.engine import Result

TRUE, FALSE, DEFER = "condition = yes", "condition = no", "condition = maybe"


@pytest.mark.parametrize("verb,cond,result", [
    ("accept", TRUE, Result.OK), ("accept", FALSE, Result.FAIL), ("accept", DEFER, Result.DEFER),
    ("deny", TRUE, Result.FAIL), ("deny", FALSE, Result.FAIL), ("deny", DEFER, Result.DEFER),
    ("defer", TRUE, Result.DEFER), ("defer", FALSE, Result.FAIL), ("defer", DEFER, Result.DEFER),
    ("drop", TRUE, Result.FAIL_DROP), ("drop", FALSE, Result.FAIL), ("drop", DEFER, Result.DEFER),
    ("discard", TRUE, Result.DISCARD), ("discard", FALSE, Result.FAIL),
    ("require", TRUE, Result.FAIL), ("require", FALSE, Result.FAIL),
    ("require", DEFER, Result.DEFER),
    ("warn", TRUE, Result.FAIL), ("warn", FALSE, Result.FAIL), ("warn", DEFER, Result.FAIL),
])
def test_verb_then_implicit_deny(make, verb, cond, result):
    # A single statement; when it does not decide, the implicit deny does.
    v = make(f"r:\n  {verb} {cond}").run()
    assert v.result == result


@pytest.mark.parametrize("verb", ["require", "warn"])
def test_passing_statements_fall_through_to_accept(make, verb):
    v = make(f"r:\n  {verb} {TRUE}\n  accept").run()
    assert v.result == Result.OK
    assert v.statement.verb == "accept"


def test_implicit_deny_has_no_statement(make):
    v = make("r:\n  accept condition = no").run()
    assert v.result == Result.FAIL and v.statement is None and v.verb == "deny"


def test_endpass_failure_after_it_denies(make):
    v = make("r:\n  accept condition = yes\n         endpass\n         condition = no\n  accept").run()
    assert v.result == Result.FAIL


def test_endpass_failure_before_it_passes_on(make):
    v = make("r:\n  accept condition = no\n         endpass\n         condition = no\n  accept").run()
    assert v.result == Result.OK


def test_deny_reports_deciding_statement_and_span(make):
    v = make("r:\n  warn\n  deny local_parts = c\n       message = no").run()
    assert v.statement.verb == "deny" and v.statement.span.line == 5
    assert v.user_message == "no"


def test_failed_condition_is_reported(make):
    v = make("r:\n  require local_parts = zz\n  accept").run()
    assert v.result == Result.FAIL
    assert v.condition is not None and v.condition.name == "local_parts"
    assert v.span.line == 4


def test_defer_verb_shows_its_message(make):
    v = make("r:\n  defer message = try later").run()
    assert v.result == Result.DEFER and v.temp_details
    assert v.user_message == "try later"


def test_condition_defer_is_not_temp_details(make):
    v = make("r:\n  deny condition = maybe").run()
    assert v.result == Result.DEFER and not v.temp_details
    assert v.log_message == 'invalid "condition" value "maybe"'


def test_warn_defer_logs_and_continues(make):
    # exim -bh: Warning: ACL "warn" statement skipped: condition test deferred: ...
    v = make("r:\n  warn log_message = warnlog\n       condition = bad\n"
             "  deny message = after warn").run()
    assert v.result == Result.FAIL and v.user_message == "after warn"
    assert [l.text for l in v.logs] == [
        'Warning: ACL "warn" statement skipped: condition test deferred: '
        'invalid "condition" value "bad"']


def test_quit_acl_may_not_deny(make):
    v = make("q:\n  warn logwrite = in quit\n  deny condition = 1").run("q", where="quit")
    assert v.result == Result.ERROR
    assert v.log_message == ("QUIT or not-QUIT toplevel ACL may not fail "
                             "('deny' verb used incorrectly)")
    assert v.logs[0].text == "in quit"


def test_discard_not_allowed_in_helo(make):
    v = make("h:\n  discard").run("h", where="helo")
    assert v.result == Result.ERROR and v.log_message is None
    assert v.logs[-1].text == '"discard" verb not allowed in EHLO or HELO ACL'


def test_discard_in_rcpt(make):
    v = make("r:\n  discard log_message = gone").run()
    assert v.result == Result.DISCARD and v.log_message == "gone"


def test_unset_acl_defaults(make):
    h = make("r:\n  accept")
    assert h.engine.run_acl(None, h.ctx, where="rcpt").result == Result.FAIL
    assert h.engine.run_acl(None, h.ctx, where="mail").result == Result.OK


def test_inline_acl_text(make):
    h = make("r:\n  accept")
    v = h.engine.run_acl("deny message = inline says no", h.ctx, where="rcpt")
    assert v.result == Result.FAIL and v.user_message == "inline says no"


def test_unknown_name_is_parsed_inline(make):
    # exim -bh: unknown ACL verb "nonexist" in "nonexist"
    v = make("r:\n  deny acl = nonexist foo").run()
    assert v.result == Result.ERROR
    assert v.log_message == 'unknown ACL verb "nonexist" in "nonexist"'


def test_acl_name_from_expansion(make):
    v = make("r:\n  deny message = via expansion").run("${if eq{1}{1}{r}{x}}")
    assert v.user_message == "via expansion"
