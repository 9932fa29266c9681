"""An ACL's statements are planned once (markers, condition specs, arguments
that need no expanding) and the plan is reused: a run with a plan already
made, a run under a tracer and a run by a fresh engine must give the same
verdict, and a reloaded configuration must use its own statements."""

from __future__ import annotations

import io
from typing import Any

import pytest

from acl.config import parse_config_text
from acl.engine import Engine, Result
from acl.engine.trace import Tracer
from acl.runtime import lists
from acl.runtime.context import ExpansionContext

OPTIONS = """\
primary_hostname = mx.example
domainlist local = a.example : *.b.example
hostlist relay = 127.0.0.1 : 10.0.0.0/8
"""

ACLS = {
    "message_after_failing": "  deny condition = no\n       message = never set\n  deny",
    "message_before_failing": "  deny message = kept for the implicit deny\n       condition = no\n",
    "endpass": "  accept domains = +local\n         endpass\n         hosts = +relay\n"
               "         message = after endpass\n  accept",
    "log_message": "  warn log_message = logged $domain\n  deny domains = !+local\n"
                   "       log_message = not local: $domain",
    "require": "  require message = relay not permitted\n          domains = +local : partner.example\n  accept",
    "negated": "  deny !hosts = +relay\n       message = not a relay\n  accept local_parts = ^u",
    "set_and_fixed": "  warn set acl_m_x = fixed\n  warn set acl_m_y = $acl_m_x-$domain\n"
                     "  accept condition = ${if eq{$acl_m_y}{fixed-$domain}}",
    "nested": "  accept acl = inner\n  deny message = inner said no",
    "forced_fail": "  deny condition = ${if eq{1}{2}{yes}fail}\n  accept",
    "defer": "  deny domains = +nosuch\n  accept",
    "wrong_phase": "  deny senders = :\n  accept",
}


def _config(body: str) -> Any:
    return parse_config_text(f"{OPTIONS}begin acl\ninner:\n  deny domains = !+local\n  accept\n"
                             f"r:\n{body}\n", filename="t.conf")


def _run(engine: Engine, *, domain: str, where: str = "rcpt", traced: bool = False) -> tuple[Any, ...]:
    ctx = ExpansionContext(config=engine.config)
    ctx.variables.update(sender_host_address="10.0.0.1", sender_address="s@x.example",
                         local_part="u", domain=domain)
    lists.new_message(ctx)
    if traced:
        ctx.extra["acl_tracer"] = Tracer(io.StringIO())
    v = engine.run_acl("r", ctx, where=where)
    return (v.result, v.user_message, v.log_message, v.span, v.temp_details, v.effects,
            dict(ctx.acl_vars))


@pytest.mark.parametrize("name", sorted(ACLS))
@pytest.mark.parametrize("domain", ["a.example", "q.example"])
def test_a_planned_run_gives_what_a_fresh_one_does(name: str, domain: str) -> None:
    where = "connect" if name == "wrong_phase" else "rcpt"
    engine = Engine(_config(ACLS[name]))
    first = _run(engine, domain=domain, where=where)
    assert _run(engine, domain=domain, where=where) == first  # the plan is reused
    assert _run(engine, domain=domain, where=where, traced=True) == first
    assert _run(Engine(_config(ACLS[name])), domain=domain, where=where) == first


def test_a_reloaded_configuration_runs_its_own_statements() -> None:
    old, new = Engine(_config(ACLS["require"])), Engine(_config(ACLS["negated"]))
    assert _run(old, domain="q.example") == _run(Engine(_config(ACLS["require"])), domain="q.example")
    assert _run(new, domain="q.example") == _run(Engine(_config(ACLS["negated"])), domain="q.example")
    assert _run(old, domain="q.example") != _run(new, domain="q.example")


def test_an_inline_acl_is_planned_once_and_reused() -> None:
    engine = Engine(_config("  accept"))
    ctx = ExpansionContext(config=engine.config)
    ctx.variables.update(domain="a.example", local_part="u")
    text = "accept domains = +local\ndeny message = not local"
    first = engine.run_acl(text, ctx, where="rcpt")
    plans = len(engine._interp._plans)
    again = engine.run_acl(text, ctx, where="rcpt")
    assert (again.result, again.user_message) == (first.result, first.user_message)
    assert len(engine._interp._plans) == plans


def test_results_are_usable_as_keys() -> None:
    """Result hashes by identity; members are still equal only to themselves."""
    table = {r: r.value for r in Result}
    assert all(table[r] == r.value for r in Result)
    assert len({*Result, *Result}) == len(Result)
