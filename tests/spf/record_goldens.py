"""Record the SPF goldens from the real Exim 4.96 (root, Exim and NSD
installed): ``python3 -m tests.spf.record_goldens``.

Each case of tests/spf/cases.py is an ``exim -bh`` session in the private
namespace of tests/oracle/netns.py, where NSD serves tests/spf/zones.py on
127.0.0.1:53 and nothing leaves loopback. Its log lines and replies go to
tests/spf/goldens.json, which the tests replay without Exim."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from pathlib import Path

if not __package__:  # started by path: this checkout's tests, not another one on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.oracle import EximRunner, exim_namespace, recorder_main  # noqa: E402

HERE = Path(__file__).resolve().parent
GOLDENS = HERE / "goldens.json"
PRIMARY = "mx.recv.test"
VARS = ("R=[$spf_result] G=[$spf_result_guessed] HC=[$spf_header_comment] "
        "RS=[$spf_received] SC=[$spf_smtp_comment]")


def exim_conf(case: "object") -> str:
    """The configuration of one case; test_goldens.py loads the same text."""
    lines = [f"primary_hostname = {PRIMARY}", *case.options,  # type: ignore[attr-defined]
             f"acl_smtp_{case.phase} = chk"]  # type: ignore[attr-defined]
    if case.phase != "rcpt":  # type: ignore[attr-defined]
        lines.append("acl_smtp_rcpt = accept")
    lines += ["", "begin acl", "", "chk:"]
    for i, cond in enumerate(case.conditions):  # type: ignore[attr-defined]
        lines += [f"  warn {cond}", f"       logwrite = C{i}"]
    lines += [f"  warn logwrite = V {VARS}", "  accept", ""]
    return "\n".join(lines)


def session(case: "object") -> bytes:
    cmds = []
    if case.helo is not None:  # type: ignore[attr-defined]
        cmds.append(f"EHLO {case.helo}")  # type: ignore[attr-defined]
    if case.phase == "vrfy":  # type: ignore[attr-defined]
        cmds.append("VRFY someone@recv.test")
    cmds += [f"MAIL FROM:<{case.sender}>", "RCPT TO:<someone@recv.test>", "DATA",  # type: ignore[attr-defined]
             "Subject: spf", "", "body", ".", "QUIT"]
    return "".join(c + "\r\n" for c in cmds).encode()


_DATE = re.compile(r"ESMTP Exim 4\.96 .*$")
_ID = re.compile(r"id=\S+")


def log_lines(stderr: str) -> list[str]:
    """The text of each ``LOG:`` line."""
    return [ln[5:] for ln in stderr.splitlines() if ln.startswith("LOG: ")]


def record(case: "object", exim: EximRunner) -> dict[str, object]:
    conf = exim.config(exim_conf(case), f"{case.id}.conf")  # type: ignore[attr-defined]
    r = exim.bh(conf, case.ip, session(case))  # type: ignore[attr-defined]
    out = r.stdout.decode("utf-8", "replace")
    replies = [_ID.sub("id=X", _DATE.sub("ESMTP", ln)) for ln in out.splitlines()
               if ln[:3].isdigit()]
    return {**asdict(case), "log": log_lines(r.stderr.decode("utf-8", "replace")), "replies": replies}


def record_all(_args: list[str]) -> None:
    from tests.spf.cases import CASES
    from tests.spf.zones import BROKEN, ZONES

    with exim_namespace(ZONES, broken=BROKEN, prefix="acl-spf-rec-") as exim:
        cases = [record(c, exim) for c in CASES]
    GOLDENS.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(cases)} goldens written to {GOLDENS}")


if __name__ == "__main__":
    recorder_main("tests.spf.record_goldens", record_all)
