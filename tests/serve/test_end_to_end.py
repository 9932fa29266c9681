"""Real clients against a real server: swaks and smtplib, on the built-in
default configuration (the README's first command) and on test ones."""

from __future__ import annotations

import re
import shutil
import smtplib
import subprocess
from pathlib import Path

import pytest

from acl.cli.serve import queue_main
from acl.resources import stdlib_dir
from tests.serve.support import InProcess, Subprocess, free_port, state_for

DEFAULT_CONF = stdlib_dir() / "default.conf"
_ID = re.compile(r"250 OK id=(\S+)")


def _maildir_files(root: Path, user: str) -> list[Path]:
    return sorted((root / "mail" / user / "new").glob("*"))


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is not installed")
def test_readme_scenario_swaks_to_default_config(tmp_path: Path) -> None:
    port = free_port()
    srv = Subprocess(["--state-dir", str(tmp_path / "state"), "--listen", f"127.0.0.1:{port}"],
                     cwd=tmp_path).start(port)
    try:
        out = subprocess.run(["swaks", "--server", f"127.0.0.1:{port}", "--to", "bob@localhost",
                              "--from", "alice@example.com", "--header", "Subject: hello bob",
                              "--body", "from the README"],
                             capture_output=True, text=True, timeout=60).stdout
        mid = _ID.search(out)
        assert mid, out
    finally:
        assert srv.stop() == 0
    files = _maildir_files(tmp_path / "state", "bob")
    assert len(files) == 1
    text = files[0].read_text()
    assert "Subject: hello bob" in text and "from the README" in text
    assert f"id {mid.group(1)}" in text and text.startswith("Return-path: <alice@example.com>\n")
    log = (tmp_path / "state" / "log" / "mainlog").read_text()
    assert re.search(rf"^\S+ \S+ {mid.group(1)} <= alice@example.com H=\(\S+\) \[127.0.0.1\] "
                     r"P=esmtp S=\d+ id=\S+$", log, re.M), log
    assert f"{mid.group(1)} => bob <bob@localhost> R=localuser T=local_delivery" in log
    assert f"{mid.group(1)} Completed" in log
    assert not list((tmp_path / "state" / "spool" / "input").iterdir())


def _default_state(tmp_path: Path):  # type: ignore[no-untyped-def]
    from acl.serve.daemon import load_state

    st = load_state(str(DEFAULT_CONF), {"STATE_DIR": str(tmp_path)}, ["127.0.0.1:0"], True)
    return st


def test_smtplib_local_and_relay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with InProcess(_default_state(tmp_path)) as srv:
        with smtplib.SMTP("127.0.0.1", srv.port, timeout=10) as c:
            for n in range(3):
                c.sendmail("a@example.com", ["carol@localhost", "Dave@localhost"],
                           f"Subject: n{n}\r\n\r\nbody {n}\r\n")
            # relaying from localhost is allowed; nothing delivers remotely yet
            c.sendmail("a@example.com", ["far@example.org"], "Subject: away\r\n\r\nx\r\n")
        srv.wait_idle()
    assert len(_maildir_files(tmp_path, "carol")) == 3
    assert len(_maildir_files(tmp_path, "dave")) == 3
    args = ["--state-dir", str(tmp_path)]
    assert queue_main([*args, "list"]) == 0
    listing = capsys.readouterr().out
    assert "<a@example.com>" in listing and "   far@example.org" in listing
    mid = listing.split()[2]
    assert queue_main([*args, "remove", mid]) == 0
    assert capsys.readouterr().out == f"Message {mid} has been removed\n"
    assert queue_main([*args, "list"]) == 0
    assert capsys.readouterr().out == ""


def test_relay_refused_from_elsewhere(tmp_path: Path) -> None:
    with InProcess(_default_state(tmp_path), peer_override=lambda p: ("192.0.2.9", p[1])) as srv:
        with smtplib.SMTP("127.0.0.1", srv.port, timeout=10) as c:
            c.ehlo("client.example")
            c.mail("a@example.com")
            assert c.rcpt("far@example.org") == (550, b"relay not permitted")
            assert c.rcpt("x.y@localhost")[0] == 250
            assert c.rcpt("a/b@localhost") == (550, b"Restricted characters in address")
        srv.wait_idle()
    log = (tmp_path / "log" / "mainlog").read_text()
    assert "H=(client.example) [192.0.2.9] F=<a@example.com> rejected RCPT <far@example.org>: " \
           "relay not permitted" in log


def test_spool_before_250(tmp_path: Path) -> None:
    """Queued messages (queue_only): the 250's id names files already in the spool."""
    conf = tmp_path / "c.conf"
    conf.write_text("primary_hostname = t.example\nqueue_only\nacl_smtp_rcpt = accept\n")
    spool = tmp_path / "spool"
    with InProcess(state_for(conf, spool)) as srv:
        with smtplib.SMTP("127.0.0.1", srv.port, timeout=10) as c:
            c.ehlo("x")
            c.mail("s@x.example")
            c.rcpt("r@t.example")
            code, text = c.data(b"Subject: q\r\n\r\nline\r\n.dot\r\n")
            assert code == 250
            mid = text.decode().removeprefix("OK id=")
            assert (spool / "input" / f"{mid}-H").exists()
            data = (spool / "input" / f"{mid}-D").read_bytes()
            assert data.endswith(b"Subject: q\n\nline\n.dot\n")
            assert f"id {mid}".encode() in data
    from acl.spool import Spool

    env = Spool(spool).envelope(mid)
    assert (env.sender, env.recipients, env.queued, env.host_address) == \
        ("s@x.example", ["r@t.example"], True, "127.0.0.1")
