"""The daemon's fast paths: ACLs run in the loop's thread only for a
configuration whose ACLs cannot wait, connections skip aiosmtpd's per-instance
introspection, and message ids are claimed without asking the spool."""

from __future__ import annotations

import inspect
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.serve.support import InProcess, converse, state_for

BASE = """
primary_hostname = mx.test.example
queue_only
domainlist local_domains = test.example
hostlist relays = <; 127.0.0.2 ; ::1 ; 10.0.0.0/8
addresslist bad = *@spam.example : ^.*\\d{8,}@
acl_smtp_rcpt = rcpt
acl_smtp_mail = mail
begin acl
mail:
  deny    senders = +bad
  warn    set acl_m_who = ${if def:sender_host_name{$sender_host_name}{[$sender_host_address]}}
  accept
rcpt:
  deny    local_parts = ^[.] : ^.*[@%!/|]
  deny    hosts = 192.0.2.0/24
  accept  domains = +local_domains
          WHAT
  accept  hosts = +relays
"""


def waits(tmp_path: Path, what: str = "", extra: str = "") -> bool:
    from acl.builtins import load_all
    from acl.config import load_config
    from acl.serve.daemon import acl_waits

    load_all()
    conf = tmp_path / "configure"
    conf.write_text(extra + BASE.replace("WHAT", what))
    return acl_waits(load_config(str(conf)))


def test_plain_acls_do_not_wait(tmp_path: Path) -> None:
    assert waits(tmp_path) is False


@pytest.mark.parametrize("what", [
    "dnslists = zen.example", "verify = recipient", "delay = 1s", "ratelimit = 1/1h",
    "hosts = *.example", "hosts = mail.example", "hosts = net-lsearch;/etc/hosts.allow",
    "domains = @mx_any", "domains = /etc/domains", "domains = ${lookup{$domain}lsearch{/x}}",
    "condition = ${lookup dnsdb{a=example}}", "condition = ${run{/bin/true}}",
    "condition = ${readsocket{/s}{x}}", "acl = /etc/acl", "udpsend = 127.0.0.1 53 x",
    "domains = $acl_m_list",
])
def test_conditions_that_may_wait(tmp_path: Path, what: str) -> None:
    assert waits(tmp_path, what) is True


def test_named_list_with_a_lookup_waits_when_matched_in_an_expansion(tmp_path: Path) -> None:
    extra = "domainlist looked = lsearch;/etc/doms\n"
    assert waits(tmp_path, "condition = ${if match_domain{$domain}{+looked}}", extra) is True
    assert waits(tmp_path, "", extra) is False  # defined, never used by an ACL


def test_state_marks_inline_and_name_reading(tmp_path: Path) -> None:
    conf = tmp_path / "configure"
    conf.write_text(BASE.replace("WHAT", ""))
    st = state_for(conf, tmp_path / "spool")
    assert st.acl_inline and st.acl_reads_host_name


def _session(rcpt: str = "user@test.example") -> bytes:
    return (f"EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<{rcpt}>\r\n"
            "RCPT TO:<x/y@test.example>\r\nDATA\r\nSubject: t\r\n\r\nbody\r\n.\r\nQUIT\r\n").encode()


def _run_recording_threads(tmp_path: Path, monkeypatch: Any, what: str,
                           name: bool = False) -> tuple[bytes, set[str]]:
    from acl.smtp.policy import Policy

    threads: set[str] = set()
    real = Policy.run

    def run(self: Any, where: str) -> Any:
        threads.add(threading.current_thread().name)
        return real(self, where)

    monkeypatch.setattr(Policy, "run", run)
    conf = tmp_path / "configure"
    text = BASE.replace("WHAT", what)
    if not name:
        text = text.replace("$sender_host_name", "x").replace("def:sender_host_name", "def:acl_c0")
    conf.write_text(text)
    with InProcess(state_for(conf, tmp_path / "spool")) as srv:
        out = converse(srv.port, _session())
        loop_thread = srv.thread.name
    return out, {"loop" if t == loop_thread else "pool" for t in threads}


def test_inline_session_runs_acls_in_the_loop_thread(tmp_path: Path, monkeypatch: Any) -> None:
    out, where = _run_recording_threads(tmp_path, monkeypatch, "")
    assert b"250 Accepted" in out and b"550 Administrative prohibition" in out
    assert b"\r\n250 OK id=" in out
    assert where == {"loop"}


def test_unknown_host_name_sends_acls_reading_it_to_the_pool(tmp_path: Path,
                                                             monkeypatch: Any) -> None:
    """No host_lookup and no resolver: $sender_host_name would be looked up
    when read, so no phase runs in the loop's thread."""
    out, where = _run_recording_threads(tmp_path, monkeypatch, "", name=True)
    assert b"250 Accepted" in out
    assert where == {"pool"}


def test_waiting_configuration_runs_acls_in_the_pool(tmp_path: Path, monkeypatch: Any) -> None:
    out, where = _run_recording_threads(tmp_path, monkeypatch, "delay = 0s")
    assert b"250 Accepted" in out
    assert where == {"pool"}


def test_connections_skip_aiosmtpd_introspection(tmp_path: Path, monkeypatch: Any) -> None:
    from acl.serve.protocol import ServeSMTP

    def refuse(*a: Any, **k: Any) -> Any:
        raise AssertionError("inspect.getmembers per connection")

    conf = tmp_path / "configure"
    conf.write_text(BASE.replace("WHAT", ""))
    with InProcess(state_for(conf, tmp_path / "spool")) as srv:
        monkeypatch.setattr(inspect, "getmembers", refuse)
        out = converse(srv.port, _session())
        proto = srv.call(lambda: ServeSMTP(srv.server))
    assert b"221 mx.test.example closing connection" in out
    assert proto._smtp_methods == {} and proto._handle_hooks == {}
    assert proto.hostname == "exim-acl" and proto.transport is None


def test_claim_id_without_the_spool(tmp_path: Path, monkeypatch: Any) -> None:
    import time

    from acl.serve.daemon import Server
    from acl.smtp.logs import message_id

    conf = tmp_path / "configure"
    conf.write_text(BASE.replace("WHAT", ""))
    server = Server(state_for(conf, tmp_path / "spool"))
    mid = message_id(time.time())
    monkeypatch.setattr(server.spool, "exists", lambda m: pytest.fail("spool asked"))
    assert server.claim_id(mid) == mid
    second = server.claim_id(mid)  # being written by another session
    assert second != mid and second[:14] == mid[:14]
    server.unclaim(mid)
    third = server.claim_id(mid)  # written already: remembered in memory
    assert third not in (mid, second)
    old = message_id(time.time() - 3600)  # older than the memory: the spool decides
    monkeypatch.setattr(server.spool, "exists", lambda m: m == old)
    assert server.claim_id(old) != old


TIMEOUT_CONF = """primary_hostname = test.example
smtp_receive_timeout = 1s
acl_smtp_rcpt = accept
queue_only
"""


def test_one_timer_per_connection_moves_with_each_read(tmp_path: Path, monkeypatch: Any) -> None:
    """Commands 0.4 s apart for 2 s keep a 1 s smtp_receive_timeout from
    firing; silence then ends the session after about 1 s. The timer is
    armed a few times, not once per read."""
    import socket
    import time

    from acl.serve.protocol import TimedReader

    armed: list[float] = []
    real = TimedReader._check

    def check(self: Any) -> None:
        armed.append(time.monotonic())
        real(self)

    monkeypatch.setattr(TimedReader, "_check", check)
    conf = tmp_path / "c.conf"
    conf.write_text(TIMEOUT_CONF)
    with InProcess(state_for(conf, tmp_path / "spool")) as srv:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        s.recv(200)
        for _ in range(5):
            time.sleep(0.4)
            s.sendall(b"NOOP\r\n")
            assert s.recv(200) == b"250 OK\r\n"
        quiet = time.monotonic()
        got = s.recv(200)
        waited = time.monotonic() - quiet
        s.close()
        srv.wait_idle()
    assert got == b"421 test.example: SMTP command timeout - closing connection\r\n"
    assert 0.8 < waited < 1.6
    assert 1 <= len(armed) <= 4
