"""ACL conditions; expected outcomes and texts checked with exim -bh."""

from __future__ import annotations

import pytest

from acl.engine import Result, UnsupportedError


@pytest.mark.parametrize("value,result", [
    ("", Result.FAIL), ("0", Result.FAIL), ("000", Result.FAIL), ("no", Result.FAIL),
    ("FALSE", Result.FAIL), ("007", Result.OK), ("yes", Result.OK), ("TRUE", Result.OK),
    (" maybe", Result.DEFER), ("-1", Result.DEFER),
])
def test_condition_truth(make, value, result):
    v = make(f"r:\n  accept condition = ${{if eq{{1}}{{1}}{{{value}}}{{}}}}").run()
    assert v.result == result
    if result == Result.DEFER:
        assert v.log_message == f'invalid "condition" value "{value}"'


def test_forced_failure_ignores_condition(make):
    # exim -bh: 250 condition ignored
    v = make("r:\n  accept condition = ${if eq{1}{2}{x}fail}\n"
             "         message = condition ignored").run()
    assert v.result == Result.OK and v.user_message == "condition ignored"


def test_forced_failure_in_list_means_no_match(make):
    # exim -bh: "forced failure: assume not in this list"
    v = make("r:\n  accept senders = ${if eq{1}{2}{x}fail}\n  deny message = no").run()
    assert v.user_message == "no"


def test_negated_condition(make):
    assert make("r:\n  deny !condition = no").run().result == Result.FAIL
    assert make("r:\n  accept !condition = yes\n  deny message = x").run().user_message == "x"


def test_expansion_error_in_condition(make):
    v = make("r:\n  deny condition = ${if bogus{}}").run()
    assert v.result == Result.ERROR
    assert v.log_message.startswith('failed to expand ACL string "${if bogus{}}": ')


def test_hosts_domains_local_parts_senders(make):
    h = make("r:\n  require hosts = 10.0.0.0/8\n  require domains = d : e\n"
             "  require local_parts = c\n  require senders = *@b\n"
             "  require sender_domains = b\n  require recipients = c@d\n  accept")
    assert h.run().result == Result.OK
    v = h.run(sender_address="a@z")
    assert v.result == Result.FAIL and v.condition.name == "senders"


def test_list_expansion_failure_defers(make):
    # exim -bh: LOG: failed to expand "${if bogus}" while checking a list: unknown
    # condition "bogus"; then "temporarily rejected RCPT <c@d>" with no message.
    v = make("r:\n  deny domains = ${if bogus}\n  accept").run()
    assert v.result == Result.DEFER and v.log_message is None
    assert v.logs[0].text == ('failed to expand "${if bogus}" while checking a list: '
                              'unknown condition "bogus"')


def test_authenticated(make):
    h = make("r:\n  require authenticated = *\n  accept")
    assert h.run().result == Result.FAIL
    assert h.run(sender_host_authenticated="plain").result == Result.OK


def test_encrypted_tests_cipher_name(make):
    h = make("r:\n  require encrypted = TLS_AES_256_GCM_SHA384\n  accept")
    assert h.run().result == Result.FAIL
    assert h.run(tls_in_cipher="TLS1.3:TLS_AES_256_GCM_SHA384:256").result == Result.OK


def test_verify_bad_type(make):
    v = make("r:\n  deny verify = foo").run()
    assert v.result == Result.ERROR
    assert v.log_message == (
        'expected "sender[=address]", "recipient", "helo", "header_syntax", "header_sender", '
        '"header_names_ascii" or "reverse_host_lookup" at start of ACL condition "verify foo"')


def test_verify_wrong_phase(make):
    v = make("r:\n  deny verify = header_syntax").run()
    assert v.log_message == "cannot verify header_syntax in ACL for RCPT"


def test_verify_no_options_allowed(make):
    v = make("r:\n  deny verify = helo/x").run()
    assert v.log_message == "unexpected '/' found in \"helo/x\" (this verify item has no options)"


def test_verify_certificate(make):
    h = make("r:\n  require verify = certificate\n  accept")
    v = h.run()
    assert v.result == Result.FAIL and v.user_message == "no verified certificate"
    assert h.run(tls_in_certificate_verified="1").result == Result.OK


def test_verify_helo_literal_and_name(make):
    h = make("r:\n  require verify = helo\n  accept")
    assert h.run(sender_helo_name="x").result == Result.FAIL
    assert h.run(sender_helo_name="[10.0.0.1]").result == Result.OK
    assert h.run(sender_helo_name="mx.example", sender_host_name="MX.example").result == Result.OK


def test_verify_recipient_needs_routers(make):
    v = make("r:\n  require verify = recipient").run()
    assert v.result == Result.ERROR and "needs routers" in v.log_message


def _data(make, acls, headers, recipients=("c@d",)):
    h = make(acls)
    h.ctx.headers = headers
    h.ctx.extra["recipients_list"] = list(recipients)
    return h.run("dd", where="data")


def test_header_syntax(make):
    # exim -bh: rejected after DATA: domain missing or malformed: failing address
    # in "To:" header is: bad@   (and 550 "syntax: ", $acl_verify_message empty)
    v = _data(make, "dd:\n  deny !verify = header_syntax\n       message = syntax: $acl_verify_message",
              [("To", " c@d, bad@"), ("Cc", " x@y")])
    assert v.result == Result.FAIL and v.user_message == "syntax: "
    assert v.log_message == ('domain missing or malformed: failing address in "To:" '
                             "header is: bad@")


def test_header_syntax_unqualified_from_remote(make):
    v = _data(make, "dd:\n  deny !verify = header_syntax", [("To", ' "C" <c@D>'), ("From", " unq")])
    assert v.log_message == ('unqualified address not permitted: failing address in "From:" '
                             "header is: unq")


def test_not_blind(make):
    acls = "dd:\n  require verify = not_blind\n  accept"
    v = _data(make, acls, [("To", " c@d")], ["c@d", "e@f"])
    assert v.result == Result.FAIL and v.log_message == "bcc recipient detected"
    assert _data(make, acls, [("To", " c@D"), ("Cc", " <e@f>")], ["c@d", "e@F"]).result == Result.OK
    assert _data(make, acls, [("To", " C@d")], ["c@d"]).result == Result.FAIL
    assert _data(make, "dd:\n  require verify = not_blind/case_insensitive\n  accept",
                 [("To", " C@D")], ["c@d"]).result == Result.OK


def test_header_names_ascii(make):
    acls = "dd:\n  require verify = header_names_ascii\n  accept"
    assert _data(make, acls, [("Subject", " x")]).result == Result.OK
    assert _data(make, acls, [("Sübject", " x")]).result == Result.FAIL


def test_unsupported_condition(make):
    h = make("r:\n  deny malware = *")  # content scanning: no scanner here
    assert [e.message for e in h.engine.unsupported()] == [
        'the "malware" ACL condition is not yet supported by exim-acl']
    with pytest.raises(UnsupportedError):
        h.run()
