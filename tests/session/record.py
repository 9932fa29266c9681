#!/usr/bin/env python3
"""Record the `exim -bh` goldens from the real Exim 4.96 (run as root).

For each session of cases/<family>.yaml this runs

    exim -C <conf> -DSPOOL=<fresh dir> -DDATA=<tests/session/data> [args] -bh <host>

with the client's lines on standard input, and writes golden/<family>.json: a
list of {id, stdout, log, rc}, stdout and log normalised by normalize.py.
The sessions of a sequence share one spool directory (ratelimit hints).

Usage: python3 tests/session/record.py [family|case-id ...]   (default: all)
Prints a warning for recordings that look like configuration mistakes.
"""
from __future__ import annotations

import concurrent.futures
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.session.normalize import normalize  # noqa: E402
from tests.session.scenarios import (  # noqa: E402
    DATA, GOLDEN, Session, exim_args, families, load_family, log_entries)

EXIM = "/usr/sbin/exim"
TIMEOUT = 60  # seconds per exim process (delay scenarios wait a few seconds)
SUSPICIOUS = ("configuration error", "ACL error", "unknown ACL", "error in ACL",
              "failed to expand", "invalid", "Failed to", "panic",
              "spool or log directory problem", "Temporary local problem",
              "no host name found", "host lookup")


def run_exim(s: Session, conf: Path, spool: Path) -> dict[str, object]:
    argv = [EXIM, "-C", str(conf), f"-DSPOOL={spool}", f"-DDATA={DATA}",
            *exim_args(s.args), "-bh", s.host]
    p = subprocess.run(argv, input=s.stdin, capture_output=True, timeout=TIMEOUT)
    stdout = p.stdout.decode("utf-8", "replace")
    stderr = p.stderr.decode("utf-8", "replace")
    strange = [ln for ln in stderr.splitlines()
               if ln and not ln.startswith((">>>", "LOG:", " ", "\t"))]
    if strange:
        print(f"  {s.id}: stderr: {strange[:3]}", file=sys.stderr)
    return {"id": s.id, "stdout": normalize(stdout),
            "log": [normalize(e) for e in log_entries(stderr)], "rc": p.returncode}


def record_case(sessions: list[Session]) -> list[dict[str, object]]:
    """All the sessions of one case, in order, in one fresh spool."""
    with tempfile.TemporaryDirectory(prefix="exim-session-") as tmp:
        Path(tmp).chmod(0o755)  # Exim runs the session as its own user
        conf = Path(tmp) / "exim.conf"
        conf.write_text(sessions[0].conf, encoding="utf-8")
        spool = Path(tmp) / "spool"
        spool.mkdir()
        shutil.chown(spool, "Debian-exim", "Debian-exim")
        results = [run_exim(s, conf, spool) for s in sessions]
    for r in results:
        text = str(r["stdout"]) + "\n".join(r["log"])  # type: ignore[arg-type]
        hits = [w for w in SUSPICIOUS if w.lower() in text.lower()]
        hits += [p for p in (str(DATA), "/tmp/exim-session-") if p in text]  # a path leaked in
        if hits:
            print(f"  {r['id']}: check: mentions {hits}", file=sys.stderr)
    return results


def record_family(family: str, only: set[str]) -> None:
    sessions = load_family(family)
    by_case: dict[str, list[Session]] = {}
    for s in sessions:
        by_case.setdefault(s.case_id, []).append(s)
    path = GOLDEN / f"{family}.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    old_by_id = {r["id"]: r for r in old}
    todo = [c for c in by_case if not only or c in only or family in only]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(todo, pool.map(lambda c: record_case(by_case[c]), todo)))
    out: list[dict[str, object]] = []
    for cid, group in by_case.items():
        if cid in done:
            out.extend(done[cid])
        else:
            out.extend(old_by_id[s.id] for s in group if s.id in old_by_id)
    GOLDEN.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{family}: {len(done)} cases recorded, {len(out)} sessions in {path.name}")


def main(argv: list[str]) -> int:
    if not Path(EXIM).exists():
        print("record.py needs the real Exim at /usr/sbin/exim", file=sys.stderr)
        return 2
    wanted = set(argv)
    fams = families()
    chosen = [f for f in fams if not wanted or f in wanted
              or any(w.startswith(f"{f}-") for w in wanted)]
    for fam in chosen:
        record_family(fam, wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
