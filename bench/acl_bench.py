#!/usr/bin/env python3
"""ACL benchmark: RCPT decisions per second, exim-acl next to Exim 4.96.

A realistic RCPT ACL (local and relay domains, a relay host list, restricted
characters in local parts, a sender denylist, a 100,000-network host blocklist
read from a file, an acl_m variable set, no DNS and no verify) is run on
sessions from varied client addresses, each with many recipients:

  exim-acl: acl.engine.Engine(config).run_acl("rcpt", ctx, where="rcpt") in
            this process, one context per session (named-list results cached
            per message and per recipient, as Exim caches them);
  Exim:     `exim -C CONF -bh IP` with the same RCPT commands in one session per
            address; time per RCPT = (session time - the same session without
            RCPTs) / RCPTs. Its -bh debug output goes to /dev/null.

Usage: python3 bench/acl_bench.py [--sessions 20] [--rcpts 200] [--block 100000] [--no-exim]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acl.builtins import load_all  # noqa: E402
from acl.config import load_config  # noqa: E402
from acl.engine import Engine, Result  # noqa: E402
from acl.runtime import lists  # noqa: E402
from acl.runtime.context import ExpansionContext  # noqa: E402

CONF = r"""
primary_hostname = mail.example
domainlist local_domains = @ : example.com : example.org : localhost
domainlist relay_to_domains = partner.example : *.partner.example
hostlist relay_from_hosts = <; 127.0.0.1 ; ::1 ; 192.168.0.0/16 ; 10.0.0.0/8
hostlist blocklist = {block}
addresslist bad_senders = *@spam.example : baduser@*.example.net
localpartlist role = postmaster : abuse : hostmaster
acl_smtp_rcpt = rcpt

begin acl

rcpt:
  accept hosts = :
  deny    message = Restricted characters in address
          domains = +local_domains
          local_parts = ^[.] : ^.*[@%!/|]
  deny    message = Restricted characters in address
          domains = !+local_domains
          local_parts = ^[./|] : ^.*[@%!] : ^.*/\\.\\./
  deny    message = Blocked host $sender_host_address
          hosts = +blocklist
  deny    message = Sender refused
          senders = +bad_senders
  warn    set acl_m_rcpts = ${eval:$acl_m_rcpts+1}
  accept  local_parts = +role
          domains = +local_domains
  accept  hosts = +relay_from_hosts
  require message = relay not permitted
          domains = +local_domains : +relay_to_domains
  deny    message = Too many recipients
          condition = ${if >{$acl_m_rcpts}{500}}
  accept
"""


def _dotted(a: int) -> str:
    return f"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"


def blocklist(n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """n networks outside 192.0.2.0/24, 10/8 and 192.168/16; some addresses inside them."""
    items, inside = [], []
    for _ in range(n):
        plen = rng.choice((16, 20, 24, 24, 28, 32, 32))
        first = rng.choice([o for o in range(11, 224) if o not in (127, 192, 198)])
        net = (first << 24 | rng.getrandbits(24)) >> (32 - plen) << (32 - plen)
        items.append(f"{_dotted(net)}/{plen}" if plen < 32 else _dotted(net))
        if len(inside) < 50:
            inside.append(_dotted(net | (rng.getrandbits(32 - plen) if plen < 32 else 0)))
    return items, inside


def sessions(count: int, rcpts: int, blocked: list[str], rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """(client address, sender, recipients) per session: most clients are
    outsiders, some relay hosts, some blocklisted."""
    out = []
    domains = ["example.com", "example.org", "partner.example", "mx.partner.example", "elsewhere.test",
               "mail.example"]
    lps = ["alice", "bob", "postmaster", "abuse", "x.y", ".dot", "a%b", "carol", "dave", "sales"]
    senders = ["someone@client.test", "friend@example.net", "spammer@spam.example", "baduser@a.example.net"]
    for i in range(count):
        kind = i % 5
        ip = (rng.choice(blocked) if kind == 4 else f"10.{rng.randrange(256)}.{rng.randrange(256)}.9"
              if kind == 3 else f"192.0.2.{rng.randrange(1, 255)}")
        sender = senders[0] if kind != 2 else rng.choice(senders)
        out.append((ip, sender, [f"{rng.choice(lps)}{rng.randrange(100)}@{rng.choice(domains)}"
                                 if rng.random() < 0.5 else f"{rng.choice(lps)}@{rng.choice(domains)}"
                                 for _ in range(rcpts)]))
    return out


def run_acl(conf: Path, work: list[tuple[str, str, list[str]]]) -> tuple[float, float, list[Counter]]:
    """(seconds for the first decision, seconds per later decision, outcomes)."""
    load_all()
    config = load_config(str(conf))
    engine = Engine(config)
    per_session: list[Counter] = []
    t0 = time.perf_counter()
    first = None
    decisions = 0
    for ip, sender, rcpts in work:
        ctx = ExpansionContext(config=config)
        ctx.variables.update(sender_host_address=ip, sender_helo_name="client.test", sender_address=sender)
        lists.new_message(ctx)
        outcomes: Counter = Counter()
        per_session.append(outcomes)
        for rcpt in rcpts:
            lp, _, dom = rcpt.rpartition("@")
            ctx.variables.update(local_part=lp, domain=dom, local_part_data="", domain_data="")
            lists.new_recipient(ctx)
            v = engine.run_acl("rcpt", ctx, where="rcpt")
            outcomes["accept" if v.result == Result.OK else "deny" if v.result == Result.FAIL else str(v.result)] += 1
            if first is None:
                first = time.perf_counter() - t0
                t0 = time.perf_counter()
            else:
                decisions += 1
    return first or 0.0, (time.perf_counter() - t0) / max(decisions, 1), per_session


def exim_session(conf: Path, ip: str, sender: str, rcpts: list[str]) -> tuple[float, Counter]:
    lines = ["HELO client.test", f"MAIL FROM:<{sender}>"] + [f"RCPT TO:<{r}>" for r in rcpts] + ["QUIT"]
    data = "".join(line + "\r\n" for line in lines).encode()
    t0 = time.perf_counter()
    p = subprocess.run(["exim", "-C", str(conf), "-bh", ip], input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=600, check=False)
    took = time.perf_counter() - t0
    finals = [x for x in p.stdout.decode(errors="replace").splitlines() if x[:3].isdigit() and x[3:4] == " "]
    # banner, HELO and MAIL replies first, QUIT's last
    return took, Counter("accept" if x[0] == "2" else "deny" if x[0] == "5" else x[:3] for x in finals[3:-1])


def run_exim(conf: Path, work: list[tuple[str, str, list[str]]]) -> tuple[float, list[Counter]]:
    total, n, codes = 0.0, 0, []
    for ip, sender, rcpts in work:
        empty = min(exim_session(conf, ip, sender, [])[0] for _ in range(2))
        took, c = exim_session(conf, ip, sender, rcpts)
        total += max(took - empty, 0.0)
        n += len(rcpts)
        codes.append(c)
    return total / n, codes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rcpts", type=int, default=200)
    ap.add_argument("--block", type=int, default=100_000)
    ap.add_argument("--no-exim", action="store_true")
    args = ap.parse_args()
    rng = random.Random(7)
    work_dir = Path(tempfile.mkdtemp(prefix="acl-aclbench-"))
    work_dir.chmod(0o755)  # Exim reads the files after dropping root privilege
    try:
        items, inside = blocklist(args.block, rng)
        block = work_dir / "block.list"
        block.write_text("\n".join(items) + "\n")
        block.chmod(0o644)
        conf = work_dir / "rcpt.conf"
        conf.write_text(CONF.replace("{block}", str(block)))
        conf.chmod(0o644)
        work = sessions(args.sessions, args.rcpts, inside, rng)
        first, per, sessions_out = run_acl(conf, work)
        exim_per = exim_codes = None
        if not args.no_exim and shutil.which("exim"):
            exim_per, exim_codes = run_exim(conf, work[: max(2, args.sessions // 4)])
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    outcomes = sum(sessions_out, Counter())
    total = sum(outcomes.values())
    print(f"RCPT ACL decisions: {args.sessions} sessions x {args.rcpts} recipients, "
          f"host blocklist of {args.block:,} networks")
    print(f"  exim-acl  first decision (loads the blocklist): {first * 1e3:8.1f} ms")
    print(f"  exim-acl  per decision:                          {per * 1e6:8.1f} us  "
          f"({1 / per:,.0f} decisions/s)   outcomes: {dict(outcomes)} of {total}")
    if exim_per is not None and exim_codes is not None:
        n = len(exim_codes)
        same = exim_codes == sessions_out[:n]
        print(f"  Exim 4.96 per RCPT (-bh, same ACL):              {exim_per * 1e6:8.1f} us  "
              f"({1 / exim_per:,.0f} decisions/s)   outcomes: {dict(sum(exim_codes, Counter()))} "
              f"(first {n} sessions; exim-acl's {'the same' if same else 'DIFFER: ' + str(sessions_out[:n])})")
        print(f"  ratio Exim/exim-acl per decision: {exim_per / per:.1f}x")


if __name__ == "__main__":
    main()
