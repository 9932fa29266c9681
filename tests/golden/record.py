#!/usr/bin/env python3
"""Record the golden expansion corpus from the real Exim 4.96.

For every case in cases/<family>.yaml this runs

    exim -C <conf> -DDATADIR=<abs data dir> [args] -be     (or -bem <message>)

with the expression on standard input, strips the REPL framing (the leading
"> " prompt and the final "> " prompt line) and writes the result to
recorded/<family>.yaml.  Paths that depend on where the repository is checked
out are stored as @DATADIR@ / @GOLDEN@ and substituted back by test_golden.py.

Usage:
    python3 tests/golden/record.py                 # all families
    python3 tests/golden/record.py items lookups   # some families
    python3 tests/golden/record.py --assign-ids    # give new cases an id
    python3 tests/golden/record.py --make-data     # (re)build cdb + sqlite

Refuses to run without Exim: the recordings are only worth anything when they
come from the real thing.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

GOLDEN = Path(__file__).resolve().parent
CASES = GOLDEN / "cases"
RECORDED = GOLDEN / "recorded"
DATA = GOLDEN / "data"
CONF = GOLDEN / "conf"
MESSAGES = GOLDEN / "messages"
DEFAULT_CONF = "empty"
PROMPT = "> "
CASE_TIMEOUT = 30  # seconds per Exim process; no case should come close


# ---------------------------------------------------------------- case files

def load_cases(family: str) -> list[dict[str, Any]]:
    with open(CASES / f"{family}.yaml", encoding="utf-8") as f:
        cases = yaml.safe_load(f) or []
    seen: set[str] = set()
    for c in cases:
        if "id" not in c:
            raise SystemExit(f"{family}: case without id (run --assign-ids): {c}")
        if c["id"] in seen:
            raise SystemExit(f"{family}: duplicate id {c['id']}")
        seen.add(c["id"])
        if not isinstance(c.get("expr"), str):
            raise SystemExit(f"{family}: {c['id']}: expr must be a string")
        if "\n" in c["expr"]:
            raise SystemExit(f"{family}: {c['id']}: expr must be one line")
    return cases


def assign_ids(family: str) -> int:
    """Give every `- {expr: ...}` line without an id the next free number.

    Works on the text so that comments and layout of the case file survive;
    ids once given never change, so DIVERGENCES.md entries stay valid.
    """
    path = CASES / f"{family}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    used = [int(m.group(1)) for m in re.finditer(
        rf"\bid: {re.escape(family)}-(\d+)\b", "".join(lines))]
    nxt = max(used, default=0) + 1
    added = 0
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)- \{(?!id:)", line)
        if m:
            lines[i] = f"{m.group(1)}- {{id: {family}-{nxt}, " + line[m.end():]
            nxt += 1
            added += 1
    path.write_text("".join(lines), encoding="utf-8")
    return added


def families() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.yaml"))


# ---------------------------------------------------------------- placeholders

def substitute(s: str) -> str:
    """Placeholder -> absolute path (for arguments)."""
    return s.replace("@DATADIR@", str(DATA)).replace("@GOLDEN@", str(GOLDEN))


def placeholders(s: str) -> str:
    """Absolute path -> placeholder (for recorded output)."""
    return s.replace(str(DATA), "@DATADIR@").replace(str(GOLDEN), "@GOLDEN@")


# ---------------------------------------------------------------- running exim

def exim_binary() -> str:
    for cand in ("/usr/sbin/exim", "/usr/sbin/exim4"):
        if os.access(cand, os.X_OK):
            return cand
    found = shutil.which("exim") or shutil.which("exim4")
    if not found:
        raise SystemExit("record.py: Exim is not installed; refusing to record")
    return found


def command(exim: str, case: dict[str, Any]) -> list[str]:
    conf = CONF / f"{case.get('conf', DEFAULT_CONF)}.conf"
    argv = [exim, "-C", str(conf), f"-DDATADIR={DATA}"]
    argv += [substitute(a) for a in case.get("args", [])]
    if case.get("message"):
        argv += ["-bem", str(MESSAGES / case["message"])]
    else:
        argv.append("-be")
    return argv


def stdin_bytes(case: dict[str, Any]) -> bytes:
    enc = "latin-1" if case.get("latin1") else "utf-8"
    return (case["expr"] + "\n").encode(enc)


def unframe(out: str) -> tuple[str, bool]:
    """Strip "> " before the answer and its newline plus the final prompt line."""
    tail = "\n" + PROMPT + "\n"
    if out.startswith(PROMPT) and out.endswith(tail):
        return out[len(PROMPT):-len(tail)], True
    return out, False


def run_case(exim: str, case: dict[str, Any], workdir: str) -> dict[str, Any]:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "TZ": "UTC",
           "HOME": "/root"}
    proc = subprocess.run(command(exim, case), input=stdin_bytes(case),
                          capture_output=True, cwd=workdir, env=env,
                          timeout=CASE_TIMEOUT)
    try:
        raw = proc.stdout.decode("utf-8")
        latin1 = False
    except UnicodeDecodeError:
        raw = proc.stdout.decode("latin-1")
        latin1 = True
    output, framed = unframe(placeholders(raw))
    rec: dict[str, Any] = {"id": case["id"], "expr": case["expr"]}
    for key in ("args", "conf", "message", "latin1"):
        if case.get(key):
            rec[key] = case[key]
    if case.get("match"):
        if not re.fullmatch(case["match"], output, re.S):
            print(f"WARNING {case['id']}: output {output!r} does not match "
                  f"pattern {case['match']!r}", file=sys.stderr)
        rec["match"] = case["match"]
        rec["sample"] = output
    else:
        rec["output"] = output
    if latin1:
        rec["output_latin1"] = True
    if not framed:
        rec["framed"] = False
    rec["rc"] = proc.returncode
    # Exim's log lines on stderr carry a timestamp: drop it so re-recording
    # does not churn the files.
    err = re.sub(r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", "",
                 placeholders(proc.stderr.decode("utf-8", "replace")))
    if err:
        rec["stderr"] = err
    if case.get("note"):
        rec["note"] = case["note"]
    return rec


def record_family(exim: str, family: str, jobs: int) -> int:
    cases = load_cases(family)
    with tempfile.TemporaryDirectory(prefix="golden-") as workdir, \
            concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        recs = list(pool.map(lambda c: run_case(exim, c, workdir), cases))
    RECORDED.mkdir(exist_ok=True)
    with open(RECORDED / f"{family}.yaml", "w", encoding="utf-8") as f:
        f.write(f"# Recorded from {exim_version(exim)} by record.py; do not edit.\n")
        yaml.dump(recs, f, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                  width=1_000_000)
    return len(recs)


class _Dumper(yaml.SafeDumper):
    pass


def _str_rep(dumper: yaml.SafeDumper, s: str) -> yaml.ScalarNode:
    # Multi-line outputs read best (and diff best) as literal blocks, but a
    # literal block cannot hold trailing spaces or control chars faithfully.
    style = None
    if "\n" in s.rstrip("\n") and not re.search(r"[ \t]\n|[^\n\t -~\u00a0-\uffff]", s):
        style = "|"
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


_Dumper.add_representer(str, _str_rep)

_VERSION: list[str] = []


def exim_version(exim: str) -> str:
    if not _VERSION:
        out = subprocess.run([exim, "-bV", "-C", str(CONF / "empty.conf")],
                             capture_output=True, text=True).stdout
        _VERSION.append(out.splitlines()[0] if out else "Exim")
    return _VERSION[0]


# ---------------------------------------------------------------- data files

def cdb_write(path: Path, pairs: list[tuple[bytes, bytes]]) -> None:
    """Write a constant database in D. J. Bernstein's cdb format."""
    def h(key: bytes) -> int:
        v = 5381
        for c in key:
            v = ((v << 5) + v ^ c) & 0xFFFFFFFF
        return v

    body = bytearray()
    tables: list[list[tuple[int, int]]] = [[] for _ in range(256)]
    pos = 2048
    for k, v in pairs:
        body += struct.pack("<II", len(k), len(v)) + k + v
        tables[h(k) & 0xFF].append((h(k), pos))
        pos += 8 + len(k) + len(v)
    header = bytearray()
    tail = bytearray()
    for entries in tables:
        slots = len(entries) * 2
        header += struct.pack("<II", pos + len(tail), slots)
        table = [(0, 0)] * slots
        for hv, p in entries:
            i = (hv >> 8) % slots
            while table[i][1]:
                i = (i + 1) % slots
            table[i] = (hv, p)
        for hv, p in table:
            tail += struct.pack("<II", hv, p)
    path.write_bytes(bytes(header) + bytes(body) + bytes(tail))


def make_data() -> None:
    pairs = []
    for line in (DATA / "cdb-source.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.partition("\t")
            pairs.append((k.encode(), v.encode()))
    cdb_write(DATA / "test.cdb", pairs)
    db = DATA / "test.sqlite"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.executescript((DATA / "sqlite-source.sql").read_text(encoding="utf-8"))
    con.commit()
    con.close()


# ---------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("families", nargs="*")
    ap.add_argument("--assign-ids", action="store_true")
    ap.add_argument("--make-data", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=8)
    opts = ap.parse_args()
    fams = opts.families or families()
    if opts.assign_ids:
        for fam in fams:
            n = assign_ids(fam)
            if n:
                print(f"{fam}: {n} new ids")
        return
    if opts.make_data:
        make_data()
        return
    exim = exim_binary()
    total = 0
    for fam in fams:
        n = record_family(exim, fam, opts.jobs)
        total += n
        print(f"{fam}: {n}")
    print(f"total: {total}")


if __name__ == "__main__":
    main()
