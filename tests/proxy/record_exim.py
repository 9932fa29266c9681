"""Record what Exim 4.96's daemon does with PROXY headers (run by hand, as
root, with /usr/sbin/exim installed; the tests only read the result):

    python3 -m tests.proxy.record_exim [-o tests/proxy/recordings/exim_daemon.json]

``exim -bh`` cannot test PROXY (the header is read from the socket), so a real
daemon is started on a loopback port with hosts_proxy = 127.0.0.1 : ::1,
queue_only and its own spool and log under a temporary directory. Each
scenario of cases.py runs alone; its replies, the delay before the banner
and the main-log lines it caused are stored, with times, ports and ids
replaced by placeholders."""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.proxy.cases import ACLS, CASES, play

HERE = Path(__file__).resolve().parent
OUT = HERE / "recordings" / "exim_daemon.json"
PORT = 2625

# The configuration the recordings were made with; the replay uses the same
# options (tests/proxy/test_recordings.py), so keep them in step.
CONFIG = """\
primary_hostname = mail.test.example
keep_environment =
tls_advertise_hosts =
pipelining_connect_advertise_hosts =
hosts_proxy = <; 127.0.0.1 ; ::1
queue_only
spool_directory = {dir}/spool
log_file_path = {dir}/log/%slog
log_selector = +proxy +incoming_port +smtp_connection
daemon_smtp_ports = {port}
local_interfaces = <; 127.0.0.1 ; ::1
{acls}  accept
"""

_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")
_ID = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")
_DATE = re.compile(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")


def normalize(text: str, client_port: int | None = None) -> str:
    """Message ids, dates and the two loopback port numbers as placeholders."""
    text = _ID.sub("ID", _DATE.sub("DATE", text))
    text = re.sub(rf"(?<=:){PORT}\b", "RPORT", text)
    if client_port:
        text = re.sub(rf"(?<=:){client_port}\b", "PEERPORT", text)
    return text


def start(root: Path) -> subprocess.Popen[bytes]:
    for sub in ("spool", "log"):
        (root / sub).mkdir(parents=True)
    exim_user = pwd.getpwnam("Debian-exim")
    for p in (root, root / "spool", root / "log"):
        os.chown(p, exim_user.pw_uid, exim_user.pw_gid)
    conf = root / "exim.conf"
    conf.write_text(CONFIG.format(dir=root, port=PORT, acls=ACLS))
    proc = subprocess.Popen(["/usr/sbin/exim", "-C", str(conf), "-bdf", "-oX", str(PORT)])
    for _ in range(100):
        if (root / "log" / "mainlog").exists() and "daemon started" in (root / "log" / "mainlog").read_text():
            return proc
        time.sleep(0.05)
    raise SystemExit("exim daemon did not start")


def _stop_children(conf: Path) -> None:
    """Exim 4.96's session process for a v2 header cut short by the client
    (v2_truncated_close) spins on read() returning 0 and outlives the daemon:
    end the processes running this very configuration, by pid."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(conf).encode() in argv:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--output", default=str(OUT))
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="proxy-record-"))
    os.chmod(root, 0o755)
    proc = start(root)
    log = root / "log" / "mainlog"
    out: dict[str, Any] = {}
    try:
        for name in args.cases or CASES:
            for host in ("127.0.0.1", "::1"):
                if host == "::1" and not name.startswith(("v1_tcp4", "v2_tcp4", "no_header_silent")):
                    continue
                seen = len(log.read_text().splitlines())
                steps, commands = CASES[name]
                got = play(host, PORT, steps, commands)
                time.sleep(0.5)  # the session's last log lines
                lines = log.read_text().splitlines()[seen:]
                port = got.pop("client_port")
                got["log"] = [normalize(_STAMP.sub("", x), port) for x in lines]
                got["banner"] = normalize(got["banner"]) if got.get("banner") else got.get("banner")
                got["replies"] = [normalize(r) for r in got["replies"]]
                key = name if host == "127.0.0.1" else name + "@ipv6"
                out[key] = got
                print(key, json.dumps(got)[:200])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        _stop_children(root / "exim.conf")
        shutil.rmtree(root, ignore_errors=True)
    Path(args.output).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
