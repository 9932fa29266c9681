"""The REPL driven through prompt_toolkit's pipe input."""

from __future__ import annotations

import io

from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from acl.cli.context_options import parse_args
from acl.cli.expand import BeSession
from acl.cli.repl import ExpansionCompleter, highlight, run_repl


def _session() -> tuple[BeSession, io.StringIO]:
    out = io.StringIO()
    return BeSession(parse_args(["-oMa", "192.0.2.7"]), out, io.StringIO()), out


def test_repl_expands_and_runs_commands() -> None:
    session, out = _session()
    with create_pipe_input() as inp:
        inp.send_text("$sender_host_address\r:set acl_m_x=hello\r:header Subject: hi\r"
                      "$acl_m_x/$h_subject:\rab\\\r  cd\r${if\r:quit\r")
        assert run_repl(session, input=inp, output=DummyOutput(), history=InMemoryHistory()) == 0
    assert out.getvalue() == (
        "192.0.2.7\nhello/hi\nabcd\n"
        'Failed: condition name expected, but found ""\n'
    )


def test_repl_ends_at_eof_and_show() -> None:
    session, out = _session()
    with create_pipe_input() as inp:
        inp.send_text(":set domain=d.example\r:show\r")
        inp.close()
        run_repl(session, input=inp, output=DummyOutput(), history=InMemoryHistory())
    assert "$domain = d.example  (tainted)\n" in out.getvalue()


def test_completion_and_highlighting() -> None:
    session, _ = _session()
    comp = ExpansionCompleter(session.ctx.registry, None)

    def names(text: str) -> list[str]:
        return [c.text for c in comp.get_completions(Document(text), None)]  # type: ignore[arg-type]

    assert "primary_hostname" in names("x $primary_h")
    assert all(n.startswith("sender_host_") for n in names("$sender_host_"))
    assert "def" in names("${if de")
    assert "if" in names("${i")
    assert "quit" in names(":q")
    frags = highlight("${lc:$domain}")
    assert ("class:keyword", "lc") in frags and ("class:variable", "$domain") in frags
