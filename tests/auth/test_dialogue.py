"""AUTH in the dialogue beyond the recorded goldens; every expected value
was checked with `exim -bh` (Exim 4.96)."""

from __future__ import annotations

from tests.auth.runner import run_session

CONF = """\
primary_hostname = mx.example
smtp_accept_max_nonmail = 1
begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${if eq{$auth3}{secret}}
  server_set_id = $auth2
"""


def _replies(stdout: str) -> list[str]:
    return [ln.rstrip("\r") for ln in stdout.split("\n") if ln[:3].isdigit()][1:]


def test_only_the_first_auth_is_a_mail_command() -> None:
    data = b"EHLO x\r\n" + b"AUTH FOO\r\n" * 3 + b"NOOP\r\nAUTH FOO\r\nQUIT\r\n"
    stdout, logs = run_session(CONF, "192.0.2.1", data)
    assert "250-AUTH PLAIN" in _replies(stdout)
    assert _replies(stdout)[-3:] == ["504 FOO authentication mechanism not supported",
                                     "504 FOO authentication mechanism not supported",
                                     "554 Too many nonmail commands"]
    assert logs == ['SMTP call from (x) [192.0.2.1] dropped: too many nonmail commands '
                    '(last was "AUTH")']
