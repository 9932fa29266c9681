"""Record AUTH sessions from the real Exim: each case of cases.py is played
against `exim -bh` one line at a time (a CRAM-MD5 answer needs the challenge
Exim just sent), keeping the replies, the CRAM challenge and the LOG lines.
Writes tests/auth/data/goldens.json. Needs Exim 4.96 and root:

    python3 tests/auth/record.py
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.auth.cases import CASES, config_text, cram_response  # noqa: E402

MSGID = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")
REPLY_END = re.compile(r"^\d{3} ")
TIMEOUT = 10.0


class Exim:
    def __init__(self, conf: Path, host: str, err: Path) -> None:
        self.errf = open(err, "wb")
        self.proc = subprocess.Popen(["/usr/sbin/exim", "-C", str(conf), "-bh", host],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errf)
        self.buf = b""

    def line(self) -> str | None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            ready, _, _ = select.select([fd], [], [], TIMEOUT)
            if not ready:
                raise TimeoutError("exim did not answer")
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            self.buf += chunk
        raw, _, self.buf = self.buf.partition(b"\n")
        return raw.decode("utf-8", "surrogateescape").rstrip("\r")

    def reply(self) -> list[str]:
        out: list[str] = []
        for _ in range(200):
            ln = self.line()
            if ln is None:
                break
            if not re.match(r"^\d{3}[ -]", ln):
                continue  # the -bh notices
            out.append(ln)
            if REPLY_END.match(ln):
                break
        return out

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text.encode() + b"\r\n")
        self.proc.stdin.flush()

    def close(self) -> list[str]:
        """What Exim still says at the end of input (e.g. 421 lost connection)."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        rest = []
        for _ in range(100):
            ln = self.line()
            if ln is None:
                break
            if re.match(r"^\d{3}[ -]", ln):
                rest.append(ln)
        self.proc.wait(TIMEOUT)
        self.errf.close()
        return rest


def norm(line: str) -> str:
    return MSGID.sub("MSGID", line)


def session(case: dict[str, Any], work: Path) -> dict[str, Any]:
    conf = work / f"{case['name']}.conf"
    conf.write_text(config_text(case.get("mailauth", False)))
    err = work / f"{case['name']}.err"
    ex = Exim(conf, case.get("host", "192.0.2.1"), err)
    banner = ex.reply()
    assert banner and banner[0].startswith("220"), banner
    steps, challenge, last = [], None, banner
    for step in case["steps"]:
        if isinstance(step, dict):
            challenge = base64.b64decode(last[-1][4:]).decode()
            text = cram_response(last[-1], *step["cram"])
        else:
            text = step
            if last and last[-1].startswith("334 ") and "CRAM" in steps[-1]["send"].upper():
                challenge = base64.b64decode(last[-1][4:]).decode()
        ex.send(text)
        last = [norm(x) for x in ex.reply()]
        steps.append({"send": text, "reply": last})
        if not last or last[-1].startswith(("221", "421")):
            break
    tail = [norm(x) for x in ex.close()]
    logs = [norm(ln[5:]) for ln in err.read_text("utf-8", "surrogateescape").splitlines()
            if ln.startswith("LOG: ")]
    return {"name": case["name"], "host": case.get("host", "192.0.2.1"),
            "mailauth": case.get("mailauth", False), "challenge": challenge,
            "steps": steps, "tail": tail, "logs": logs}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="exim-auth-"))
    os.chmod(work, 0o755)
    try:
        out = [session(c, work) for c in CASES]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    path = HERE / "data" / "goldens.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(out)} sessions written to {path}")


if __name__ == "__main__":
    main()
