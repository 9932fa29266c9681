"""acl.auth without the dialogue: taint, the exchange driven by hand, xtext,
the protocol names and the nonmail rule. Expected texts are the ones Exim
4.96 gave (see data/goldens.json and docs/AUTH.md)."""

from __future__ import annotations

import base64

import pytest

import acl.auth
from acl.builtins import load_all
from acl.config import parse_config_text
from acl.engine import Engine
from acl.runtime.context import ExpansionContext
from acl.runtime.values import TaintedStr, is_tainted
from tests.auth.cases import config_text, plain


@pytest.fixture()
def session() -> tuple[ExpansionContext, Engine]:
    load_all()
    config = parse_config_text(config_text())
    ctx = ExpansionContext(config=config)
    ctx.variables.update(sender_host_address=TaintedStr("192.0.2.1"),
                         sender_fullhost=TaintedStr("(x) [192.0.2.1]"))
    engine = Engine(config)
    engine.attach(ctx, "helo")
    return ctx, engine


def test_ehlo_line_and_state(session: tuple[ExpansionContext, Engine]) -> None:
    ctx, _ = session
    assert acl.auth.advertised_mechanisms(ctx.config, ctx) == ["PLAIN", "LOGIN", "CRAM-MD5"]
    assert acl.auth.state(ctx).advertised == {"plain", "login", "cram"}
    acl.auth.helo_reset(ctx)
    assert not acl.auth.state(ctx).auth_advertised


def test_login_exchange_sets_tainted_variables(session: tuple[ExpansionContext, Engine]) -> None:
    ctx, engine = session
    acl.auth.advertised_mechanisms(ctx.config, ctx)
    assert acl.auth.counts_as_mail_command(ctx)
    ex = acl.auth.begin_auth(ctx, engine, "LOGIN", in_transaction=False)
    assert ex.challenge == "334 VXNlcm5hbWU6"
    ex.respond("dXNlcg==\r")
    assert ex.challenge == "334 UGFzc3dvcmQ6"
    ex.respond("c2VjcmV0")
    assert ex.done and ex.succeeded and ex.reply == "235 Authentication succeeded"
    v = ctx.variables
    assert v["authenticated_id"] == "user" and is_tainted(v["authenticated_id"])
    assert v["sender_host_authenticated"] == "login"
    assert v["received_protocol"] == "esmtpa" and v["authentication_failed"] == "0"
    assert "auth1" not in v and "1" not in ctx.bindings  # reset after the exchange
    assert not acl.auth.counts_as_mail_command(ctx)
    assert acl.auth.log_field(ctx) == " A=login:user"
    assert acl.auth.received_protocol(ctx, esmtp=True, tls=True) == "esmtpsa"
    assert acl.auth.received_protocol(ctx, esmtp=False, tls=False) == "smtp"


def test_auth_vars_are_tainted_in_server_condition() -> None:
    load_all()
    text = config_text().replace(
        "server_set_id = $auth2", "server_set_id = ${if eq{$auth2}{user}{$auth2}}", 1)
    config = parse_config_text(text.replace(
        "server_condition = ${if eq{$auth3}{secret}",
        "server_condition = ${if eq{${if eq{$auth3}{secret}{x}}}{x}", 1))
    ctx = ExpansionContext(config=config)
    ctx.variables["sender_host_address"] = TaintedStr("192.0.2.1")
    seen: list[object] = []
    acl.auth.advertised_mechanisms(config, ctx)
    ex = acl.auth.begin_auth(ctx, None, "PLAIN", in_transaction=False)
    original = ex._publish

    def spy() -> None:
        original()
        seen.append(ctx.variables.get("auth2"))

    ex._publish = spy  # type: ignore[method-assign]
    ex.respond(plain("user", "secret"))
    assert ex.succeeded
    assert seen and all(is_tainted(s) for s in seen)


def test_end_of_input_reads_as_empty_response(session: tuple[ExpansionContext, Engine]) -> None:
    ctx, engine = session
    acl.auth.advertised_mechanisms(ctx.config, ctx)
    ex = acl.auth.begin_auth(ctx, engine, "LOGIN dXNlcg==", in_transaction=False)
    ex.respond(None)
    assert ex.reply == "535 Incorrect authentication data"
    assert ex.log_lines == ["login authenticator failed for (x) [192.0.2.1]: "
                            "535 Incorrect authentication data (set_id=user)"]
    assert ctx.variables["authenticated_fail_id"] == " (set_id=user)"


def test_overlong_response_is_bad_base64(session: tuple[ExpansionContext, Engine]) -> None:
    ctx, engine = session
    acl.auth.advertised_mechanisms(ctx.config, ctx)
    ex = acl.auth.begin_auth(ctx, engine, "PLAIN", in_transaction=False)
    ex.respond("A" * 16384)
    assert ex.reply == "501 Invalid base64 data"


def test_cram_digest_with_fixed_challenge(session: tuple[ExpansionContext, Engine]) -> None:
    import hashlib
    import hmac

    ctx, engine = session
    ctx.extra[acl.auth.CHALLENGE_KEY] = "<1896.697170952@postoffice.reston.mci.net>"
    acl.auth.advertised_mechanisms(ctx.config, ctx)
    ex = acl.auth.begin_auth(ctx, engine, "cram-md5", in_transaction=False)
    assert base64.b64decode(ex.challenge[4:]) == b"<1896.697170952@postoffice.reston.mci.net>"
    digest = hmac.new(b"secret", b"<1896.697170952@postoffice.reston.mci.net>",
                      hashlib.md5).hexdigest()
    ex.respond(base64.b64encode(f"user {digest}".encode()).decode())
    assert ex.succeeded and ctx.variables["sender_host_authenticated"] == "cram"


@pytest.mark.parametrize("code,want", [
    ("x+2By@z", "x+y@z"), ("x+0Ay", "x\ny"), ("plain@x", "plain@x"),
    ("bad+4", None), ("bad+zz", None), ("a=b", None), ("a b", None),
])
def test_xtext(code: str, want: str | None) -> None:
    assert acl.auth.xtext_decode(code) == want


def test_mail_auth_rules(session: tuple[ExpansionContext, Engine]) -> None:
    ctx, engine = session
    got = acl.auth.mail_auth(ctx, engine, "x+2By@z.example", "<a@b.example> AUTH=x+2By@z.example")
    assert got.log_lines == ["ignoring AUTH=x+2By@z.example from H=(x) [192.0.2.1] "
                             "(client not authenticated)"]
    assert "authenticated_sender" not in ctx.variables
    assert acl.auth.mail_auth(ctx, engine, "<>", "").log_lines == []
    err = acl.auth.mail_auth(ctx, engine, "bad+4", "").error
    assert err is not None and (err.code, err.text) == (501, "invalid data for AUTH")


def test_checks_before_the_exchange(session: tuple[ExpansionContext, Engine]) -> None:
    ctx, engine = session
    ex = acl.auth.begin_auth(ctx, engine, "PLAIN", in_transaction=False)
    assert ex.error is not None and ex.error.text == "AUTH command used when not advertised"
    assert ctx.variables["authentication_failed"] == "1"
    acl.auth.advertised_mechanisms(ctx.config, ctx)
    ex = acl.auth.begin_auth(ctx, engine, "PLAIN", in_transaction=True)
    assert ex.error is not None and ex.error.text == "not permitted in mail transaction"
    assert acl.auth.acl_what("PLAIN  abc") == "AUTH PLAIN"
