"""Record what Exim 4.96 does with ACLs under ``exim -bh`` into data/*.json.

Run as root with Exim installed: ``python tests/engine/record.py [name ...]``.
Each case is one SMTP session from 10.0.0.1 against a configuration whose ACL
for one phase is given; the log lines (``LOG:``) and the SMTP replies are kept,
minus what varies between runs (message ids, dates)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

# The commands that reach each phase's ACL (the session ends with QUIT).
MSG = ["helo x", "mail from:<a@b.c>", "rcpt to:<x@y.z>", "data", "Subject: t", "", "b", "."]
REACH = {
    "connect": [], "helo": ["helo x"], "mail": MSG[:2], "rcpt": MSG[:3], "predata": MSG[:4],
    "data": MSG, "vrfy": ["vrfy x@y.z"], "expn": ["expn x@y.z"], "etrn": ["etrn x.y"],
    "quit": [], "notquit": ["helo x"],
}
_VARYING = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2} |"
                      r"\w\w\w, \d\d \w\w\w \d{4} \d\d:\d\d:\d\d [+-]\d{4}")


def session(where: str, acl: str, commands: list[str] | None = None, extra: str = "") -> dict:
    """Run one session; ``acl`` is the body of ACL "a" used for ``where``."""
    d = Path(tempfile.mkdtemp(prefix="exim-acl-rec-"))
    os.chmod(d, 0o777)
    try:
        rcpt = "" if where == "rcpt" else "acl_smtp_rcpt = r_ok\n"
        (d / "c.conf").write_text(
            f"primary_hostname = test.example\nspool_directory = {d}/spool\n"
            f"acl_smtp_{where} = a\n{rcpt}{extra}\nbegin acl\na:\n{acl}\nr_ok:\n  accept\n")
        cmds = REACH[where] if commands is None else commands
        quit_ = [] if where == "notquit" else ["quit"]
        proc = subprocess.run(["/usr/sbin/exim", "-C", str(d / "c.conf"), "-bh", "10.0.0.1"],
                              input="".join(c + "\r\n" for c in cmds + quit_),
                              capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    out = (proc.stdout + proc.stderr).splitlines()
    logs = [_VARYING.sub("", ln[5:]) for ln in out if ln.startswith("LOG: ")]
    replies = [_VARYING.sub("", ln) for ln in proc.stdout.splitlines() if re.match(r"\d{3}[ -]", ln)]
    return {"logs": logs, "replies": replies}


CONTROLS = ("allow_auth_unadvertised caseful_local_part caselower_local_part cutthrough_delivery "
            "debug dkim_disable_verify dmarc_disable_verify dmarc_enable_forensic dscp/ef "
            "enforce_sync no_enforce_sync fakedefer fakereject freeze no_callout_flush "
            "no_delay_flush no_mbox_unspool no_multiline_responses no_pipelining queue queue_only "
            "submission suppress_local_fixups utf8_downconvert wellknown requiretls error").split()
CONTROL_OPTIONS = ("error/x errorx freeze/bogus freeze/no_tell freeze/no_tellx queue/bogus queue/only "
                   "queue/first_pass_route queue/first_pass_route/only fakereject/ dscp dscp/ "
                   "dscp/bogus dscp/63 debug/bogus debug/tag=x debug/opts=+all debug/kill "
                   "debug/pretrigger=10 debug/trigger=now submission/bogus submission/sender_retain "
                   "submission/domain= submission/name=x/y cutthrough_delivery/defer=x "
                   "cutthrough_delivery/defer=pass utf8_downconvert/x utf8_downconvert/1 "
                   "utf8_downconvert/-1 utf8_downconvert/ FREEZE freezex caseful_local_part/x "
                   "no_pipelining/x queue_only/x").split()


def controls() -> list[dict]:
    cases = [(w, c) for w in REACH for c in CONTROLS] + [("rcpt", c) for c in CONTROL_OPTIONS]
    with ThreadPoolExecutor(3) as pool:
        runs = pool.map(lambda wc: session(wc[0], f"  accept control = {wc[1]}\n"
                                                  "         logwrite = OK"), cases)
        return [{"where": w, "control": c, **r} for (w, c), r in zip(cases, runs)]


CONDITIONS = ("add_header = X-A: b|authenticated = *|delay = 0s|domains = *|encrypted = *|"
              "hosts = *|local_parts = *|queue = q|recipients = *|remove_header = x-a|"
              "sender_domains = *|senders = *|ratelimit = 100/1h/readonly|log_reject_target = main|"
              "logwrite = x|set acl_m0 = 1|continue = x|condition = yes|verify = header_syntax|"
              "verify = helo|verify = certificate|verify = not_blind|verify = header_sender|"
              "verify = header_names_ascii|verify = sender=|verify = recipient|"
              "verify = reverse_host_lookup|acl = r_ok|udpsend = 127.0.0.1 : 9 : x").split("|")


def conditions() -> list[dict]:
    """Which conditions and modifiers each phase allows."""
    cases = [(w, c) for w in REACH for c in CONDITIONS]
    with ThreadPoolExecutor(3) as pool:
        runs = pool.map(lambda wc: session(wc[0], f"  accept {wc[1]}\n         logwrite = OK"),
                        cases)
        return [{"where": w, "condition": c, **r} for (w, c), r in zip(cases, runs)]


VERBS = ("deny|deny message = M1\n       log_message = L1|deny log_message = L2|defer|"
         "defer message = M3\n        log_message = L3|drop|drop message = M4|discard|"
         "discard message = M5\n       log_message = L5|require condition = no|"
         "require message = M6\n        condition = no|accept message = M7|"
         "accept condition = no\n         message = M8|accept endpass\n         message = M9\n"
         "         condition = no|warn message = X-W: 1\n       log_message = WL\n  accept|"
         "deny message = 452 4.1.1 coded|deny message = 299 wrong digit|"
         "defer message = 599 wrong digit|deny message = line1\\nline2").split("|")
VERB_PHASES = ("connect", "helo", "mail", "rcpt", "predata", "data", "vrfy", "expn", "etrn")


def verbs() -> list[dict]:
    """Replies and log lines for each verb (with and without messages) per phase."""
    cases = [(w, v) for w in VERB_PHASES for v in VERBS]
    with ThreadPoolExecutor(3) as pool:
        runs = pool.map(lambda wv: session(wv[0], f"  {wv[1]}"), cases)
        return [{"where": w, "acl": v, **r} for (w, v), r in zip(cases, runs)]


RECORDERS = {"controls": controls, "conditions": conditions, "verbs": verbs}


def main(names: list[str]) -> None:
    DATA.mkdir(exist_ok=True)
    for name in names or list(RECORDERS):
        (DATA / f"{name}.json").write_text(json.dumps(RECORDERS[name](), indent=0) + "\n")
        print("recorded", name)


if __name__ == "__main__":
    main(sys.argv[1:])
