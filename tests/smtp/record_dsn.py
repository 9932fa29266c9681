#!/usr/bin/env python3
"""Record the DSN reports Exim 4.96 makes (success, failure, delay warning)
into tests/smtp/data/dsn/*.eml.

Exim runs with its own spool, log and Maildirs under a temporary directory
(`-C`, queue_only): each case is one `exim -bs` session with DSN parameters;
a redirect router fails `fail` (`:fail:`) and defers `late*` (`:defer:`).
Delivery is `exim -M`; the reports Exim queues are then delivered with
`exim -M` to the sender's Maildir and written out as delivered. Delay
warnings come from two runs: delay_warning = 2s with a real wait, and
delay_warning = 4h with the messages' received time moved back 5h in their
-H files. Needs root and Exim. Usage:
    python3 tests/smtp/record_dsn.py [--check]
(--check compares with the files, as tests/serve/test_dsn.py normalises them,
instead of writing.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "data" / "dsn"
EXIM = "/usr/sbin/exim"

CONF = """
primary_hostname = mx.example.test
qualify_domain = example.com
spool_directory = TMP/spool
log_file_path = TMP/log/%slog
exim_user = root
exim_group = root
keep_environment =
dsn_advertise_hosts = *
acl_smtp_rcpt = accept
queue_only = true
delay_warning = DELAY

begin routers

deferred:
  driver = redirect
  local_parts = ^late
  allow_defer
  data = :defer: mailbox busy

failed:
  driver = redirect
  local_parts = fail
  allow_fail
  data = :fail: mailbox unavailable

local:
  driver = accept
  transport = md

begin transports

md:
  driver = appendfile
  directory = TMP/mail/${if eq{$local_part}{sender}{sender}{others}}
  maildir_format
  user = Debian-exim
  delivery_date_add
  envelope_to_add
  return_path_add

begin retry
* * F,1d,1m
"""

# A case: (MAIL parameters, [(recipient, RCPT parameters)], message);
# its reports land in the files named by OUTPUTS.
Case = tuple[str, list[tuple[str, str]], str]

DONE: dict[str, Case] = {
    "one": ("RET=HDRS ENVID=env+2Bid1",
            [("ok@example.com", "NOTIFY=SUCCESS ORCPT=rfc822;orig+2Bok@example.com"),
             ("fail@example.com", "NOTIFY=FAILURE,DELAY ORCPT=rfc822;fail@example.com"),
             ("never@example.com", "NOTIFY=NEVER")],
            "Subject: test one\nFrom: sender@example.com\nMessage-ID: <m1@example.com>\n\n"
            "Hello body line\nsecond\n"),
    "two": ("RET=FULL", [("fail@example.com", "")],
            "Subject: test two\nFrom: sender@example.com\n\nHello body line\n"),
    "three": ("", [("fail@example.com", "")], "Subject: test three\n\nbody three\n"),
    "four": ("ENVID=a+ZZb", [("ok@example.com", "NOTIFY=SUCCESS"), ("fail@example.com", "")],
             "Subject: test four\n\nbody four\n"),
    "t5": ("RET=HDRS", [("fail@a.example", "NOTIFY=FAILURE ORCPT=x400;abc"),
                        ("fail@b.example", "NOTIFY=FAILURE ORCPT=rfc822;bad+ZZ"),
                        ("fail@c.example", "NOTIFY=FAILURE ORCPT=;x"),
                        ("fail@f.example", "NOTIFY=FAILURE ORCPT=foo")],
           "Subject: t5\n\nbody\n"),
}

LATE: dict[str, Case] = {
    "late one": ("RET=HDRS ENVID=env+2Bid1",
                 [("late1@example.com", "NOTIFY=DELAY ORCPT=rfc822;orig+2Blate1@example.com"),
                  ("ok@example.com", "NOTIFY=SUCCESS"),
                  ("late2@example.com", "")],
                 "Subject: late one\nFrom: sender@example.com\nMessage-ID: <d1@example.com>\n\n"
                 "body one\n"),
    "late two": ("RET=FULL", [("late1@example.com", "NOTIFY=DELAY,FAILURE")],
                 "Subject: late two\n\nbody two\n"),
    "late three": ("", [("late1@example.com", "NOTIFY=SUCCESS,FAILURE"),
                        ("late2@example.com", "NOTIFY=NEVER"),
                        ("late3@example.com", "NOTIFY=DELAY")],
                   "Subject: late three\n\nbody three\n"),
    "late four": ("", [("late1@example.com", "NOTIFY=NEVER")], "Subject: late four\n\nb\n"),
    "late five": ("", [("late1@example.com", "NOTIFY=SUCCESS")], "Subject: late five\n\nb\n"),
    "late six": ("", [("late1@example.com", "")], "Subject: late six\n\nbody six\n"),
    "late seven": ("ENVID=a+ZZb", [("late1@example.com", "NOTIFY=DELAY")],
                   "Subject: late seven\n\nb\n"),
    "late eight": ("", [("late1@example.com", "NOTIFY=DELAY"),
                        ("late2@example.com", "NOTIFY=SUCCESS"),
                        ("late3@example.com", "NOTIFY=NEVER")],
                   "Subject: late eight\n\nb\n"),
    "late nine": ("", [("late1@example.com", "NOTIFY=NEVER"),
                       ("late2@example.com", "NOTIFY=DELAY")],
                  "Subject: late nine\n\nb\n"),
    "late ten": ("", [("late1@example.com", ""), ("late2@example.com", "NOTIFY=NEVER")],
                 "Subject: late ten\n\nb\n"),
}

HOURS: dict[str, Case] = {
    "late hours": ("", [("late1@example.com", ""), ("late2@example.com", "")],
                   "Subject: late hours\nMessage-ID: <h1@example.com>\n\nbody\n"),
}

# delay_warning values whose wording ("N minutes" or "N hours") is recorded,
# each with a message backdated past it.
WORDING = {"1h": 2 * 3600, "90m": 2 * 3600, "3h": 4 * 3600, "179m": 4 * 3600}

# (kind, subject of the reported message) -> file
OUTPUTS = {
    ("success", "test one"): "success.eml",
    ("failure", "test one"): "failure-hdrs.eml",
    ("failure", "test two"): "failure-full.eml",
    ("failure", "test three"): "failure-nodsn.eml",
    ("success", "test four"): "success-badenvid.eml",
    ("failure", "test four"): "failure-badenvid.eml",
    ("failure", "t5"): "failure-orcpt.eml",
    ("delay", "late one"): "delay-hdrs.eml",
    ("success", "late one"): "success-partial.eml",
    ("delay", "late two"): "delay-full.eml",
    ("delay", "late eight"): "delay-notify.eml",
    ("delay", "late ten"): "delay-never.eml",
    ("delay", "late six"): "delay-nodsn.eml",
    ("delay", "late seven"): "delay-badenvid.eml",
    ("delay", "late hours"): "delay-hours.eml",
    **{("delay", f"late {v}"): f"delay-{v}.eml" for v in WORDING},
}


def _exim(conf: Path, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([EXIM, "-C", str(conf), *args], input=data, capture_output=True,
                          timeout=60)


def _submit(conf: Path, case: Case) -> str:
    mail, rcpts, message = case
    lines = ["EHLO client.example.net", f"MAIL FROM:<sender@example.com> {mail}".rstrip()]
    lines += [f"RCPT TO:<{r}> {p}".rstrip() for r, p in rcpts]
    lines += ["DATA", message.rstrip("\n").replace("\n", "\r\n"), ".", "QUIT"]
    r = _exim(conf, "-bs", "-odq", "-oMa", "127.0.0.1",
              data=("\r\n".join(lines) + "\r\n").encode())
    m = re.search(rb"250 OK id=(\S+)", r.stdout)
    assert m and b"\n5" not in r.stdout, r.stdout + r.stderr
    return m.group(1).decode()


def _queue(spool: Path) -> set[str]:
    return {p.name[:-2] for p in (spool / "input").glob("*-H")}


def _backdate(spool: Path, mid: str, seconds: int) -> None:
    """Move the received time (line 4 of the -H file, after the id, owner and sender) back."""
    p = spool / "input" / f"{mid}-H"
    lines = p.read_text().split("\n")
    when, count = lines[3].split()
    lines[3] = f"{int(when) - seconds} {count}"
    p.write_text("\n".join(lines))


def _batch(tmp: Path, name: str, delay: str, cases: dict[str, Case], *,
           wait: float = 0, backdate: int = 0) -> list[str]:
    d = tmp / name
    for sub in ("spool", "log", "mail"):
        (d / sub).mkdir(parents=True)
    shutil.chown(d / "mail", "Debian-exim", "Debian-exim")
    conf = d / "conf"
    conf.write_text(CONF.replace("TMP", str(d)).replace("DELAY", delay))
    ids = [_submit(conf, c) for c in cases.values()]
    for mid in ids:
        if backdate:
            _backdate(d / "spool", mid, backdate)
    time.sleep(wait)
    for mid in ids:
        _exim(conf, "-M", mid)
    reports = sorted(_queue(d / "spool") - set(ids))
    if reports:
        _exim(conf, "-M", *reports)
    left = _queue(d / "spool") - set(ids)
    assert not left, f"reports not delivered: {left}"
    box = d / "mail" / "sender" / "new"
    return [p.read_text() for p in sorted(box.iterdir())] if box.is_dir() else []


def _kind(text: str) -> str:
    if "\nX-Failed-Recipients:" in "\n" + text:
        return "failure"
    return "delay" if "\nSubject: Warning: message" in text else "success"


def _about(text: str) -> str:
    """The subject of the message a report is about (in its last part)."""
    return re.findall(r"(?m)^Subject: (.*)$", text)[-1]


def record() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        os.chmod(tmp, 0o755)  # the Maildir deliveries run as Debian-exim
        texts = _batch(tmp, "done", "24h", DONE)
        texts += _batch(tmp, "late", "2s", LATE, wait=3)
        texts += _batch(tmp, "hours", "4h", HOURS, backdate=5 * 3600)
        for value, back in WORDING.items():
            case = ("", [("late1@example.com", "")], f"Subject: late {value}\n\nb\n")
            texts += _batch(tmp, value, value, {value: case}, backdate=back)
    out: dict[str, str] = {}
    for text in texts:
        key = (_kind(text), _about(text))
        assert key in OUTPUTS, f"unexpected report {key}"
        assert OUTPUTS[key] not in out, f"two reports for {key}"
        out[OUTPUTS[key]] = text
    missing = set(OUTPUTS.values()) - set(out)
    assert not missing, f"no report for {missing}"
    return out


def main() -> int:
    if not os.path.exists(EXIM) or os.geteuid() != 0:
        print("record_dsn: needs root and Exim 4.96 at /usr/sbin/exim; skipped")
        return 0
    out = record()
    if "--check" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
        from tests.serve.test_dsn import _shape

        new = sorted(n for n in out if not (OUT / n).exists())
        bad = sorted(n for n, text in out.items() if n not in new
                     and _shape(text) != _shape((OUT / n).read_text()))
        print("differ:", " ".join(bad) or "none", "| not recorded yet:", " ".join(new) or "none")
        return 1 if bad or new else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in sorted(out.items()):
        (OUT / name).write_text(text)
    print(f"wrote {len(out)} reports to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
