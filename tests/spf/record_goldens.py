"""Record the SPF goldens from the real Exim 4.96 (root, Exim and NSD
installed): ``python3 -m tests.spf.record_goldens``.

Exim resolves through the system resolver, so each recording runs in a new
network and mount namespace: only loopback exists, /etc/resolv.conf is
bind-mounted (inside only) to name 127.0.0.1, and NSD serves
tests/spf/zones.py on 127.0.0.1:53. Nothing leaves loopback. Each case of
tests/spf/cases.py is an ``exim -bh`` session; its log lines and replies go to
tests/spf/goldens.json, which the tests replay without Exim."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDENS = HERE / "goldens.json"
INNER = "--inside-namespace"
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


def record(case: "object", work: Path) -> dict[str, object]:
    conf = work / f"{case.id}.conf"  # type: ignore[attr-defined]
    conf.write_text(exim_conf(case))
    r = subprocess.run(["exim", "-C", str(conf), "-bh", case.ip], input=session(case),  # type: ignore[attr-defined]
                       capture_output=True, timeout=60)
    out = r.stdout.decode("utf-8", "replace")
    replies = [_ID.sub("id=X", _DATE.sub("ESMTP", ln)) for ln in out.splitlines()
               if ln[:3].isdigit()]
    return {**asdict(case), "log": log_lines(r.stderr.decode("utf-8", "replace")), "replies": replies}


def inside() -> None:
    from tests.dnsserver import DnsServer
    from tests.spf.cases import CASES
    from tests.spf.zones import BROKEN, ZONES

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = Path(tempfile.mkdtemp(prefix="acl-spf-rec-"))
    work.chmod(0o755)
    resolv = work / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)
    (work / "nsd").mkdir()
    with DnsServer(ZONES, broken=BROKEN, port=53, workdir=str(work / "nsd")):
        cases = [record(c, work) for c in CASES]
    GOLDENS.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(cases)} goldens written to {GOLDENS}")


def main() -> None:
    if sys.argv[1:] == [INNER]:
        inside()
        return
    if os.geteuid() != 0:
        sys.exit("record_goldens: run as root (it makes network and mount namespaces)")
    root = HERE.parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    sys.exit(subprocess.run(["unshare", "--net", "--mount", "--propagation", "private",
                             sys.executable, "-m", "tests.spf.record_goldens", INNER], cwd=root,
                            env=env).returncode)


if __name__ == "__main__":
    main()
