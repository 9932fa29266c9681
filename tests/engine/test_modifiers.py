"""Modifiers take effect as they are reached; outcomes checked with exim -bh."""

from __future__ import annotations

import socket

import pytest

from acl.engine import Result


def test_message_before_failing_condition_of_require(make):
    v = make("r:\n  require message = first\n          condition = yes\n"
             "          message = second\n          condition = no\n"
             "          message = third").run()
    assert v.result == Result.FAIL and v.user_message == "second"


def test_deny_uses_last_message(make):
    v = make("r:\n  deny message = one\n       condition = yes\n       message = two").run()
    assert v.user_message == "two" and v.log_message == "two"


def test_log_message_adds_to_log_only(make):
    v = make("r:\n  deny message = user text\n       log_message = log text").run()
    assert v.user_message == "user text" and v.log_message == "log text"


def test_failed_accept_message_does_not_carry_over(make):
    # exim -bh: the next deny replies "550 Administrative prohibition".
    v = make("r:\n  accept message = hi there\n         domains = nomatch\n"
             "  deny domains = d").run()
    assert v.result == Result.FAIL and v.user_message is None


def test_accept_message(make):
    v = make("r:\n  accept message = 250 OK fine").run()
    assert v.result == Result.OK and v.user_message == "250 OK fine"


def test_message_expansion_failure_is_ignored(make):
    v = make("r:\n  deny message = ${if bogus}").run()
    assert v.result == Result.FAIL and v.user_message is None
    assert v.logs[0].text.startswith('failed to expand ACL message "${if bogus}": ')
    assert v.logs[0].logs == ("main", "panic")


def test_logwrite_in_order_before_failing_condition(make):
    v = make("r:\n  warn logwrite = hello $local_part\n       condition = no\n"
             "       logwrite = never\n  accept").run()
    assert [l.text for l in v.logs] == ["hello c"]


def test_logwrite_log_selection(make):
    v = make("r:\n  warn logwrite = :main,reject: to both\n  accept").run()
    assert v.logs[0].logs == ("main", "reject") and v.logs[0].text == "to both"


def test_logwrite_escapes_non_printing(make):
    v = make("r:\n  warn logwrite = a\\tb\\x01\n  accept").run()
    assert v.logs[0].text == "a\tb\\001"  # as ${escape:} gives: tab kept


def test_warn_log_message_logged_once_per_message(make):
    h = make("r:\n  warn log_message = seen\n  accept")
    assert [l.text for l in h.run().logs] == ["Warning: seen"]
    assert h.run().logs == []


def test_set_connection_and_message_variables(make):
    h = make("r:\n  warn set acl_c_x = one\n       set acl_m0 = ${acl_c_x}-two\n  accept")
    h.run()
    assert h.ctx.acl_vars == {"acl_c_x": "one", "acl_m0": "one-two"}


def test_set_before_failing_condition_only(make):
    h = make("r:\n  warn set acl_m_a = 1\n       condition = no\n       set acl_m_b = 2\n  accept")
    h.run()
    assert h.ctx.acl_vars == {"acl_m_a": "1"}


def test_add_header_positions_and_warn_prefix(make):
    v = make("r:\n  warn add_header = :at_start:X-A: 1\\nnot a header\\nX-B: 2\\n\\tcont\n"
             "  accept").run()
    assert [(h.text, h.position) for h in v.headers_added] == [
        ("X-A: 1\n", "at_start"), ("X-ACL-Warn: not a header\n", "at_end"),
        ("X-B: 2\n\tcont\n", "at_end")]


def test_add_header_duplicates_suppressed_within_message(make):
    h = make("r:\n  warn add_header = X-A: 1\n  accept")
    assert len(h.run().headers_added) == 1
    assert h.run().headers_added == []


def test_add_header_forbidden_in_helo(make):
    v = make("h:\n  accept add_header = X-A: 1").run("h", where="helo")
    assert v.result == Result.ERROR
    assert v.log_message == "cannot use add_header condition in EHLO or HELO ACL"


def test_local_parts_forbidden_in_mail(make):
    # exim -bh: cannot test local_parts condition in MAIL ACL
    v = make("m:\n  deny local_parts = x").run("m", where="mail")
    assert v.result == Result.ERROR
    assert v.log_message == "cannot test local_parts condition in MAIL ACL"


def test_remove_header(make):
    v = make("r:\n  warn remove_header = x-a : x-b\n  accept").run()
    assert v.headers_removed == ["x-a : x-b"]


def test_delay_recorded(make):
    v = make("r:\n  deny delay = 1m30s").run()
    assert v.delays == [90]


def test_delay_bad_time(make):
    v = make("r:\n  deny delay = 3x").run()
    assert v.result == Result.ERROR
    assert v.log_message == 'syntax error in argument for "delay" modifier: "3x" is not a time value'


def test_log_reject_target_empty(make):
    v = make("r:\n  deny log_reject_target =").run()
    assert v.log_reject_target == ()


@pytest.mark.parametrize("control,name,opts", [
    ("queue_only", "queue", {}), ("freeze/no_tell", "freeze", {"no_tell": ""}),
    ("submission/domain=x.y/name=A B", "submission", {"domain": "x.y", "name": "A B"}),
    ("fakereject/go away", "fakereject", {"message": "go away"}),
    ("debug/tag=.x", "debug", {"tag": ".x"}), ("no_multiline_responses", "no_multiline_responses", {}),
])
def test_controls(make, control, name, opts):
    v = make(f"r:\n  accept control = {control}").run()
    assert v.result == Result.OK
    assert (v.controls[0].name, v.controls[0].options) == (name, opts)


@pytest.mark.parametrize("control,message", [
    ("bogus", 'syntax error in "control=bogus"'),
    ("freeze/no_tellx", 'syntax error in "control=freeze/no_tellx"'),
    ("caseful_local_partx", 'syntax error in "control=caseful_local_partx"'),
])
def test_bad_controls(make, control, message):
    v = make(f"r:\n  deny control = {control}").run()
    assert v.result == Result.ERROR and v.log_message == message


def test_control_forbidden_in_phase(make):
    # exim -bh: cannot use "control=freeze" in EHLO or HELO ACL
    v = make("h:\n  accept control = freeze").run("h", where="helo")
    assert v.result == Result.ERROR
    assert v.log_message == 'cannot use "control=freeze" in EHLO or HELO ACL'


@pytest.fixture
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    yield s
    s.close()


def test_udpsend_payload_is_rest_of_string(make, udp):
    # exim -bh sent " payload: with colon :: doubled" (31 bytes) for this.
    port = udp.getsockname()[1]
    v = make(f"r:\n  deny udpsend = 127.0.0.1 : {port} : payload: with colon :: doubled").run()
    assert v.result == Result.FAIL
    assert udp.recv(1000) == b" payload: with colon :: doubled"


def test_udpsend_changed_separator(make, udp):
    port = udp.getsockname()[1]
    make(f"r:\n  deny udpsend = <; 127.0.0.1 ; {port} ;  spaced $local_part").run()
    assert udp.recv(1000) == b"  spaced c"


def test_udpsend_two_items_sends_empty(make, udp):
    port = udp.getsockname()[1]
    v = make(f"r:\n  deny udpsend = 127.0.0.1 : {port}").run()
    assert v.result == Result.FAIL and udp.recv(1000) == b""


def test_udpsend_bad_port(make):
    v = make("r:\n  deny udpsend = 127.0.0.1 : 12x : data").run()
    assert v.result == Result.ERROR
    assert v.log_message == 'bad destination port in "udpsend" modifier'


@pytest.mark.parametrize("value, result, message", [
    # All observed with exim -bh (RCPT ACL "accept udpsend = ...").
    ("", Result.ERROR, 'missing destination host in "udpsend" modifier'),
    ("127.0.0.1", Result.ERROR, 'missing destination port in "udpsend" modifier'),
    ("127.0.0.1 : x : y", Result.ERROR, 'bad destination port in "udpsend" modifier'),
    ("127.0.0.1 : 0x10 : y", Result.ERROR, 'bad destination port in "udpsend" modifier'),
    ("127.0.0.1 : 48711x : y", Result.ERROR, 'bad destination port in "udpsend" modifier'),
    (" : 48711 : x", Result.DEFER, 'DNS lookup failed in "udpsend" modifier'),
    ("no.such.host.invalid : 48711 : y", Result.DEFER, 'DNS lookup failed in "udpsend" modifier'),
])
def test_udpsend_errors(make, value, result, message):
    v = make(f"r:\n  accept udpsend = {value}").run()
    assert (v.result, v.log_message) == (result, message)


def test_udpsend_unresolvable_host_logged_and_warn_skipped(make):
    v = make("r:\n  warn udpsend = no.such.host.invalid : 48711 : y\n  accept").run()
    assert v.result == Result.OK
    assert [ln.text for ln in v.logs] == [
        "no IP address found for host no.such.host.invalid",
        'Warning: ACL "warn" statement skipped: condition test deferred: '
        'DNS lookup failed in "udpsend" modifier']


def test_udpsend_signed_port_and_name(make, udp):
    # exim -bh: "+port" and a host name are accepted; -1 and 99999 too (16 bits).
    port = udp.getsockname()[1]
    make(f"r:\n  accept udpsend = localhost : +{port} : named").run()
    assert udp.recv(1000) == b" named"
    assert make(f"r:\n  accept udpsend = 127.0.0.1 : {port + 65536} : wrapped").run().result == Result.OK
    assert udp.recv(1000) == b" wrapped"
