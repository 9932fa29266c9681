"""The AUTH sessions recorded from `exim -bh` (record.py) and replayed through
acl.auth (test_goldens.py). A step is a line sent to the server that gets
one reply; {"cram": [user, secret]} answers the last CRAM-MD5 challenge."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

BASE = """\
primary_hostname = mx.example
log_selector = +smtp_mailauth
auth_advertise_hosts = !192.0.2.9 : !192.0.2.7 : *
acl_smtp_helo = acl_helo
acl_smtp_auth = acl_auth
acl_smtp_mail = acl_mail
acl_smtp_rcpt = acl_rcpt
{mailauth}
begin acl
acl_helo:
  accept hosts = 192.0.2.7
         control = allow_auth_unadvertised
  accept
acl_auth:
  deny hosts = 192.0.2.66
       message = no AUTH from you
  deny condition = ${{if eq{{$smtp_command_argument}}{{PLAIN d}}}}
       log_message = refused quietly
  defer condition = ${{if eq{{$smtp_command_argument}}{{PLAIN t}}}}
  accept
acl_mailauth:
  accept condition = ${{if eq{{$authenticated_sender}}{{ok@x.example}}}}
  defer condition = ${{if eq{{$authenticated_sender}}{{later@x.example}}}}
        message = try later
  deny condition = ${{if eq{{$authenticated_sender}}{{no@x.example}}}}
  accept authenticated = *
acl_mail:
  warn logwrite = MAIL id=<$authenticated_id> by=<$sender_host_authenticated> \\
         p=<$received_protocol> failed=<$authentication_failed> \\
         fid=<$authenticated_fail_id> as=<$authenticated_sender> a1=<$auth1>
  accept
acl_rcpt:
  accept

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${{if eq{{$auth3}}{{secret}}{{yes}}{{${{if eq{{$auth3}}{{junk}}{{not a boolean}}\\
    {{${{if eq{{$auth3}}{{err}}{{${{eval:1/0}}}}{{${{if eq{{$auth3}}{{ff}}{{${{if eq{{a}}{{b}}{{}}fail}}}}{{no}}}}}}}}}}}}}}}}
  server_set_id = $auth2
  server_advertise_condition = ${{if eq{{$sender_host_address}}{{192.0.2.8}}{{no}}{{yes}}}}
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = <| Username: | Password:
  server_condition = ${{if and {{{{eq{{$1}}{{user}}}}{{eq{{$auth2}}{{secret}}}}}}}}
  server_set_id = $auth1
cram:
  driver = cram_md5
  public_name = CRAM-MD5
  server_secret = ${{if eq{{$auth1}}{{user}}{{secret}}fail}}
  server_set_id = $auth1
client_only:
  driver = plaintext
  public_name = XCLIENT
  client_send = :u:p
"""


def config_text(mailauth: bool = False) -> str:
    return BASE.format(mailauth="acl_smtp_mailauth = acl_mailauth" if mailauth else "")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def plain(user: str, password: str) -> str:
    return b64(f"x\0{user}\0{password}")


def cram_response(challenge_line: str, user: str, secret: str, upper: bool = False) -> str:
    """The client's answer to a ``334 <base64 challenge>`` line."""
    challenge = base64.b64decode(challenge_line[4:])
    digest = hmac.new(secret.encode(), challenge, hashlib.md5).hexdigest()
    digest = digest.upper() if upper else digest
    return b64(f"{user} {digest}")


OK = plain("user", "secret")
MAIL = "MAIL FROM:<a@b.example>"
MSG = ["RCPT TO:<c@d.example>", "DATA", "Subject: s\r\n\r\nbody\r\n."]

CASES: list[dict[str, Any]] = [
    {"name": "plain_success", "steps": ["EHLO x", f"AUTH PLAIN {OK}", MAIL, *MSG, "QUIT"]},
    {"name": "plain_prompted", "steps": ["EHLO x", "AUTH PLAIN", OK, MAIL, "QUIT"]},
    {"name": "plain_failure", "steps": ["EHLO x", f"AUTH PLAIN {plain('user', 'bad')}", MAIL,
                                        "QUIT"]},
    {"name": "plain_defer_text", "steps": ["EHLO x", f"AUTH PLAIN {plain('u2', 'junk')}", "QUIT"]},
    {"name": "plain_expansion_error", "steps": ["EHLO x", f"AUTH PLAIN {plain('u3', 'err')}",
                                                "QUIT"]},
    {"name": "plain_forced_fail", "steps": ["EHLO x", f"AUTH PLAIN {plain('u4', 'ff')}", "QUIT"]},
    {"name": "plain_equals", "steps": ["EHLO x", "AUTH PLAIN =", "QUIT"]},
    {"name": "plain_cancel", "steps": ["EHLO x", "AUTH PLAIN", "*", "QUIT"]},
    {"name": "bad_base64", "steps": ["EHLO x", "AUTH PLAIN !!!", "AUTH LOGIN", "dXNlcg",
                                     "AUTH LOGIN", "dXN lcg= =", "c2VjcmV0", "QUIT"]},
    {"name": "login_success", "steps": ["EHLO x", "AUTH login", "dXNlcg==", "c2VjcmV0", MAIL,
                                        *MSG, "QUIT"]},
    {"name": "login_initial", "steps": ["EHLO x", "AUTH LOGIN dXNlcg==", "YmFk", "QUIT"]},
    {"name": "login_cancel", "steps": ["EHLO x", "AUTH LOGIN", "dXNlcg==", "*", "QUIT"]},
    {"name": "cram_success", "steps": ["EHLO x", "AUTH CRAM-MD5", {"cram": ["user", "secret"]},
                                       MAIL, *MSG, "QUIT"]},
    {"name": "cram_wrong_secret", "steps": ["EHLO x", "AUTH CRAM-MD5",
                                            {"cram": ["user", "nope"]}, "QUIT"]},
    {"name": "cram_unknown_user", "steps": ["EHLO x", "AUTH CRAM-MD5",
                                            {"cram": ["other", "secret"]}, "QUIT"]},
    {"name": "cram_upper_case_digest", "steps": ["EHLO x", "AUTH CRAM-MD5",
                                                 {"cram": ["user", "secret", True]}, "QUIT"]},
    {"name": "cram_initial_data", "steps": ["EHLO x", "AUTH CRAM-MD5 abc", "QUIT"]},
    {"name": "cram_cancel", "steps": ["EHLO x", "AUTH CRAM-MD5", "*", "QUIT"]},
    {"name": "cram_no_space", "steps": ["EHLO x", "AUTH CRAM-MD5", b64("user"), "QUIT"]},
    {"name": "unknown_mechanism", "steps": ["EHLO x", "AUTH FOO", "AUTH XCLIENT", "AUTH",
                                            "QUIT"]},
    {"name": "bad_mechanism_name", "steps": ["EHLO x", "AUTH PL@IN", "QUIT"]},
    {"name": "auth_twice", "steps": ["EHLO x", f"AUTH PLAIN {OK}", f"AUTH PLAIN {OK}", "EHLO y",
                                     f"AUTH PLAIN {OK}", MAIL, "QUIT"]},
    {"name": "auth_before_ehlo", "steps": [f"AUTH PLAIN {OK}", "HELO x", f"AUTH PLAIN {OK}",
                                           "EHLO x", f"AUTH PLAIN {OK}", "QUIT"]},
    {"name": "auth_in_transaction", "steps": ["EHLO x", MAIL, f"AUTH PLAIN {OK}", "RSET",
                                              f"AUTH PLAIN {OK}", "QUIT"]},
    {"name": "too_many_errors", "steps": ["EHLO x", "AUTH FOO", "AUTH BAR", "AUTH B@Z",
                                          "AUTH PLAIN"]},
    {"name": "not_advertised_host", "host": "192.0.2.9",
     "steps": ["EHLO x", f"AUTH PLAIN {OK}", "QUIT"]},
    {"name": "mechanism_not_advertised", "host": "192.0.2.8",
     "steps": ["EHLO x", f"AUTH PLAIN {OK}", "AUTH LOGIN", "dXNlcg==", "c2VjcmV0", "QUIT"]},
    {"name": "allow_auth_unadvertised", "host": "192.0.2.7",
     "steps": [f"AUTH PLAIN {OK}", "HELO x", "AUTH FOO", f"AUTH PLAIN {OK}", MAIL, "QUIT"]},
    {"name": "acl_denies_host", "host": "192.0.2.66",
     "steps": ["EHLO x", f"AUTH PLAIN {OK}", "AUTH FOO bar", "QUIT"]},
    {"name": "acl_deny_and_defer", "steps": ["EHLO x", "AUTH PLAIN d", "AUTH PLAIN t",
                                             f"AUTH PLAIN {OK}", "QUIT"]},
    {"name": "fail_id_kept", "steps": ["EHLO x", f"AUTH PLAIN {plain('who', 'bad')}",
                                       "AUTH PLAIN !", MAIL, "QUIT"]},
    {"name": "mail_auth_unauthenticated", "steps": [
        "EHLO x", f"{MAIL} AUTH=<>", "RSET", f"{MAIL} AUTH=x+2By@z.example", "QUIT"]},
    {"name": "mail_auth_authenticated", "steps": [
        "EHLO x", f"AUTH PLAIN {OK}", f"{MAIL} AUTH=<>", "RSET", f"{MAIL} AUTH=x+2By@z.example",
        *MSG, f"{MAIL} AUTH=bad+4", f"{MAIL} AUTH=bad+zz", f"{MAIL}", "QUIT"]},
    {"name": "mailauth_acl_unauthenticated", "mailauth": True, "steps": [
        "EHLO x", f"{MAIL} AUTH=ok@x.example", "RSET", f"{MAIL} AUTH=no@x.example", "RSET",
        f"{MAIL} AUTH=other@x.example", "RSET", f"{MAIL} AUTH=later@x.example",
        f"{MAIL} AUTH=<>", "QUIT"]},
    {"name": "mailauth_acl_authenticated", "mailauth": True, "steps": [
        "EHLO x", f"AUTH PLAIN {OK}", f"{MAIL} AUTH=other@x.example", *MSG,
        f"{MAIL} AUTH=no@x.example", "QUIT"]},
]
