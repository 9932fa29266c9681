"""SMTP replies built from verdicts, as exim -bh printed them."""

from __future__ import annotations

from acl.engine import accept_reply, failure_reply
from acl.engine.messages import split_message


def test_custom_code_and_enhanced_code():
    r = failure_reply("rcpt", "FAIL", "599 1.2.3 nope", "599 1.2.3 nope")
    assert r.lines == ["599 1.2.3 nope"]


def test_multiline_with_enhanced_code_strips_leading_space():
    r = failure_reply("rcpt", "FAIL", "550 5.7.1 line one\n  line two", None)
    assert r.lines == ["550-5.7.1 line one", "550 5.7.1 line two"]


def test_wrong_first_digit_keeps_default_code():
    r = failure_reply("helo", "FAIL", "451 4.1.1 wrong digit", "451 4.1.1 wrong digit")
    assert r.lines == ["550 wrong digit"]
    assert r.log_text == "550 wrong digit"
    assert r.panic == ('configured error code starts with incorrect digit (expected 5) '
                       'in "451 4.1.1 wrong digit"')


def test_default_texts_per_phase():
    assert failure_reply("rcpt", "FAIL", None, None).lines == ["550 Administrative prohibition"]
    assert failure_reply("vrfy", "FAIL", None, None).lines == ["252 Administrative prohibition"]
    assert failure_reply("etrn", "FAIL", None, None).lines == ["458 Administrative prohibition"]
    assert failure_reply("rcpt", "DEFER", "x", "x").lines == [
        "451 Temporary local problem - please try later"]
    assert failure_reply("rcpt", "DEFER", "later", None, temp_details=True).lines == ["451 later"]


def test_accept_multiline_message():
    r = accept_reply("mail", "299 2.9.9 first\nsecond line\nthird")
    assert r.lines == ["299-2.9.9 first", "299-2.9.9 second line", "299 2.9.9 third"]
    assert accept_reply("rcpt", None).lines == ["250 Accepted"]


def test_split_long_message():
    msg = "word " * 20 + "end"
    out = split_message(msg)
    assert out is not None and all(len(line) <= 76 for line in out.split("\n"))
    assert out.replace("\n", " ") == msg
