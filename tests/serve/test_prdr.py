"""PRDR through acl serve, with Exim 4.96 itself as the sending client (its
smtp transport with hosts_try_prdr = *) and with a raw client."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from acl.spool import Spool
from tests.serve.support import InProcess, converse, state_for

EXIM = "/usr/sbin/exim"

SERVER_CONF = """
primary_hostname = mx.example.test
prdr_enable = true
acl_smtp_rcpt = accept
acl_smtp_data_prdr = acl_prdr
acl_smtp_data = acl_data
queue_only = true

begin acl

acl_prdr:
  deny  local_parts = bad
        message = no thanks for $local_part
  defer local_parts = later
  accept

acl_data:
  warn  logwrite = data ACL sees $recipients_count: $recipients
  accept
"""

CLIENT_CONF = """
primary_hostname = client.example.test
spool_directory = SPOOL
log_file_path = SPOOL/%slog
host_lookup =
rfc1413_hosts =
keep_environment =

begin routers

to_server:
  driver = manualroute
  route_list = * 127.0.0.1
  self = send
  transport = prdr_smtp

begin transports

prdr_smtp:
  driver = smtp
  port = PORT
  hosts_try_prdr = *
  allow_localhost
  hosts_avoid_tls = *

begin retry
* * F,1m,1m
"""


def _server(tmp_path: Path) -> tuple[InProcess, Spool]:
    conf = tmp_path / "server.conf"
    conf.write_text(SERVER_CONF)
    return InProcess(state_for(conf, tmp_path / "spool")), Spool(tmp_path / "spool")


@pytest.mark.skipif(not os.access(EXIM, os.X_OK) or os.geteuid() != 0,
                    reason="needs Exim 4.96 and root (its -C and spool)")
def test_exim_as_prdr_client(tmp_path: Path) -> None:
    srv, spool = _server(tmp_path)
    # Exim drops to its own user: its spool must be reachable from /tmp.
    outside = Path(tempfile.mkdtemp(prefix="exim-prdr-"))
    outside.chmod(0o755)
    client_spool = outside / "spool"
    client_spool.mkdir()
    shutil.chown(client_spool, "Debian-exim", "Debian-exim")
    try:
        _exim_run(srv, outside, client_spool, tmp_path, spool)
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def _exim_run(srv: InProcess, outside: Path, client_spool: Path, tmp_path: Path,
              spool: Spool) -> None:
    with srv:
        conf = outside / "client.conf"
        conf.write_text(CLIENT_CONF.replace("SPOOL", str(client_spool))
                        .replace("PORT", str(srv.port)))
        message = b"Subject: prdr from exim\n\nhello\n"
        subprocess.run([EXIM, "-C", str(conf), "-odi", "-f", "sender@client.example.test",
                        "a@example.com", "bad@example.com", "later@example.com",
                        "c@example.org"], input=message, timeout=60, check=True)
        srv.wait_idle()
    exim_log = (client_spool / "mainlog").read_text()
    # Exim (sending with BDAT) took one reply per recipient after its PRDR data.
    host = r"R=to_server T=prdr_smtp H=127.0.0.1 \[127.0.0.1\]"
    assert re.search(rf"\*\* bad@example.com {host}: PRDR error after BDAT \d+ LAST: "
                     r"550 no thanks for bad$", exim_log, re.M), exim_log
    assert re.search(r"== later@example.com R=to_server T=prdr_smtp defer \(0\) H=127.0.0.1 \[127.0.0.1\]: "
                     r"PRDR error after BDAT \d+ LAST: 450 PRDR R=<later@example.com> "
                     r"temporary refusal$", exim_log, re.M), exim_log
    for ok in ("a@example.com", "c@example.org"):
        assert re.search(rf'[=-]> {ok} {host} PRDR K C="250 PRDR R=<{ok}> acceptance\\\\n'
                         r'250 id=\S+ message accepted for some recipients"$', exim_log,
                         re.M), exim_log
    # Only the accepted recipients are in the message acl serve spooled
    # (beside it: Exim's bounce for bad@, which it sent to us too).
    by_sender = {spool.envelope(m).sender: spool.envelope(m) for m in spool.ids()}
    assert by_sender["sender@client.example.test"].recipients == ["a@example.com", "c@example.org"]
    log = (tmp_path / "spool" / "mainlog").read_text()
    assert "data ACL sees 2: a@example.com, c@example.org" in log
    assert "PRDR bad@example.com no thanks for bad" in log
    assert "PRDR R=<later@example.com> temporary refusal" in log
    assert " P=esmtp PRDR K S=" in log


def test_raw_client_prdr(tmp_path: Path) -> None:
    srv, spool = _server(tmp_path)
    with srv:
        out = converse(srv.port, b"EHLO c.example.net\r\nMAIL FROM:<s@example.net> PRDR\r\n"
                       b"RCPT TO:<a@example.com>\r\nRCPT TO:<bad@example.com>\r\nDATA\r\n"
                       b"Subject: raw\r\n\r\nbody\r\n.\r\nQUIT\r\n")
        srv.wait_idle()
    lines = out.decode().split("\r\n")
    assert "250-PRDR" in lines
    at = lines.index("353 PRDR content analysis beginning")
    assert lines[at + 1:at + 3] == ["250 PRDR R=<a@example.com> acceptance",
                                    "550 no thanks for bad"]
    assert lines[at + 3].startswith("250 id=") and lines[at + 3].endswith(
        " message accepted for some recipients")
    (mid,) = spool.ids()
    assert lines[at + 3] == f"250 id={mid} message accepted for some recipients"
    assert spool.envelope(mid).recipients == ["a@example.com"]
