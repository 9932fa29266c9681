"""acl expand / be_main: what is ours (exit statuses, error texts, options Exim
lacks). Outputs Exim produces are recorded in test_cli_oracle.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from acl.cli.expand import be_main, read_logical_line

EMPTY = ["-C", "/dev/null"]


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


def test_bad_oMa_address() -> None:
    out, err, code = be_main(EMPTY + ["-oMa", "bad", "x"], "")
    assert (out, code) == ("", 1)
    assert '"bad" is not an IP address' in err


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
