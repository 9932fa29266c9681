#!/usr/bin/env python3
"""List-matching benchmark: exim-acl against `exim -be`, same lists, same run.

Each list is a file of items referenced by a named list in a configuration
(`hostlist h = /file`, `domainlist d = /file`), matched with
`${if match_ip{ADDR}{+h}{y}{n}}` / `${if match_domain{NAME}{+d}{y}{n}}`.

  host lists:   1k / 100k / 1M CIDRs, IPv4 /8../32 (no net covers 198.0.0.0/8,
                where the misses come from) and about 10% IPv6 under 2001:db8::/32
  domain lists: 1k / 100k / 1M names, about 5% of them `*.suffix` wildcards

Half the probes hit, half miss. exim-acl runs in this process: the first match
pays for reading and compiling the file (the compile column), later ones use
the cached matcher. Per match it is timed three ways: a new ${if} string each
time (as Exim's -be lines are; this cost is the expansion parser and its cache
of compiled strings, whatever the list's size), one compiled string with the
subject in a variable (how an ACL condition runs), and acl.runtime.lists called
directly. Exim runs where it is installed, the
probes on standard input in one -be process, minus the time of an empty run;
Exim reads the file again for every match, so large lists get fewer probes.

Usage: python3 bench/lists_bench.py [--sizes 1000,100000,1000000] [--no-exim]
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acl.builtins import load_all  # noqa: E402
from acl.config import load_config  # noqa: E402
from acl.expansion import expand  # noqa: E402
from acl.expansion.compiler import compile_expansion  # noqa: E402
from acl.runtime import lists  # noqa: E402
from acl.runtime.context import ExpansionContext  # noqa: E402

ACL_PROBES = 20_000  # matches timed per list for exim-acl
EXIM_PROBES = {1_000: 400, 100_000: 8, 1_000_000: 2}  # Exim re-reads the file per match
EXIM_TIMEOUT = 600  # seconds for one Exim run


def host_list(n: int, rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    """(items, probes that hit, probes that miss)."""
    items, hits = [], []
    for _ in range(n):
        if rng.random() < 0.1:
            plen = rng.choice((32, 48, 64, 128))
            net = (0x20010DB8 << 96) | (rng.getrandbits(96) >> (128 - plen) << (128 - plen))
            text = ":".join(f"{net >> s & 0xFFFF:x}" for s in range(112, -16, -16))
            items.append(f"{text}/{plen}")
            hits.append(":".join(f"{(net | rng.getrandbits(128 - plen)) >> s & 0xFFFF:x}"
                                 for s in range(112, -16, -16)))
            continue
        plen = rng.choice((8, 12, 16, 20, 24, 24, 24, 28, 32, 32, 32, 32))
        first = rng.choice([o for o in range(1, 224) if o != 198])
        addr = first << 24 | rng.getrandbits(24)
        net = addr >> (32 - plen) << (32 - plen)
        items.append(f"{_dotted(net)}/{plen}" if plen < 32 else _dotted(net))
        hits.append(_dotted(net | rng.getrandbits(32 - plen) if plen < 32 else net))
    misses = [_dotted(198 << 24 | 18 << 16 | rng.getrandbits(16)) for _ in range(len(hits))]
    return items, hits, misses


def _dotted(a: int) -> str:
    return f"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"


def domain_list(n: int, rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    items, hits = [], []
    for i in range(n):
        name = f"h{rng.getrandbits(40):x}-{i}.{rng.choice(('example', 'test', 'mail'))}.{rng.choice(('com', 'org', 'net', 'de'))}"
        if rng.random() < 0.05:
            items.append(f"*.{name}")
            hits.append(f"www.{name}")
        else:
            items.append(name)
            hits.append(name.upper() if i % 7 == 0 else name)
    misses = [f"m{rng.getrandbits(40):x}.miss.invalid" for _ in range(len(hits))]
    return items, hits, misses


def probes(hits: list[str], misses: list[str], count: int, rng: random.Random) -> list[str]:
    half = max(1, count // 2)
    return [rng.choice(hits) for _ in range(half)] + [rng.choice(misses) for _ in range(half)]


def acl_measure(conf: Path, kind: str, template: str, subjects: list[str]) -> tuple[float, float, float, float, int]:
    """(seconds for the first match, seconds per later match through a new
    expansion string each time, through one string with the subject in a
    variable, calling acl.runtime.lists directly; 'y' count)."""
    load_all()
    # Each row starts with an empty expansion cache: the compiled strings of
    # earlier rows would otherwise make every garbage collection slower.
    getattr(compile_expansion, "cache_clear", lambda: None)()
    gc.collect()
    ctx = ExpansionContext(config=load_config(str(conf)))
    t0 = time.perf_counter()
    expand(template.format(subjects[0]), ctx)
    first = time.perf_counter() - t0
    strings = [template.format(s) for s in subjects]
    t0 = time.perf_counter()
    yes = sum(expand(s, ctx) == "y" for s in strings)
    per = (time.perf_counter() - t0) / len(strings)
    var = "sender_host_address" if kind == "host" else "domain"
    one = template.format("$" + var)
    expand(one, ctx)
    t0 = time.perf_counter()
    var_yes = 0
    for subject in subjects:
        ctx.variables[var] = subject
        var_yes += expand(one, ctx) == "y"
    per_var = (time.perf_counter() - t0) / len(subjects)
    match = (lambda a: lists.match_ip(ctx, a, "+h")) if kind == "host" else \
        (lambda d: lists.match_domain(ctx, d, "+d"))
    t0 = time.perf_counter()
    direct_yes = sum(map(match, subjects))
    direct = (time.perf_counter() - t0) / len(subjects)
    if not direct_yes == var_yes == yes:
        sys.exit(f"{kind}: {direct_yes} matches calling lists directly, {yes}/{var_yes} through the expansion")
    return first, per, per_var, direct, yes


def exim_run(conf: Path, lines: list[str]) -> tuple[float, str]:
    data = ("\n".join(lines) + "\n").encode() if lines else b""
    t0 = time.perf_counter()
    p = subprocess.run(["exim", "-C", str(conf), "-be"], input=data, capture_output=True,
                       timeout=EXIM_TIMEOUT, check=False)
    return time.perf_counter() - t0, p.stdout.decode(errors="replace")


def exim_measure(conf: Path, template: str, subjects: list[str]) -> tuple[float, int]:
    """(seconds per match, number of 'y')."""
    empty = min(exim_run(conf, [])[0] for _ in range(3))
    full, out = exim_run(conf, [template.format(s) for s in subjects])
    return max(full - empty, 0.0) / len(subjects), out.count("> y")


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} us"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,100000,1000000")
    ap.add_argument("--no-exim", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    use_exim = not args.no_exim and shutil.which("exim") is not None
    work = Path(tempfile.mkdtemp(prefix="acl-listbench-"))
    rng = random.Random(42)
    kinds: list[tuple[str, str, str, Callable[..., tuple[list[str], list[str], list[str]]]]] = [
        ("host", "hostlist h", "${{if match_ip{{{}}}{{+h}}{{y}}{{n}}}}", host_list),
        ("domain", "domainlist d", "${{if match_domain{{{}}}{{+d}}{{y}}{{n}}}}", domain_list),
    ]
    rows = []
    try:
        for kind, decl, template, gen in kinds:
            for n in sizes:
                items, hits, misses = gen(n, rng)
                path = work / f"{kind}-{n}.list"
                path.write_text("\n".join(items) + "\n")
                conf = work / f"{kind}-{n}.conf"
                conf.write_text(f"{decl} = {path}\n")
                ours = probes(hits, misses, ACL_PROBES, rng)
                theirs = probes(hits, misses, EXIM_PROBES.get(n, max(2, 400_000 // n)), rng)
                del items, hits, misses  # the generator's data would slow the collector down
                gc.collect()
                first, per, per_var, direct, yes = acl_measure(conf, kind, template, ours)
                exim_per = exim_yes = None
                if use_exim:
                    exim_per, exim_yes = exim_measure(conf, template, theirs)
                    if exim_yes != len(theirs) // 2:
                        print(f"  note: Exim matched {exim_yes} of {len(theirs)} (half expected)", file=sys.stderr)
                rows.append((kind, n, first, per, per_var, direct, exim_per, yes))
                print(f"  {kind} {n:>9,}: done", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"list matching, {ACL_PROBES:,} probes per list for exim-acl (half hits), "
          f"Exim {'4.96 in the same run' if use_exim else 'not run'}")
    head = f"{'list':7}{'entries':>10} | {'compile':>9} | {'new string':>10} | {'$variable':>9} | " \
           f"{'lists.py':>9} | {'exim':>9} | {'exim/acl':>8} | {'matches/s':>9}"
    print(head)
    print("-" * len(head))
    for kind, n, first, per, per_var, direct, exim_per, _ in rows:
        ratio = f"{exim_per / per_var:,.0f}x" if exim_per else "-"
        print(f"{kind:7}{n:>10,} | {fmt(first):>9} | {fmt(per):>10} | {fmt(per_var):>9} | "
              f"{fmt(direct):>9} | {fmt(exim_per):>9} | {ratio:>8} | {1 / direct:>9,.0f}")
    print("compile: the first match, which reads and compiles the file. Per match: 'new string',\n"
          "a distinct ${if match_...} string each time (parse and compile included, as for Exim's\n"
          "-be lines); '$variable', one string with the subject in $sender_host_address/$domain,\n"
          "as an ACL condition runs; 'lists.py', match_ip/match_domain called directly.\n"
          "exim: `exim -be` per match (it reads the list file for every match). exim/acl: Exim's\n"
          "time over exim-acl's '$variable' time. matches/s: lists.py calls per second.")
    bad = [f"{k} {n}: {y}" for k, n, *_, y in rows if y != ACL_PROBES // 2]
    if bad:
        sys.exit(f"expected {ACL_PROBES // 2} hits each, got " + ", ".join(bad))


if __name__ == "__main__":
    main()
