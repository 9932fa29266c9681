#!/usr/bin/env python3
"""Record how Exim 4.96 makes message ids under localhost_number, the value
of $localhost_number, and its start-up errors for bad values, into tests/smtp/data/localhost_number.json.

For each value, a few `exim -bh` sessions accept a message; the last part of
each id (base 62) is kept. For each bad value, the error `exim -be` stops
with. Needs Exim (and root, for -C with -bh). Usage:
    python3 tests/smtp/record_localhost_number.py [--check]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).parent / "data" / "localhost_number.json"
EXIM = "/usr/sbin/exim"
VALUES = ["0", "3", "16", "0x5", "010", " 7"]
BAD = ["abc", "17", "${if true{5}}", "3x"]
SESSION = (b"EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<d@e.example>\r\nDATA\r\n"
           b"Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n")
RUNS = 5


def _conf(d: Path, value: str) -> Path:
    p = d / f"conf{abs(hash(value))}"
    p.write_text(f"primary_hostname = mx.example.test\nlocalhost_number = {value}\n"
                 "acl_smtp_rcpt = accept\n")
    return p


def record() -> dict:
    out: dict = {"ids": {}, "errors": {}, "variable": {}}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for value in VALUES:
            conf = _conf(d, value)
            lasts = []
            for _ in range(RUNS):
                r = subprocess.run([EXIM, "-C", str(conf), "-bh", "192.0.2.1"], input=SESSION,
                                   capture_output=True, timeout=30)
                m = re.search(rb"250 OK id=(\w{6}-\w{6}-(\w\w))", r.stdout)
                assert m, r.stdout + r.stderr
                lasts.append(m.group(2).decode())
            out["ids"][value] = lasts
            r = subprocess.run([EXIM, "-C", str(conf), "-be", "$localhost_number"],
                               capture_output=True, timeout=30)
            out["variable"][value] = r.stdout.decode().strip()
        for value in BAD:
            conf = _conf(d, value)
            r = subprocess.run([EXIM, "-C", str(conf), "-be", "1"], capture_output=True, timeout=30)
            text = r.stderr.decode() + r.stdout.decode()
            # drop the date stamp and Exim's "configuration error:" heading
            lines = [re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", "", x).strip() for x in text.splitlines()]
            out["errors"][value] = [x for x in lines if x and x != "Exim configuration error:"][0]
    return out


def main() -> int:
    got = record()
    if "--check" in sys.argv:
        old = json.loads(OUT.read_text())
        same = old["errors"] == got["errors"] and old.get("variable") == got["variable"] and all(
            {v[0] for v in old["ids"][k]} == {v[0] for v in got["ids"][k]} for k in old["ids"])
        print("same" if same else "DIFFERENT")
        return 0 if same else 1
    OUT.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
