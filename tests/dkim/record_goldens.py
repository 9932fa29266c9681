"""Record the DKIM goldens from the real Exim (root, Exim 4.96 and NSD
installed): ``python3 -m tests.dkim.record_goldens``.

Exim verifies DKIM in ``-bh`` sessions and asks the system resolver for keys,
so the recording runs in a new network and mount namespace with only
loopback, /etc/resolv.conf bind-mounted to name 127.0.0.1, and NSD serving
the zones of tests/dkim/cases.py on port 53. Each case's SMTP replies and
the log lines its ACLs write are saved, with the zones and the signed
messages, in tests/dkim/goldens.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDENS = HERE / "goldens.json"
INNER = "--inside-namespace"


def session(msg: bytes) -> bytes:
    body = msg.replace(b"\r\n.", b"\r\n..")
    return (b"HELO client.example\r\nMAIL FROM:<alice@dkim.test>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
            + body + b".\r\nQUIT\r\n")


def kept_log(line: str) -> str | None:
    """A LOG: line without its message id, or None when not compared."""
    if not line.startswith("LOG: "):
        return None
    words = line[5:].split(" ", 1)
    text = words[1] if len(words) == 2 and len(words[0]) == 16 else line[5:]
    return None if text.startswith(("<= ", "H=(")) and " P=smtp " in text else text


def run_exim(conf: str, msg: bytes, work: Path) -> dict[str, list[str]]:
    path = work / "exim.conf"
    path.write_text(conf)
    r = subprocess.run(["exim", "-C", str(path), "-bh", "192.0.2.1"], input=session(msg),
                       capture_output=True, timeout=120)
    replies = [ln for ln in r.stdout.decode("latin-1").splitlines() if ln[:3].isdigit()]
    logs = [k for ln in r.stderr.decode("latin-1").splitlines() if (k := kept_log(ln)) is not None]
    return {"replies": replies[4:-1], "logs": logs}


def inside() -> None:
    from tests.dkim.cases import BROKEN, build
    from tests.dnsserver import DnsServer

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = Path(tempfile.mkdtemp(prefix="acl-dkim-rec-"))
    (work / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    subprocess.run(["mount", "--bind", str(work / "resolv.conf"), "/etc/resolv.conf"], check=True)
    (work / "nsd").mkdir()
    zones, cases = build()
    with DnsServer(zones, broken=BROKEN, port=53, workdir=str(work / "nsd")):
        for c in cases:
            c.update(run_exim(c["config"], c["msg"].encode("latin-1"), work))
    GOLDENS.write_text(json.dumps({"zones": zones, "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(cases)} DKIM goldens written to {GOLDENS}")


def main() -> None:
    if sys.argv[1:] == [INNER]:
        inside()
        return
    if os.geteuid() != 0:
        sys.exit("record_goldens: run as root (it makes network and mount namespaces)")
    root = HERE.parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    sys.exit(subprocess.run(["unshare", "--net", "--mount", "--propagation", "private", sys.executable,
                             "-m", "tests.dkim.record_goldens", INNER], cwd=root, env=env).returncode)


if __name__ == "__main__":
    main()
