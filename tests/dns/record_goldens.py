"""Record dnsdb goldens from the real Exim (root, Exim 4.96 and NSD
installed): ``python3 -m tests.dns.record_goldens``.

Each expansion runs as ``exim -be`` in the private namespace of
tests/oracle/netns.py, where NSD serves tests/dns/zones.py on 127.0.0.1:53
and nothing leaves loopback. The results go to tests/dns/goldens.json; the
tests replay them against their own NSD without Exim or namespaces."""

from __future__ import annotations

import json
import sys
from pathlib import Path

if not __package__:  # started by path: this checkout's tests, not another one on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.oracle import exim_namespace, recorder_main  # noqa: E402

HERE = Path(__file__).resolve().parent
GOLDENS = HERE / "goldens.json"


def lookup_expr(query: str) -> str:
    return "${lookup dnsdb{" + query + "}{[$value]}{NOTFOUND}}"


def record(_args: list[str]) -> None:
    from tests.dns.cases import EXPANSIONS, QUERIES
    from tests.dns.zones import BROKEN, ZONES

    with exim_namespace(ZONES, broken=BROKEN, prefix="acl-dns-rec-") as exim:
        conf = exim.config("primary_hostname = test.example\n")

        def output(expr: str) -> str:
            r = exim.be(conf, expr)
            return (r.stdout + r.stderr).decode("utf-8", "surrogateescape").removesuffix("\n")

        cases = [{"query": q, "expansion": lookup_expr(q), "output": output(lookup_expr(q))} for q in QUERIES]
        cases += [{"query": None, "expansion": e, "output": output(e)} for e in EXPANSIONS]
    GOLDENS.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(cases)} goldens written to {GOLDENS}")


if __name__ == "__main__":
    recorder_main("tests.dns.record_goldens", record)
