"""Record the DKIM goldens from the real Exim (root, Exim 4.96 and NSD
installed): ``python3 -m tests.dkim.record_goldens``.

Exim verifies DKIM in ``-bh`` sessions and asks the system resolver for keys,
so each case runs in the private namespace of tests/oracle/netns.py, where
NSD serves the zones of tests/dkim/cases.py on 127.0.0.1:53 and nothing
leaves loopback. Each case's SMTP replies and the log lines its ACLs write
are saved, with the zones and the signed messages, in
tests/dkim/goldens.json."""

from __future__ import annotations

import json
import sys
from pathlib import Path

if not __package__:  # started by path: this checkout's tests, not another one on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.oracle import EximRunner, exim_namespace, recorder_main  # noqa: E402

HERE = Path(__file__).resolve().parent
GOLDENS = HERE / "goldens.json"


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


def run_exim(exim: EximRunner, conf: str, msg: bytes) -> dict[str, list[str]]:
    r = exim.bh(exim.config(conf), "192.0.2.1", session(msg))
    replies = [ln for ln in r.stdout.decode("latin-1").splitlines() if ln[:3].isdigit()]
    logs = [k for ln in r.stderr.decode("latin-1").splitlines() if (k := kept_log(ln)) is not None]
    return {"replies": replies[4:-1], "logs": logs}


def record(_args: list[str]) -> None:
    from tests.dkim.cases import BROKEN, build

    zones, cases = build()
    with exim_namespace(zones, broken=BROKEN, prefix="acl-dkim-rec-") as exim:
        for c in cases:
            c.update(run_exim(exim, c["config"], c["msg"].encode("latin-1")))
    GOLDENS.write_text(json.dumps({"zones": zones, "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(cases)} DKIM goldens written to {GOLDENS}")


if __name__ == "__main__":
    recorder_main("tests.dkim.record_goldens", record)
