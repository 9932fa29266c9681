"""Record what Exim 4.96 computes for ratelimit scenarios into data/*.json.

Run as root with Exim installed: ``python tests/ratelimit/record.py``. Each
scenario gets a fresh spool directory and runs its SMTP sessions one after the
other through ``exim -bh``, so the hints database carries over between them.
Every check logs whether it was true and the three $sender_rate* variables;
the tests replay the same events on a fake clock and compare."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = Path("/tmp/ratelimit/record")

# name: (checks: [(where, value)], sessions: [[smtp command lines]])
M1 = ["helo x", "mail from:<a@b.c>", "rcpt to:<r1@y.z>", "rcpt to:<r2@y.z>"]
SCENARIOS: dict[str, tuple[list[tuple[str, str]], list[list[str]]]] = {
    "strict_per_mail": ([("rcpt", "2/1h/strict")], [M1] * 3),
    "leaky_per_mail": ([("rcpt", "2/1h")], [M1] * 3),
    "strict_then_readonly": ([("rcpt", "2/1h/strict"), ("rcpt", "2/1h/readonly")], [M1] * 3),
    "per_rcpt_strict": ([("rcpt", "3/1h/per_rcpt/strict")], [M1] * 3),
    "per_rcpt_leaky": ([("rcpt", "3/1h/per_rcpt")], [M1] * 3),
    "per_addr": ([("rcpt", "3/1h/per_addr/strict")], [
        ["helo x", "mail from:<a@b.c>", "rcpt to:<r1@y.z>", "rcpt to:<r1@y.z>", "rcpt to:<r2@y.z>"],
        ["helo x", "mail from:<a@b.c>", "rcpt to:<r2@y.z>", "rcpt to:<r3@y.z>", "rcpt to:<r4@y.z>"],
    ]),
    "per_addr_leaky": ([("rcpt", "2/1h/per_addr")], [
        ["helo x", "mail from:<a@b.c>", "rcpt to:<r1@y.z>", "rcpt to:<r2@y.z>", "rcpt to:<r3@y.z>",
         "rcpt to:<r1@y.z>", "rcpt to:<r4@y.z>"],
    ]),
    "unique_sender": ([("mail", "2/1h/per_mail/strict/unique=$sender_address")], [
        ["helo x", "mail from:<a@b.c>", "rset", "mail from:<a@b.c>", "rset", "mail from:<b@b.c>",
         "rset", "mail from:<c@b.c>"],
    ]),
    "count_fraction": ([("rcpt", "5/1h/per_rcpt/strict/count=2.5")], [M1, M1]),
    "per_byte_size": ([("rcpt", "1k/1h/per_byte/strict")], [
        ["ehlo x", "mail from:<a@b.c> SIZE=600", "rcpt to:<r1@y.z>"],
        ["ehlo x", "mail from:<a@b.c> SIZE=600", "rcpt to:<r1@y.z>"],
        ["ehlo x", "mail from:<a@b.c>", "rcpt to:<r1@y.z>"],
    ]),
    "per_cmd_per_conn": ([("mail", "3/1h/per_cmd/strict"), ("rcpt", "3/1h/per_cmd/strict"),
                          ("rcpt", "2/1h/per_conn/strict")], [M1, M1]),
    "connect_readonly": ([("connect", "1/1h/per_conn/readonly"), ("connect", "1/1h/per_conn"),
                          ("mail", "2/1h/per_rcpt")], [M1, M1]),
    "limit_zero": ([("rcpt", "0/1h/strict"), ("rcpt", "0/1h/readonly")], [M1]),
    "key_sql_text": ([("rcpt", "2/1h/per_rcpt/strict/$local_part")], [
        ["helo x", "mail from:<a@b.c>", "rcpt to:<o'neil@y.z>", "rcpt to:<o'neil@y.z>",
         "rcpt to:<x'--@y.z>"],
    ]),
    "errors": ([("rcpt", v) for v in (
        "", "x", "-1", "2", "2 / 0s", "2/3600", "2//1h", "2k5/1h", "2 K/1h",
        "2/1h/per_mail/per_rcpt", "2/1h/per_addr/per_rcpt", "2/1h/per_byte/per_mail",
        "2/1h/strict/leaky", "2/1h/readonly/strict", "2/1h/count=-1", "2/1h/count=x",
    )], [["helo x", "mail from:<a@b.c>", "rcpt to:<r1@y.z>"]]),
    "badacl": ([("mail", v) for v in (
        "2/1h/per_addr/strict", "2/1h/per_rcpt/leaky", "2/1h/per_rcpt/noupdate/strict",
    )] + [("connect", v) for v in ("2/1h/per_mail/leaky", "2/1h/per_byte/strict")],
        [["helo x", "mail from:<a@b.c>"]]),
}


# Scenarios where time matters: seconds to wait before each session. The start
# time of each session is recorded; the tests compare rates with a tolerance.
TIMED: dict[str, list[float]] = {
    "decay_strict": [0, 1, 1, 3, 6],
    "decay_leaky": [0, 0.5, 0.5, 2, 8],
    "decay_unique": [0, 1, 5],
}
SCENARIOS["decay_strict"] = ([("rcpt", "3/4s/strict")], [M1] * 5)
SCENARIOS["decay_leaky"] = ([("rcpt", "2/3s/per_rcpt"), ("rcpt", "2/3s/per_rcpt/readonly")],
                            [M1] * 5)
SCENARIOS["decay_unique"] = ([("rcpt", "4/3s/per_addr/strict")], [M1] * 3)


def config(spool: Path, checks: list[tuple[str, str]]) -> str:
    by_where: dict[str, list[str]] = {}
    for i, (where, value) in enumerate(checks):
        by_where.setdefault(where, []).append(
            f"  warn set acl_c_over = no\n"
            f"  warn ratelimit = {value}\n"
            f"       set acl_c_over = yes\n"
            f"  warn logwrite = RATE {i} $acl_c_over $sender_rate $sender_rate_limit "
            f"$sender_rate_period\n")
    lines = [f"spool_directory = {spool}"]
    lines += [f"acl_smtp_{w} = acl_{w}" for w in by_where]
    if "rcpt" not in by_where:
        lines.append("acl_smtp_rcpt = acl_rcpt")
        by_where["rcpt"] = []
    lines.append("begin acl")
    for w, stmts in by_where.items():
        lines.append(f"acl_{w}:")
        lines.extend(stmts)
        lines.append("  accept")
    return "\n".join(lines) + "\n"


_KEEP = re.compile(r"^(?:LOG: RATE .*|LOG: .*ratelimit.*|\d{3}[ -].*)$")


# Scenarios whose checks each stop their ACL with an error: one run per check.
SEPARATE = ("errors", "badacl")


def run(name: str) -> dict:
    checks, sessions = SCENARIOS[name]
    if name in SEPARATE:
        outputs = [run_one(f"{name}{i}", [c], sessions)[0] for i, c in enumerate(checks)]
        return {"checks": checks, "sessions": sessions, "exim": outputs, "separate": True}
    if name in TIMED:
        logs, starts = run_one(name, checks, sessions)
        return {"checks": checks, "sessions": sessions, "exim": logs,
                "starts": [t - starts[0] for t in starts]}
    return {"checks": checks, "sessions": sessions, "exim": run_one(name, checks, sessions)}


def run_one(name: str, checks: list[tuple[str, str]], sessions: list[list[str]]) -> list:
    spool = WORK / name
    shutil.rmtree(spool, ignore_errors=True)
    spool.mkdir(parents=True)
    exim = pwd.getpwnam("Debian-exim")
    os.chown(spool, exim.pw_uid, exim.pw_gid)
    conf = WORK / f"{name}.conf"
    conf.write_text(config(spool, checks))
    outputs: list = []
    waits = TIMED.get(name)
    for n, cmds in enumerate(sessions):
        if waits is not None:
            time.sleep(waits[n])
            outputs.append(time.time())
        proc = subprocess.run(["/usr/sbin/exim", "-C", str(conf), "-bh", "10.0.0.1"],
                              input="\n".join(cmds + ["quit"]) + "\n", capture_output=True,
                              text=True, timeout=60)
        lines = (proc.stdout + proc.stderr).splitlines()
        # Only the RATE lines and ratelimit errors: the order of stdout vs stderr
        # is not kept, and the SMTP replies are not what is being checked.
        outputs.append([ln for ln in lines if ln.startswith("LOG: ") and _KEEP.match(ln)])
    if waits is None:
        return outputs
    return [outputs[i] for i in range(1, len(outputs), 2)], outputs[0::2]


def main(names: list[str]) -> None:
    for name in names or list(SCENARIOS):
        (HERE / "data" / f"{name}.json").write_text(json.dumps(run(name), indent=1) + "\n")
        print("recorded", name)


if __name__ == "__main__":
    main(sys.argv[1:])
