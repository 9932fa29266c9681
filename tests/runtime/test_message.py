"""acl.runtime.message against values recorded from Exim 4.96: the non-SMTP
cases with ``exim -C h.conf -bem FILE``, the SMTP ones with ``exim -bh`` and a
DATA ACL that logs the variables."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from acl.builtins import load_all
from acl.expansion import expand
from acl.runtime.context import ExpansionContext
from acl.runtime.message import apply_message, parse_message
from acl.runtime.values import is_tainted

load_all()

VARS = "$message_linecount|$body_linecount|$message_size|$message_body_size|$body_zerocount|${escape:$message_body}"

# (message, Exim's expansion of VARS) for -bem
BEM = [
    (b"Subject: a\n\nb\n", "3|1|14|2|0|b "),
    (b"Subject: a\n\nb\nc", "4|2|15|3|0|b c"),
    (b"Subject: a\n\n", "2|0|12|0|0|"),
    (b"Subject: a\n", "1|0|11|0|0|"),
    (b"Subject: a\n\n\n\n", "2|0|14|2|0|  "),
    (b"Subject: a\n\nb\n\nc\n", "4|2|17|5|0|b  c "),
    (b"Subject: a\r\n\r\nb\r\n\r\nc\r\n", "5|3|20|8|0|b\\r \\r c\\r "),
    (b"Subject: a\nX: b\n c\n\nb\n.\nc\n", "5|1|22|2|0|b "),
    (b"Subject: a\n\nb\0x\nc\n", "4|2|18|6|1|b x c "),
    (b"Subject: a\n\n..b\n", "3|1|16|4|0|..b "),
    (b"Subject: a\n\nb\n.\r\nc\n", "5|3|19|7|0|b .\\r c "),
    (b"b\nc\n", "2|1|4|2|0|c "),
    (b"From: x@y\nb\nc\n", "3|1|14|2|0|c "),
]

# (DATA content, Exim's expansion of VARS) in an SMTP session
SMTP = [
    (b"Subject: a\r\n\r\nb\r\n\r\nc\r\n", "5|3|17|5|0|b  c "),
    (b"Subject: a\r\n\r\n\r\nb\r\n\r\n", "5|3|16|4|0| b  "),
    (b"From: f@x.example\r\nb\r\n", "3|1|20|2|0|b "),
    (b"b\r\n", "2|1|2|2|0|b "),
    (b"Subject: x\r\nb: \r\n", "2|0|15|0|0|"),
]

NOW = 1_700_000_000.0


def _ctx(**variables: str) -> ExpansionContext:
    cfg = SimpleNamespace(options={"primary_hostname": "mail.example.com", "qualify_domain": "example.org"})
    ctx = ExpansionContext(config=cfg, clock=lambda: NOW)
    ctx.variables.update(variables)
    return ctx


@pytest.mark.parametrize(("data", "want"), BEM)
def test_bem_counts(data: bytes, want: str) -> None:
    ctx = _ctx(sender_address="root@example.org")
    apply_message(ctx, parse_message(data, smtp=False))
    assert expand(VARS, ctx) == want


@pytest.mark.parametrize(("data", "want"), SMTP)
def test_smtp_counts(data: bytes, want: str) -> None:
    ctx = _ctx(sender_host_address="192.0.2.1", sender_helo_name="client.example.net")
    apply_message(ctx, parse_message(data), sender="a@b.example", recipients=["x@example.org"], protocol="smtp")
    assert expand(VARS, ctx) == want


def test_smtp_received_header_and_decoding() -> None:
    data = (b"Subject: =?ISO-8859-1?Q?Caf=E9?=  \r\nX: y\r\n  z  \r\nReply-To: r@x.example\r\n"
            b"From: f@x.example\r\nReceived: foo\r\n\r\nb\r\n")
    ctx = _ctx(sender_host_address="192.0.2.1", sender_helo_name="client.example.net",
               message_exim_id="1xVxLp-0002Jb-0d")
    apply_message(ctx, parse_message(data), sender="a@b.example",
                  recipients=["x@example.org", "y@example.org"], protocol="smtp")
    date = expand("$tod_full", ctx)
    received = ("Received: from [192.0.2.1] (helo=client.example.net)\n\tby mail.example.com with smtp "
                "(Exim 4.96)\n\t(envelope-from <a@b.example>)\n\tid 1xVxLp-0002Jb-0d;\n\t" + date + "\n")
    assert expand("$message_headers_raw", ctx) == received + (
        "Subject: =?ISO-8859-1?Q?Caf=E9?=  \nX: y\n  z  \nReply-To: r@x.example\nFrom: f@x.example\nReceived: foo\n")
    assert expand("${escape:$message_headers}", ctx).endswith(
        "\\nSubject: Caf\\351\\nX: y\\n  z\\nReply-To: r@x.example\\nFrom: f@x.example\\nReceived: foo")
    assert expand("$received_count|$reply_address|$message_size", ctx) == "2|r@x.example|103"
    assert is_tainted(expand("$h_subject:", ctx))


def test_smtp_single_recipient_gets_for_line() -> None:
    ctx = _ctx(sender_host_address="192.0.2.1", sender_helo_name="client.example.net",
               message_exim_id="1xVxLe-0002Gi-0V")
    apply_message(ctx, parse_message(b"Subject: a\r\n\r\n"), sender="a@b.example",
                  recipients=["x@example.org"], protocol="smtp")
    assert expand("$rh_received:", ctx).startswith(
        " from [192.0.2.1] (helo=client.example.net)\n\tby mail.example.com with smtp (Exim 4.96)\n"
        "\t(envelope-from <a@b.example>)\n\tid 1xVxLe-0002Gi-0V\n\tfor x@example.org;\n\t")
    assert "received_for" not in ctx.variables


def test_bem_added_headers() -> None:
    ctx = _ctx(sender_address="fred@x.example")
    apply_message(ctx, parse_message(b"Subject: no body\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n", smtp=False))
    names = [n for n, _ in ctx.headers]
    assert names == ["Subject", "Date", "Message-Id", "From"]
    assert expand("$h_from:|$reply_address|$received_count", ctx) == "fred@x.example|fred@x.example|1"


def test_bem_null_sender_adds_no_from() -> None:
    ctx = _ctx(sender_address="")
    apply_message(ctx, parse_message(b"Subject: a\n\nb\n", smtp=False))
    assert [n for n, _ in ctx.headers] == ["Subject", "Message-Id", "Date"]
    assert expand("$h_date:", ctx) == time.strftime("%a, %d %b %Y %H:%M:%S ", time.localtime(NOW)) + \
        expand("$tod_zone", ctx)


def test_reply_address_falls_back_to_from() -> None:
    ctx = _ctx(sender_address="")
    apply_message(ctx, parse_message(b"Reply-To: \nFrom: F <f@x>\n\nb", smtp=False))
    assert expand("$reply_address|${escape:$message_headers}", ctx).startswith("F <f@x>|Reply-To:\\nFrom: F <f@x>")
    ctx = _ctx(sender_address="")
    apply_message(ctx, parse_message(b"Reply-To:  R <r@x>  \n\nb", smtp=False))
    assert expand("$reply_address", ctx) == "R <r@x>"
