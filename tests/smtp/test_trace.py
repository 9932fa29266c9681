"""`acl session --trace`: the engine's tracer interleaved with the dialogue on
standard error, so each decision sits under the command that caused it."""

from __future__ import annotations

from pathlib import Path

from acl.cli.session import session_main

CONF = """primary_hostname = mx.example.test
acl_smtp_rcpt = acl_rcpt
begin acl
acl_rcpt:
  accept  hosts = 198.51.100.0/24
  deny    hosts = 203.0.113.0/24 : 192.0.2.0/24
          condition = ${if eq{$local_part}{bob}{yes}{no}}
          message = no $local_part here
  accept
"""


def _trace(tmp_path: Path, stdin: bytes, color: bool = False) -> list[str]:
    conf = tmp_path / "exim.conf"
    conf.write_text(CONF)
    out, err, rc = session_main(["-C", str(conf), "--host", "192.0.2.1", "--trace"], stdin)
    assert rc == 0 and "550 no bob here\r\n" in out
    return err.splitlines()


def test_trace_explains_the_deciding_statement(tmp_path: Path) -> None:
    err = _trace(tmp_path, b"EHLO c.e\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<bob@example.com>\r\n"
                           b"QUIT\r\n")
    start = err.index("SMTP<< RCPT TO:<bob@example.com>")
    end = err.index("SMTP>> 550 no bob here")
    block = err[start + 1:end]
    conf = str(tmp_path / "exim.conf")
    assert block[0] == "ACL 'acl_rcpt' (rcpt)"
    assert f"  deny  [{conf}:6]" in block  # the deciding statement, file:line
    assert "    hosts = 203.0.113.0/24 : 192.0.2.0/24 -> true (item '192.0.2.0/24' matched)" \
        in block  # the list item that matched
    assert "    condition = yes -> true" in block  # the condition's expanded value
    assert block[-2:] == ["  => deny, message: 'no bob here'",
                          "LOG: H=(c.e) [192.0.2.1] F=<a@b.c> rejected RCPT <bob@example.com>: "
                          "no bob here"]
    assert err.index("SMTP<< MAIL FROM:<a@b.c>") < start < end < err.index("SMTP<< QUIT")


def test_no_trace_without_the_option(tmp_path: Path) -> None:
    conf = tmp_path / "exim.conf"
    conf.write_text(CONF)
    _, err, _ = session_main(["-C", str(conf), "--host", "192.0.2.1"],
                             b"EHLO c.e\r\nQUIT\r\n")
    assert "SMTP<<" not in err and "ACL '" not in err


def test_trace_is_coloured_on_a_terminal(tmp_path: Path) -> None:
    import io

    from acl.cli.session import run

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    conf = tmp_path / "exim.conf"
    conf.write_text(CONF)
    out, err = io.StringIO(), Terminal()
    run(["-C", str(conf), "--host", "192.0.2.1", "--trace"],
        b"EHLO c.e\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<bob@example.com>\r\n", out, err)
    text = err.getvalue()
    assert "\x1b[1;34mSMTP<< RCPT TO:<bob@example.com>\x1b[0m" in text
    assert "\x1b[1;31mdeny\x1b[0m" in text and "\x1b[" not in out.getvalue()
