"""Record MIME ACL goldens from the real Exim: each case is one SMTP session
(exim -bh) delivering a message, with a MIME ACL that logs every $mime_*
variable and the decoded part, and a DATA ACL. Writes tests/mime/data/cases.json
(LOG lines and SMTP replies, message id and spool path replaced).

Run as root (Exim drops to its own user and needs a world-writable spool):
    python3 tests/mime/record.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.mime.cases import CASES, config_text  # noqa: E402

MSGID = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")
DATE = re.compile(r"\w\w\w, \d\d \w\w\w \d{4} \d\d:\d\d:\d\d [+-]\d{4}")


def session(case: dict) -> dict:
    d = Path(tempfile.mkdtemp(prefix="exim-mime-"))
    os.chmod(d, 0o777)
    try:
        (d / "c.conf").write_text(config_text(case, f"{d}/spool"))
        msg = case["message"].replace("\n", "\r\n")
        stdin = ("EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
                 + msg + ".\r\nQUIT\r\n")
        proc = subprocess.run(["/usr/sbin/exim", "-C", str(d / "c.conf"), "-bh", "192.0.2.1"],
                              input=stdin.encode("utf-8", "surrogateescape"),
                              capture_output=True, timeout=60)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    out = (proc.stdout + proc.stderr).decode("utf-8", "surrogateescape")

    def norm(line: str) -> str:
        return DATE.sub("DATE", MSGID.sub("MSGID", line.replace(f"{d}/spool", "SPOOL")))

    logs = [norm(ln[5:]) for ln in out.splitlines() if ln.startswith("LOG: ")]
    replies = [norm(ln) for ln in proc.stdout.decode("utf-8", "surrogateescape").splitlines()
               if re.match(r"\d{3}[ -]", ln) and not ln.startswith(("220", "250-", "221"))]
    return {"logs": logs, "replies": replies}


def main() -> None:
    out = {}
    for case in CASES:
        out[case["name"]] = session(case)
    path = HERE / "data" / "cases.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(out)} cases written to {path}")


if __name__ == "__main__":
    main()
