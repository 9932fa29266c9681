"""${run} is refused unless the configuration (expansion_allow_run, set inside
`.ifdef _EXIM_ACL` so that Exim can read the same file) or --allow-run enables it."""

from __future__ import annotations

from pathlib import Path

from acl.cli.expand import be_main

RUN = "${run{/bin/echo hi}{<$value>}{no}}"


def test_refused_by_default() -> None:
    out, _err, code = be_main([RUN], "")
    assert out == "Failed: running a command is not permitted\n"
    assert code == 1


def test_enabled_by_command_line() -> None:
    out, _err, code = be_main(["--allow-run", RUN], "")
    assert (out, code) == ("<hi\n>\n", 0)


def test_enabled_by_configuration(tmp_path: Path) -> None:
    conf = tmp_path / "run.conf"
    conf.write_text(".ifdef _EXIM_ACL\nexpansion_allow_run = true\n.endif\n")
    out, _err, code = be_main(["-C", str(conf), RUN], "")
    assert (out, code) == ("<hi\n>\n", 0)


def test_tainted_command_still_refused_when_enabled() -> None:
    # Remote data may be an argument (no shell is involved), never the command.
    argv = ["--allow-run", "-oMa", "10.0.0.1", "-oMs", "/bin/echo"]
    out, _err, code = be_main(argv + ["${run{/bin/echo $sender_host_address}}"], "")
    assert (out, code) == ("10.0.0.1\n\n", 0)
    for expr in ("${run{$sender_host_name x}}", "${run,preexpand{/bin/echo $sender_host_address}}"):
        out, _err, code = be_main(argv + [expr], "")
        assert (out, code) == ("Failed: couldn't create child process: Operation not permitted\n", 1)


def test_acl_item_runs_configured_acls(tmp_path: Path) -> None:
    conf = tmp_path / "acl.conf"
    conf.write_text("begin acl\nsub:\n  deny message = denied by $acl_arg1\n")
    out, _err, code = be_main(["-C", str(conf), "${acl{sub}{me}}", "${acl{nosuch}}"], "")
    assert out == 'denied by me\nFailed: ERROR from acl "nosuch"\n'
