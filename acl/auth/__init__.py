"""SMTP AUTH on the server side, as Exim 4.96 does it: the plaintext and
cram_md5 drivers, the AUTH command (acl_smtp_auth, 334 exchanges, outcome,
variables, log lines), EHLO's AUTH line and MAIL's AUTH= parameter
(acl_smtp_mailauth). The SMTP dialogue calls these; see docs/AUTH.md."""

from acl.auth.advertise import (advertised_mechanisms, expand_check_condition, helo_reset,
                                received_protocol, tls_started)
from acl.auth.drivers import CHALLENGE_KEY, Rc
from acl.auth.exchange import (AuthExchange, SynprotError, acl_what, begin_auth,
                               counts_as_mail_command, state)
from acl.auth.instances import Authenticator, authenticators
from acl.auth.mailauth import MailAuth, log_field, mail_auth, reset_message, xtext_decode

__all__ = [
    "advertised_mechanisms", "expand_check_condition", "helo_reset", "received_protocol",
    "tls_started", "CHALLENGE_KEY", "Rc", "AuthExchange", "SynprotError", "acl_what",
    "begin_auth", "counts_as_mail_command", "state", "Authenticator", "authenticators",
    "MailAuth", "log_field", "mail_auth", "reset_message", "xtext_decode",
]
