"""Record dnsdb goldens from the real Exim (run as root on a machine with Exim
4.96 and NSD): ``python3 -m tests.dns.record_goldens``.

Exim asks the system resolver, so the recording runs in a network and mount
namespace made for it: only a loopback interface exists there, /etc/resolv.conf
is replaced (by a bind mount visible only inside) with one naming 127.0.0.1,
and NSD serves tests/dns/zones.py on 127.0.0.1 port 53. No query can leave
loopback. The results go to tests/dns/goldens.json; the tests replay them
against their own NSD without Exim or namespaces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDENS = HERE / "goldens.json"
INNER = "--inside-namespace"


def lookup_expr(query: str) -> str:
    return "${lookup dnsdb{" + query + "}{[$value]}{NOTFOUND}}"


def run_exim(conf: str, expr: str) -> str:
    r = subprocess.run(["exim", "-C", conf, "-be", expr], capture_output=True, timeout=60)
    return (r.stdout + r.stderr).decode("utf-8", "surrogateescape").removesuffix("\n")


def inside() -> None:
    from tests.dns.cases import EXPANSIONS, QUERIES
    from tests.dns.zones import BROKEN, ZONES
    from tests.dnsserver import DnsServer

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = Path(tempfile.mkdtemp(prefix="acl-dns-rec-"))
    resolv = work / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)
    conf = work / "exim.conf"
    conf.write_text("primary_hostname = test.example\n")
    with DnsServer(ZONES, broken=BROKEN, port=53, workdir=str(work / "nsd")) if (work / "nsd").mkdir() is None else None:
        cases = [{"query": q, "expansion": lookup_expr(q), "output": run_exim(str(conf), lookup_expr(q))}
                 for q in QUERIES]
        cases += [{"query": None, "expansion": e, "output": run_exim(str(conf), e)} for e in EXPANSIONS]
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
                             sys.executable, "-m", "tests.dns.record_goldens", INNER], cwd=root, env=env).returncode)


if __name__ == "__main__":
    main()
