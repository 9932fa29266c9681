"""The tracer: what the engine reports while an ACL runs."""

from __future__ import annotations

import io

from acl.engine import Result
from acl.engine.trace import Tracer

ACLS = """r:
  warn logwrite = hello $local_part
       add_header = X-Foo: bar
  deny !hosts = 1.2.3.4 : 10.0.0.0/8
       domains = ${if eq{1}{1}{d}} : z
       acl = sub $local_part
       message = no way
  accept
sub:
  accept condition = ${if eq{$acl_arg1}{c}}
         set acl_m_x = 1
"""


def _trace(make, color: bool = False, **variables: str) -> tuple[str, object]:
    h = make(ACLS)
    out = io.StringIO()
    h.ctx.extra["acl_tracer"] = Tracer(out, color=color)
    v = h.run(**variables)
    return out.getvalue(), v


def test_trace_lines(make) -> None:
    text, v = _trace(make, sender_host_address="1.1.1.1")
    assert v.result == Result.FAIL
    assert text.splitlines() == [
        "ACL 'r' (rcpt)",
        "  warn  [t.conf:4]",
        "    logwrite = hello c: logged to main: hello c",
        "    add_header = X-Foo: bar: header added: X-Foo: bar",
        "  deny  [t.conf:6]",
        "    !hosts = 1.2.3.4 : 10.0.0.0/8 -> true (no item matched)",
        "    domains = ${if eq{1}{1}{d}} : z -> true (list 'd : z', item 'd' matched)",
        "    ACL 'sub' (rcpt)",
        "      accept  [t.conf:12]",
        "        condition = true -> true",
        "        set acl_m_x = 1: $acl_m_x set",
        "      => accept",
        "    acl = sub $local_part -> true (nested ACL gave OK)",
        "    message set: 'no way'",
        "  => deny, message: 'no way'",
    ]


def test_trace_negated_list_item_and_error(make) -> None:
    text, v = _trace(make, sender_host_address="10.1.2.3")
    assert "!hosts = 1.2.3.4 : 10.0.0.0/8 -> false (item '10.0.0.0/8' matched)" in text
    assert text.endswith("  => accept\n")
    h = make("r:\n  deny condition = ${if bogus}\n")
    out = io.StringIO()
    h.ctx.extra["acl_tracer"] = Tracer(out)
    assert h.run().result == Result.ERROR
    assert "condition = ${if bogus} -> error (failed to expand ACL string" in out.getvalue()


def test_trace_colour(make) -> None:
    text, _ = _trace(make, color=True, sender_host_address="1.1.1.1")
    assert "\x1b[32mtrue\x1b[0m" in text and "\x1b[1;31mdeny\x1b[0m" in text


def test_no_tracer_no_output(make, capsys) -> None:
    assert make(ACLS).run(sender_host_address="1.1.1.1").result == Result.FAIL
    assert capsys.readouterr().out == ""
