"""Record Exim 4.96's STARTTLS replies and TLS log lines with its daemon
(run as root, with /usr/sbin/exim; the tests only read the result):

    python3 -m tests.tls.record_daemon [case ...]

``exim -bh`` cannot do TLS, so for each configuration of daemon_cases.py a
daemon (``-bdf -oX PORT -odq``) is started on 127.0.0.1 with its spool and
log under a temporary directory and a PKI from pki.py. It runs in a private
network and mount namespace with loopback only, so that no DNS query can
leave the machine. Each scenario's replies and the main-log lines it caused
go to goldens/daemon.json, times, ids and ports normalised."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # started by path: this checkout's tests, not another's
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.oracle.netns import isolated, recorder_main  # noqa: E402
from tests.tls.daemon_cases import ACLS, CASES, CONFIG, CONFIGS, normalize, play  # noqa: E402
from tests.tls.pki import Pki  # noqa: E402

OUT = Path(__file__).resolve().parent / "goldens" / "daemon.json"
PORT = 2525
SETTLE = 0.6  # for the session's last log lines after the client is done


def start(root: Path, pki: Pki, config: str) -> subprocess.Popen[bytes]:
    exim = pwd.getpwnam("Debian-exim")
    for p in (root, root / "spool", root / "log"):  # the daemon writes there as Debian-exim
        p.mkdir(exist_ok=True)
        os.chown(p, exim.pw_uid, exim.pw_gid)
    conf = root / "exim.conf"
    extra = f"{CONFIGS[config]}\ndaemon_smtp_ports = {PORT}\nlocal_interfaces = 127.0.0.1"
    conf.write_text(CONFIG.format(dir=root, pki=pki.dir, extra=extra, acls=ACLS.get(config, "")))
    proc = subprocess.Popen(["/usr/sbin/exim", "-C", str(conf), "-bdf", "-oX", str(PORT), "-odq"])
    log = root / "log" / "mainlog"
    for _ in range(100):
        if log.exists() and "daemon started" in log.read_text():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"exim daemon did not start for {config}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def record(args: list[str]) -> None:
    if not isolated():
        raise SystemExit("record_daemon: not inside the private namespaces")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    names = args or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        raise SystemExit(f"unknown cases: {' '.join(unknown)}")
    work = Path(tempfile.mkdtemp(prefix="tls-record-"))
    work.chmod(0o755)  # the daemon's session process reads the PKI as Debian-exim
    (work / "pki").mkdir(mode=0o755)
    pki = Pki(work / "pki")
    for p in (work / "pki").iterdir():
        p.chmod(0o644)
    out: dict[str, Any] = json.loads(OUT.read_text()) if args and OUT.exists() else {}
    try:
        for config in CONFIGS:
            todo = [n for n in names if CASES[n][0] == config]
            if not todo:
                continue
            root = work / config
            proc = start(root, pki, config)
            log = root / "log" / "mainlog"
            try:
                for name in todo:
                    seen = len(log.read_text().splitlines())
                    got = play(name, PORT, pki)
                    time.sleep(SETTLE)
                    ports = (PORT, got.pop("client_port"))
                    got["replies"] = [normalize(r, ports) if r is not None else None
                                      for r in got["replies"]]
                    got["log"] = [normalize(x, ports) for x in log.read_text().splitlines()[seen:]]
                    out[name] = got
                    print(name, json.dumps(got)[:300], flush=True)
            finally:
                stop(proc)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    recorder_main("tests.tls.record_daemon", record)
