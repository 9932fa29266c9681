#!/usr/bin/env python3
"""Expansion benchmark: exim-acl's `acl expand` against `exim -be`, same workloads,
same run. Prints per-string costs and the ratios the project tracks.

Workloads
  (a) fresh:    20,000 distinct realistic ACL-style expansion strings, each once
  (b) repeated: 50 such strings, each evaluated 400 times (20,000 evaluations)
  (c) start-up: `acl expand 'x'` as a whole process

Both tools read the strings on standard input in one process (Exim's -be REPL
mode). The cost per string is the difference between a run of a whole workload
and a run of its first quarter, divided by the strings in between: process
start-up cancels out, with its jitter (tens of milliseconds, more than the whole
repeated workload takes), and so does loading what the first expansion needs.
Every run starts with the same few warm-up strings (one per template, in no
workload); "process start" is a run of those alone. Wall time and CPU time are
both printed: on a shared machine, wall time also counts other work. Exim runs only
where it is installed; DNS is never touched (no string needs it).

Usage: python3 bench/expand_bench.py [--n 20000] [--repeat-strings 50] [--repeat 400]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONF = """\
domainlist local_domains = @ : localhost : example.com : example.org
hostlist relay_from_hosts = <; 127.0.0.1 ; ::1 ; 192.168.0.0/16
primary_hostname = mx.example.com
"""

# Realistic shapes from ACLs: {n} makes each string distinct.
TEMPLATES = [
    "${{if eq{{$sender_host_address}}{{10.0.{a}.{b}}}{{yes}}{{no}}}}",
    "${{lc:${{domain:user{n}@Example{n}.COM}}}}",
    "${{if match{{subject {n} viagra}}{{\\N(?i)viagra|cialis\\N}}{{spam}}{{ham}}}}",
    "${{sg{{user.{n}+tag@example.com}}{{\\N\\+[^@]*\\N}}{{}}}}",
    "${{if and{{{{eq{{a{n}}}{{a{n}}}}}{{>{{{n}}}{{10}}}}}}{{deny}}{{accept}}}}",
    "${{if or{{{{match_domain{{host{n}.example.com}}{{*.example.com}}}}{{isip{{10.1.{a}.{b}}}}}}}{{1}}{{0}}}}",
    "${{length_{c}:${{uc:abcdefghij{n}}}}}",
    "${{substr_2_5:message-id-{n}-abcdef}}",
    "${{extract{{2}}{{:}}{{a{n}:b{n}:c{n}}}}}",
    "${{if match_ip{{192.168.{a}.{b}}}{{<; 127.0.0.1 ; 192.168.0.0/16}}{{relay}}{{norelay}}}}",
    "${{eval:{n}*3+{a}}}",
    "${{md5:token-{n}}}",
    "${{if inlist{{v{c}}}{{v1:v2:v3:v{n}}}{{in}}{{out}}}}",
    "${{local_part:<User.{n}@Example.com>}}",
    "${{if def:sender_host_address {{known {n}}}{{unknown {n}}}}}",
    "${{map{{a{n}:b:c}}{{<$item>}}}}",
    "${{tr{{abc{n}}}{{abc}}{{xyz}}}}",
    "${{if !eqi{{HOST{n}}}{{host{n}}}{{diff}}{{same}}}}",
    "${{reduce{{1:2:3:{c}}}{{0}}{{${{eval:$value+$item}}}}}}",
    "${{hash_3:${{lc:Domain{n}.Example}}}}",
]


def make_strings(n: int, seed: int = 1) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        t = TEMPLATES[i % len(TEMPLATES)]
        out.append(t.format(n=i, a=rnd.randrange(256), b=rnd.randrange(256), c=rnd.randrange(1, 9)))
    return out


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_stdin(cmd: list[str], lines: list[str]) -> tuple[float, str, float]:
    """(wall seconds, standard output, CPU seconds of the child)."""
    data = ("\n".join(lines) + "\n").encode()
    c0 = _child_cpu()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    dt = time.perf_counter() - t0
    cpu = _child_cpu() - c0
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')[:500]}")
    return dt, p.stdout.decode(errors="replace"), cpu


def best_of(k: int, fn) -> float:  # type: ignore[no-untyped-def]
    return min(fn() for _ in range(k))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--repeat-strings", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=400)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="acl-bench-"))
    conf = work / "bench.conf"
    conf.write_text(CONF)
    fresh = make_strings(args.n)
    base = make_strings(args.repeat_strings, seed=2)
    repeated = [s for _ in range(args.repeat) for s in base]

    acl_cmd = [sys.executable, "-m", "acl", "expand", "-C", str(conf), "-oMa", "10.0.0.1"]
    exim = shutil.which("exim") or ("/usr/sbin/exim" if os.path.exists("/usr/sbin/exim") else None)
    exim_cmd = [exim, "-C", str(conf), "-oMa", "10.0.0.1", "-be"] if exim else None

    # Every run starts with the same few warm-up strings (one per template, none
    # in the workloads), and "process start" is a run of those alone: what a
    # process loads on its first expansion is start-up, not per-string cost.
    warm = make_strings(len(TEMPLATES), seed=3)

    def per_string(cmd: list[str], work: list[str], k: int) -> tuple[float, float, str]:
        """Seconds (wall, CPU) per string of ``work`` past its first quarter: the
        difference between a run of the whole and a run of that quarter (best of
        ``k`` each), so that start-up and its jitter cancel out. Also the
        answers of the whole run."""
        cut = len(work) // 4
        runs = [run_stdin(cmd, warm + work) for _ in range(k)]
        short = [run_stdin(cmd, warm + work[:cut]) for _ in range(k)]
        n = len(work) - cut
        wall = (min(r[0] for r in runs) - min(r[0] for r in short)) / n
        cpu = (min(r[2] for r in runs) - min(r[2] for r in short)) / n
        return max(wall, 0), max(cpu, 0), runs[0][1]

    def measure(name: str, cmd: list[str]) -> dict[str, float]:
        start = best_of(5, lambda: run_stdin(cmd, warm)[0])
        fresh_wall, fresh_cpu, out_fresh = per_string(cmd, fresh, 2)
        out_fresh = out_fresh.split("\n> ", len(warm))[-1]  # the workload's answers
        rep_wall, rep_cpu, _ = per_string(cmd, repeated, 3)
        return {
            "start": start,
            "fresh_us": fresh_wall * 1e6,
            "rep_us": rep_wall * 1e6,
            "fresh_cpu_us": fresh_cpu * 1e6,
            "rep_cpu_us": rep_cpu * 1e6,
            "failed": out_fresh.count("Failed:"),
            "out": out_fresh,  # type: ignore[dict-item]
        }

    ours = measure("acl", acl_cmd)
    startup = best_of(5, lambda: run_stdin([sys.executable, "-m", "acl", "expand", "x"], [])[0])
    startup_cpu = best_of(5, lambda: run_stdin([sys.executable, "-m", "acl", "expand", "x"], [])[2])
    theirs = measure("exim", exim_cmd) if exim_cmd else None

    print(f"workload sizes: fresh={len(fresh)} strings, repeated={args.repeat_strings}x{args.repeat}")
    print(f"{'':34}{'exim-acl':>12}{'exim 4.96':>12}{'ratio':>10}  target")
    def row(label: str, ours_v: float, theirs_v: float | None, unit: str, target: str) -> None:
        t = f"{theirs_v:10.2f}{unit}" if theirs_v is not None else f"{'n/a':>12}"
        r = f"{ours_v / theirs_v:9.2f}x" if theirs_v else f"{'':>10}"
        print(f"{label:34}{ours_v:10.2f}{unit}{t}{r}  {target}")
    row("(a) fresh string, per string", ours["fresh_us"], theirs["fresh_us"] if theirs else None, "us", "<= 20x exim")
    row("(b) repeated string, per eval", ours["rep_us"], theirs["rep_us"] if theirs else None, "us", "< 1x exim")
    row("(c) start-up `acl expand 'x'`", startup * 1000, None, "ms", "< 250 ms")
    row("    process start (stdin mode)", ours["start"] * 1000, theirs["start"] * 1000 if theirs else None, "ms", "")
    # CPU time of each process: on a shared machine, wall time also counts
    # whatever else runs, and the longer run (ours) is the more exposed to it.
    print("same runs, CPU time (user+system) of each process:")
    row("(a) fresh string, per string", ours["fresh_cpu_us"], theirs["fresh_cpu_us"] if theirs else None, "us",
        "<= 20x exim")
    row("(b) repeated string, per eval", ours["rep_cpu_us"], theirs["rep_cpu_us"] if theirs else None, "us",
        "< 1x exim")
    row("(c) start-up `acl expand 'x'`", startup_cpu * 1000, None, "ms", "< 250 ms")
    if theirs:
        # one piece per answer, then the empty one after the final prompt
        ans_ours = ours["out"].split("\n> ")[:len(fresh)]  # type: ignore[union-attr]
        ans_exim = theirs["out"].split("\n> ")[:len(fresh)]  # type: ignore[union-attr]
        same = sum(1 for a, b in zip(ans_ours, ans_exim) if a == b)
        print(f"outputs identical to exim on {same} of {len(fresh)} fresh strings; "
              f"'Failed:' lines: ours {ours['failed']}, exim {theirs['failed']}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
