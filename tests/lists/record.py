#!/usr/bin/env python3
"""Records list-matching cases from the real Exim 4.96 into recorded.json.

Two kinds of case:
  be: ``exim -C CONF -be`` expansions (match_ip / match_domain / ... conditions);
  bh: ``exim -C CONF -bh IP`` SMTP sessions whose RCPT ACL checks hosts=,
      domains=, local_parts=, senders=, recipients=, sender_domains=; for
      each RCPT the reply and the list-check debug lines (``X in "LIST"? ...``).

Data files are written under a temporary directory whose path appears as
``{D}`` in the recorded text. Run from the repository root:
    python3 tests/lists/record.py
The tests replay the cases without Exim (tests/runtime/test_lists_recorded.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import BE, BH, FILES  # noqa: E402

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", re.M)
TRACE = re.compile(r'^>>> (.* in ".*"\? .*)$')


def _write_files(d: Path) -> None:
    for name, text in FILES.items():
        (d / name).write_text(text)


def _conf(d: Path, body: str) -> Path:
    path = d / "t.conf"
    path.write_text("primary_hostname = mail.example\n" + body.replace("{D}", str(d)) + "\n")
    return path


def record_be(d: Path) -> list[dict]:
    out = []
    for conf, exprs in BE:
        path = _conf(d, conf)
        for e in exprs:
            p = subprocess.run(["exim", "-C", str(path), "-be", e.replace("{D}", str(d))],
                               capture_output=True, text=True, timeout=30)
            text = (p.stdout + p.stderr).rstrip("\n").replace(str(d), "{D}")
            text = STAMP.sub("", text)  # the panic log's time stamp
            out.append({"conf": conf, "expr": e, "out": text})
    return out


def _replies(stdout: str) -> list[str]:
    """SMTP replies, a multi-line one joined with newlines."""
    out, cur = [], []
    for line in stdout.splitlines():
        if line[:3].isdigit():
            cur.append(line)
            if line[3:4] != "-":
                out.append("\n".join(cur))
                cur = []
    return out


def record_bh(d: Path) -> list[dict]:
    out = []
    for sc in BH:
        path = _conf(d, "acl_smtp_rcpt = rcpt\n" + sc["conf"] + "\nbegin acl\nrcpt:\n" + sc["acl"])
        lines = ["HELO x", f"MAIL FROM:<{sc.get('sender', 's@s.example')}>"]
        lines += [f"RCPT TO:<{r}>" for r in sc["rcpts"]] + ["QUIT"]
        cmd = ["exim", "-C", str(path), "-bh", sc.get("ip", "192.0.2.1")]
        if sc.get("host_name"):
            cmd += ["-oMs", sc["host_name"]]
        p = subprocess.run(cmd, input="".join(x + "\r\n" for x in lines), capture_output=True,
                           text=True, timeout=60)
        replies = _replies(p.stdout)[3:-1]  # those to the RCPT commands
        chunks = p.stderr.replace(str(d), "{D}").split('>>> using ACL "rcpt"\n')[1:]
        traces = [[m.group(1) for m in map(TRACE.match, c.splitlines()) if m] for c in chunks]
        if len(replies) != len(sc["rcpts"]) or len(traces) != len(sc["rcpts"]):
            sys.exit(f"{sc['name']}: unexpected session output:\n{p.stdout}\n{p.stderr}")
        out.append({**sc, "results": [{"rcpt": r, "reply": rep, "trace": t}
                                      for r, rep, t in zip(sc["rcpts"], replies, traces)]})
    return out


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="acl-lists-") as tmp:
        d = Path(tmp)
        d.chmod(0o755)  # Exim reads the files after dropping root privilege
        _write_files(d)
        data = {"files": FILES, "be": record_be(d), "bh": record_bh(d)}
    (HERE / "recorded.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(data['be'])} expansion cases, {sum(len(s['results']) for s in data['bh'])} RCPTs recorded")


if __name__ == "__main__":
    main()
