"""`acl expand` against `exim -be`: arguments, standard input, and the standard
output Exim 4.96 printed, written by tests/cli/record_cli.py (never by hand).
@DATA@ in the arguments is tests/cli/data; @USER@ in the output the caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from acl.cli.context_options import local_user
from acl.cli.expand import be_main

DATA = Path(__file__).resolve().parent / "data"

CASES = [
    ((), '', '> \n'),
    ((), 'a\\\n', '> a\n> \n'),
    (('-oMa', '192.0.2.7.25'), 'plain text\n${if def:sender_host_address{yes}{no}}\n$sender_host_address.$sender_host_port\n${if\n\nfoo\\\n   bar  \\\nbaz\\\n\n  lead  \nFOO = bar\nx FOO y FOOD\n$nosuch\n${if !def:sender_host_address{y}fail}\n$sender_address|$sender_ident|$h_subject:|$acl_m_x\nlast', '> plain text\n> yes\n> 192.0.2.7.25\n> Failed: condition name expected, but found ""\n> \n> foobar  baz\n>   lead\n> Defined macro \'FOO\'\n> x bar y barD\n> Failed: unknown variable name "nosuch"\n> Failed: "if" failed and "fail" requested\n> @USER@@example.org|@USER@||\n> last\n> \n'),
    (('-oMa', '1.2.3.4.25', '-oMs', 'h.example', '-oMr', 'esmtp', '-oMt', 'idt', '-oMi', '5.6.7.8', '-oMaa', 'plain', '-oMai', 'uid', '-oMas', 'as@x', '-f', 's@d.example'), '$sender_host_address|$sender_host_port|$sender_host_name|$received_protocol|$sender_ident|$interface_address|$interface_port\n$sender_host_authenticated|$authenticated_id|$authenticated_sender|$sender_address|$sender_fullhost|$sender_rcvhost\n$received_ip_address|$received_port|$sender_address_domain|$sender_address_local_part\n', '> 1.2.3.4|25|h.example|esmtp|idt|5.6.7.8|0\n> plain|uid|as@x|s@d.example||\n> 5.6.7.8|0|d.example|s\n> \n'),
    (('-oMa', '[1.2.3.4]:25'), '$sender_host_address|$sender_host_port\n', '> 1.2.3.4|25\n> \n'),
    (('-oMa', '::1.25', '-oMi', '[::2]:7'), '$sender_host_address $sender_host_port $interface_address $interface_port\n', '> ::1 25 ::2 7\n> \n'),
    (('-oMa', 'bad'), 'x\n', ''),
    (('-f', 'user'), '$sender_address|$sender_address_domain\n', '> user@example.org|example.org\n> \n'),
    (('-f', '<>'), '[$sender_address]|$authenticated_sender\n', '> []|\n> \n'),
    (('-f', 'Fred <fred@x.example>'), '$sender_address\n', '> fred@x.example\n> \n'),
    (('-f', '@a:b@c'), '$sender_address\n', '> b@c\n> \n'),
    (('-f', 'fred@'), '$sender_address\n', ''),
    (('-f', '@example.com'), '$sender_address\n', ''),
    (('-f', 'fred@[1.2.3.4]'), '$sender_address\n', ''),
    (('-f', 'fred@x.'), '$sender_address\n', ''),
    ((), '$sender_address|$authenticated_id|$smtp_active_hostname|$qualify_domain\n', '> @USER@@example.org|@USER@|mail.example.com|example.org\n> \n'),
    (('-bem', '@DATA@/simple.eml'), '$h_subject:\n$message_size\n$message_linecount\n$body_linecount\n$message_body\n$message_body_size\n$header_x-y:\n$h_from:\n$received_count\n${if def:h_message-id:{y}{n}}${if def:h_date:{y}{n}}\n', '> hi there\n  folded\n> 71\n> 7\n> 2\n> body line 1 line2 \n> 18\n> z\n> a@b.example\n> 1\n> yy\n> \n'),
    (('-bem', '@DATA@/simple.eml'), '${escape:${sg{$message_headers}{\\N(?s)\\nMessage-Id:.*\\N}{}}}\n', '> From: a@b.example\\nSubject: hi there\\n  folded\\nX-Y: z\n> \n'),
    (('-bem', '@DATA@/crlf.eml', '-f', 's@d.example'), '$message_linecount|$body_linecount|$message_size|$message_body_size|$body_zerocount|${escape:$message_body}|$received_count|$reply_address\n', '> 5|3|20|8|0|b\\r \\r c\\r |1|s@d.example\n> \n'),
    (('-bem', '@DATA@/dot.eml', '-f', 's@d.example'), '$message_linecount|$body_linecount|$message_size|$message_body_size|$body_zerocount|${escape:$message_body}|$received_count|$reply_address\n', '> 5|1|22|2|0|b |1|s@d.example\n> \n'),
    (('-bem', '@DATA@/noblank.eml', '-f', 's@d.example'), '$message_linecount|$body_linecount|$message_size|$message_body_size|$body_zerocount|${escape:$message_body}|$received_count|$reply_address\n', '> 3|1|14|2|0|c |1|x@y\n> \n'),
    (('-bem', '@DATA@/crlf.eml', '-f', '<>'), '[$h_from:]|$reply_address|${if def:h_date:{y}{n}}\n', '> []||y\n> \n'),
    (('-bem', '@DATA@/crlf.eml', '-f', 'fred@x.example'), '[$h_from:]|$reply_address\n', '> [fred@x.example]|fred@x.example\n> \n'),
]


@pytest.mark.parametrize(("args", "stdin", "want"), CASES)
def test_like_exim(args: tuple[str, ...], stdin: str, want: str) -> None:
    argv = ["-C", str(DATA / "fixed.conf"), *(a.replace("@DATA@", str(DATA)) for a in args)]
    out = be_main(argv, stdin)[0]
    assert out == want.replace("@USER@", local_user())
