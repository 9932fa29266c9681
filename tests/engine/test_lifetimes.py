"""The ratelimit condition wired into the engine and the lifetimes the SMTP
dialogue drives (begin_connection / begin_message / begin_command). Expected
log lines and replies were recorded with ``exim -bh 10.0.0.1``."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

from acl.engine import Engine, Result
from acl.runtime.context import ExpansionContext
from acl.config import parse_config_text


class Dialogue:
    """The engine calls an SMTP session makes, on a fake clock."""

    def __init__(self, text: str, spool: Path | None = None) -> None:
        opts = f"spool_directory = {spool}\n" if spool else ""
        self.config = parse_config_text(opts + text, filename="t.conf")
        self.engine = Engine(self.config)
        self.now = 1_700_000_000.0
        self.logs: list[str] = []
        self.connect()

    def connect(self) -> None:
        self.ctx = ExpansionContext(config=self.config, clock=self._clock)
        self.ctx.variables["sender_host_address"] = "10.0.0.1"
        self.engine.begin_connection(self.ctx)

    def _clock(self) -> float:
        self.now += 0.001
        return self.now

    def _run(self, where: str) -> Any:
        acl = self.engine.acl_for(where)
        v = self.engine.run_acl(acl, self.ctx, where=where)
        self.logs += [line.text for line in v.logs]
        if v.result != Result.OK and v.log_message:
            self.logs.append(f"{v.verb}: {v.log_message}")
        return v

    def command(self, cmd: str) -> Result:
        self.engine.begin_command(self.ctx)
        verb, _, arg = cmd.partition(" ")
        if verb in ("helo", "rset"):
            self.engine.begin_message(self.ctx)
            return Result.OK
        if verb == "mail":
            self.engine.begin_message(self.ctx)
            self.ctx.variables["sender_address"] = arg
            return self._run("mail").result
        lp, _, dom = arg.partition("@")
        self.ctx.variables.update(local_part=lp, domain=dom)
        return self._run("rcpt").result


SESSION = """acl_smtp_mail = m
acl_smtp_rcpt = r
begin acl
m:
  warn ratelimit = 2/1h/per_cmd/strict
  warn logwrite = M $sender_rate
  accept
r:
  warn ratelimit = 1/1h/per_mail/strict
  warn logwrite = R1 $sender_rate $sender_rate_limit $sender_rate_period
  deny ratelimit = 3/1h/per_rcpt/strict/$local_part
       message = too fast $sender_rate
  warn ratelimit = 2/1h/per_rcpt/foo/bar
       logwrite = never
  accept
"""


def test_session_rates_and_caches_match_exim(tmp_path: Path) -> None:
    d = Dialogue(SESSION, tmp_path)
    results = [d.command(c) for c in ("helo x", "mail a@b.c", "rcpt x@y.z", "rcpt x@y.z",
                                      "rcpt x@y.z", "rcpt x@y.z", "rset", "mail a@b.c",
                                      "rcpt q@y.z")]
    assert results[5] == Result.FAIL and results.count(Result.FAIL) == 1
    assert d.logs == ["M 1.0", "R1 1.0 1 1h", "R1 1.0 1 1h", "R1 1.0 1 1h", "never",
                      "R1 1.0 1 1h", "deny: too fast 4.0", "M 2.0", "R1 2.0 1 1h", "never"]
    assert (tmp_path / "db" / "ratelimit.sqlite").exists()


def test_bad_options_error_with_exim_text() -> None:
    d = Dialogue("acl_smtp_rcpt = r\nbegin acl\nr:\n"
                 "  accept ratelimit = 2/1h/per_rcpt/bogus/strict/leaky\n")
    assert d.command("rcpt x@y.z") == Result.ERROR
    assert d.logs == ['error: error in arguments to "ratelimit" condition: '
                      "conflicting update modes"]


def test_acl_m_reset_per_message_acl_c_per_connection() -> None:
    # exim -bh: M <> <hc> / R <> <mm> <hc>, twice (RSET in between).
    d = Dialogue("acl_smtp_mail = m\nacl_smtp_rcpt = r\nbegin acl\n"
                 "m:\n  accept logwrite = M <$acl_m0> <$acl_c0>\n         set acl_m1 = mm\n"
                 "r:\n  accept logwrite = R <$acl_m0> <$acl_m1> <$acl_c0>\n")
    d.ctx.acl_vars.update(acl_m0="hm", acl_c0="hc")  # as a HELO ACL would set them
    for c in ("helo x", "mail a@b.c", "rcpt x@y.z", "rset", "mail a@b.c", "rcpt x@y.z"):
        d.command(c)
    assert d.logs == ["M <> <hc>", "R <> <mm> <hc>"] * 2
    d.connect()
    assert d.ctx.acl_vars == {}


def test_sender_rate_forgotten_at_helo() -> None:
    # exim -bh: H <> / M <1.0> / R <1.0> / (helo again) H <>
    d = Dialogue("acl_smtp_mail = m\nacl_smtp_rcpt = r\nbegin acl\n"
                 "m:\n  warn ratelimit = 2/1h\n  accept\n"
                 "r:\n  accept logwrite = R <$sender_rate>\n")
    d.command("helo x")
    d.command("mail a@b.c")
    d.command("rcpt x@y.z")
    d.command("helo y")
    assert d.logs == ["R <1.0>"] and "sender_rate" not in d.ctx.variables


def _hammer(spool: str, n: int) -> None:
    d = Dialogue("acl_smtp_rcpt = r\nbegin acl\nr:\n  warn ratelimit = 1000000/1d/per_rcpt/"
                 "count=1/strict\n  accept\n", Path(spool))
    for _ in range(n):
        d.command("rcpt a@b")


def test_store_shared_by_concurrent_processes(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path), 30)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    # One more event in a fresh process, on the same fake clock: the 91 events
    # counted so far, none lost to a lost update.
    d = Dialogue("acl_smtp_rcpt = r\nbegin acl\nr:\n  warn ratelimit = 1000000/1d/per_rcpt/"
                 "strict\n  accept logwrite = $sender_rate\n", tmp_path)
    d.command("rcpt a@b")
    assert float(d.logs[0]) >= 90.0 and os.path.isdir(tmp_path / "db")
