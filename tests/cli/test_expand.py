"""acl expand / be_main against outputs recorded from `exim -C empty.conf -be`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from acl.cli.expand import be_main, read_logical_line

EMPTY = ["-C", "/dev/null"]

# Input and the output Exim 4.96 printed for it with -oMa 192.0.2.7.25 (recorded).
STDIN = (
    "plain text\n${if def:sender_host_address{yes}{no}}\n$sender_host_address.$sender_host_port\n"
    "${if\n\nfoo\\\n   bar  \\\nbaz\\\n\n  lead  \nFOO = bar\nx FOO y FOOD\n$nosuch\n"
    "${if !def:sender_host_address{y}fail}\n$sender_address|$sender_ident|$h_subject:|$acl_m_x\nlast"
)
EXIM_STDOUT = (
    "> plain text\n> yes\n> 192.0.2.7.25\n"
    '> Failed: condition name expected, but found ""\n> \n> foobar  baz\n>   lead\n'
    "> Defined macro 'FOO'\n> x bar y barD\n"
    '> Failed: unknown variable name "nosuch"\n'
    '> Failed: "if" failed and "fail" requested\n'
    "> {user}@{host}|{user}||\n> last\n> \n"
)


def _local() -> tuple[str, str]:
    from acl.builtins.variables import system_hostname
    from acl.cli.context_options import local_user

    return local_user(), system_hostname()


def test_stdin_mode_matches_exim() -> None:
    user, host = _local()
    out, err, code = be_main(EMPTY + ["-oMa", "192.0.2.7.25"], STDIN)
    assert out == EXIM_STDOUT.format(user=user, host=host)
    assert err == ""
    assert code == 0  # as Exim: reading standard input always exits 0


def test_empty_input_prints_one_prompt_and_newline() -> None:
    assert be_main(EMPTY, "") == ("> \n", "", 0)


def test_continuation_at_end_of_input() -> None:
    # Exim: printf 'a\\\n' | exim -be  ->  "> a\n> \n"
    assert be_main(EMPTY, "a\\\n")[0] == "> a\n> \n"


def test_long_line_is_read_in_fgets_chunks() -> None:
    import io

    buf = io.BytesIO(b"x" * 1500 + b"\n")
    assert read_logical_line(buf) == b"x" * 1023
    assert read_logical_line(buf) == b"x" * 477
    assert read_logical_line(buf) is None


def test_arguments_and_failure_exit_status() -> None:
    out, err, code = be_main(EMPTY + ["abc", "$nosuch", "x"], "ignored\n")
    assert out == 'abc\nFailed: unknown variable name "nosuch"\nx\n'
    assert code == 1  # ours; Exim exits 0
    assert be_main(EMPTY + ["abc"], "")[2] == 0


def test_macro_definitions_in_arguments() -> None:
    # exim -be 'A=1' 'A' 'A == 3' 'A'
    out, err, _ = be_main(EMPTY + ["A=1", "A", "A == 3", "A"], "")
    assert out == "Defined macro 'A'\n1\nDefined macro 'A'\n3\n"
    out, err, _ = be_main(EMPTY + ["Abc", "x"], "")
    assert out == "x\n" and "malformed macro definition" in err
    assert be_main(EMPTY + ["-DMAC=2", "MAC is"], "")[0] == "2 is\n"


def test_oM_options() -> None:
    # exim -oMa 1.2.3.4.25 -oMs h.example -oMr esmtp -oMt idt -oMi 5.6.7.8 -oMaa plain
    #      -oMai uid -oMas as@x -f s@d.example -be ...
    argv = EMPTY + ["-oMa", "1.2.3.4.25", "-oMs", "h.example", "-oMr", "esmtp", "-oMt", "idt",
                    "-oMi", "5.6.7.8", "-oMaa", "plain", "-oMai", "uid", "-oMas", "as@x",
                    "-f", "s@d.example",
                    "$sender_host_address|$sender_host_port|$sender_host_name|$received_protocol"
                    "|$sender_ident|$interface_address|$interface_port",
                    "$sender_host_authenticated|$authenticated_id|$authenticated_sender"
                    "|$sender_address|$sender_fullhost|$sender_rcvhost",
                    "$received_ip_address|$received_port|$sender_address_domain"
                    "|$sender_address_local_part"]
    out, err, code = be_main(argv, "")
    assert out == ("1.2.3.4|25|h.example|esmtp|idt|5.6.7.8|0\n"
                   "plain|uid|as@x|s@d.example||\n"
                   "5.6.7.8|0|d.example|s\n")
    assert code == 0


def test_oMa_forms_and_bad_address() -> None:
    assert be_main(EMPTY + ["-oMa", "[1.2.3.4]:25", "$sender_host_address|$sender_host_port"], "")[0] == "1.2.3.4|25\n"
    assert be_main(EMPTY + ["-oMa", "::1.25", "-oMi", "[::2]:7",
                            "$sender_host_address $sender_host_port $interface_address $interface_port"],
                   "")[0] == "::1 25 ::2 7\n"
    out, err, code = be_main(EMPTY + ["-oMa", "bad", "x"], "")
    assert (out, code) == ("", 1)
    assert '"bad" is not an IP address' in err


def test_sender_option() -> None:
    user, host = _local()
    # exim -f user -be '$sender_address|$sender_address_domain'
    assert be_main(EMPTY + ["-f", "user", "$sender_address|$sender_address_domain"], "")[0] == f"user@{host}|{host}\n"
    # exim -f '<>' -be '[$sender_address]|$authenticated_sender'
    assert be_main(EMPTY + ["-f", "<>", "[$sender_address]|$authenticated_sender"], "")[0] == "[]|\n"


def test_taint_of_remote_values() -> None:
    from acl.cli.context_options import build_context, parse_args
    from acl.runtime.values import is_tainted

    ctx = build_context(parse_args(["-oMa", "1.2.3.4", "-oMs", "h", "--header", "Subject: x",
                                    "--var", "domain=d.example", "--var", "spool_directory=/s"]))
    assert is_tainted(ctx.variables["sender_host_address"])
    assert is_tainted(ctx.variables["sender_host_name"])
    assert is_tainted(ctx.variables["domain"])
    assert not is_tainted(ctx.variables["spool_directory"])
    assert is_tainted(ctx.headers[0][1])


def test_readable_long_options() -> None:
    argv = EMPTY + ["--var", "local_part=joe", "--header", "Subject: hi there", "--header", "X-A:b",
                    "--set", "acl_m_x=42", "--set", "acl_c0=c",
                    "$local_part|$h_subject:|$h_x-a:|$acl_m_x|$acl_c0"]
    assert be_main(argv, "")[0] == "joe|hi there|b|42|c\n"
    out, err, code = be_main(EMPTY + ["--set", "foo=1", "x"], "")
    assert code == 2 and "not an ACL variable" in err


def test_message_file(tmp_path: Path) -> None:
    # exim -bem msg -be ... (values recorded from Exim 4.96)
    msg = tmp_path / "msg"
    msg.write_text("From: a@b.example\nSubject: hi there\n  folded\nX-Y: z\n\nbody line 1\nline2\n")
    argv = EMPTY + ["-bem", str(msg), "$h_subject:", "$message_size", "$message_linecount",
                    "$body_linecount", "$message_body", "$message_body_size", "$header_x-y:",
                    "$h_from:", "$received_count"]
    out, err, code = be_main(argv, "")
    assert out == ("hi there\n  folded\n71\n7\n2\nbody line 1 line2 \n18\nz\na@b.example\n1\n")
    out = be_main(EMPTY + ["--message", str(msg), "${if def:h_message-id:{y}{n}}${if def:h_date:{y}{n}}"], "")[0]
    assert out == "yy\n"


def test_config_error_has_position_and_no_traceback(tmp_path: Path) -> None:
    pytest.importorskip("acl.config", reason="configuration reader")
    conf = tmp_path / "bad.conf"
    conf.write_text("primary_hostname = x\nfoo = 1\n")
    out, err, code = be_main(["-C", str(conf), "x"], "")
    assert code == 1 and out == ""
    assert err == f'{conf}:2:1: error: main option "foo" unknown\n'
    assert "Traceback" not in err


def test_missing_config_file() -> None:
    out, err, code = be_main(["-C", "/nonexistent/x.conf", "x"], "")
    assert code == 1 and "cannot open configuration file" in err and "Traceback" not in err


def test_config_options_and_macros_visible(tmp_path: Path) -> None:
    pytest.importorskip("acl.config", reason="configuration reader")
    conf = tmp_path / "ok.conf"
    conf.write_text("MAC = hello\nprimary_hostname = my.host\n")
    out, err, code = be_main(["-C", str(conf)], "MAC is\n$primary_hostname $qualify_domain\n")
    assert out == "> hello is\n> my.host my.host\n> \n"


def test_python_dash_m_runs() -> None:
    r = subprocess.run([sys.executable, "-m", "acl", "expand", "-C", "/dev/null", "a$pid"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("a") and r.stdout.strip()[1:].isdigit()


def test_bad_sender_option_refused() -> None:
    # exim -f 'fred@' -be: 'bad -f address "fred@": domain missing or malformed', nothing expanded
    out, err, code = be_main(EMPTY + ["-f", "fred@", "$sender_address"], "")
    assert out == "" and code != 0
    assert 'bad -f address "fred@": domain missing or malformed' in err
