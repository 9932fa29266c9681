"""Record the dnslists goldens from the real Exim (root, Exim 4.96 and NSD
installed): ``python3 -m tests.dnslists.record [CASE-ID...]``.

Exim resolves through the system's resolver, so the recording runs in a
network and mount namespace made for it: only loopback exists there,
/etc/resolv.conf and /etc/hosts are replaced (bind mounts visible only
inside) by ones naming 127.0.0.1 and nothing else, and NSD serves
tests/dnslists/zones.py on 127.0.0.1 port 53. No query can leave loopback.
Each case of cases.py runs as ``exim -C CONF -bh IP``; standard output and
the LOG: entries go to goldens.json, which the tests replay against
``acl session`` and their own NSD, without Exim or namespaces."""

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


def inside(wanted: list[str]) -> None:
    from tests.dnslists.cases import CASES
    from tests.dnslists.zones import BROKEN, ZONES
    from tests.dnsserver import DnsServer
    from tests.session.normalize import normalize
    from tests.session.scenarios import log_entries

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = Path(tempfile.mkdtemp(prefix="acl-dnslists-rec-"))
    for name, text in (("resolv.conf", "nameserver 127.0.0.1\n"), ("hosts", "127.0.0.1 localhost\n")):
        (work / name).write_text(text)
        subprocess.run(["mount", "--bind", str(work / name), f"/etc/{name}"], check=True)
    (work / "nsd").mkdir()
    old = json.loads(GOLDENS.read_text()) if GOLDENS.exists() and wanted else {}
    if os.environ.get("EXIM_DEBUG"):  # a look at Exim's debug output, nothing recorded
        old, goldens_out = {}, work / "goldens.json"
    else:
        goldens_out = GOLDENS
    out: dict[str, dict[str, object]] = dict(old)
    with DnsServer(ZONES, broken=BROKEN, port=53, workdir=str(work / "nsd")):
        for case in CASES:
            if wanted and case.id not in wanted:
                continue
            conf = work / f"{case.id}.conf"
            conf.write_text(case.conf())
            debug = [os.environ["EXIM_DEBUG"]] if os.environ.get("EXIM_DEBUG") else []
            r = subprocess.run(["exim", *debug, "-C", str(conf), "-bh", case.ip], input=case.stdin(),
                               capture_output=True, timeout=120)
            stdout = r.stdout.decode("utf-8", "surrogateescape")
            stderr = r.stderr.decode("utf-8", "surrogateescape")
            out[case.id] = {"stdout": normalize(stdout), "log": [normalize(e) for e in log_entries(stderr)],
                            "rc": r.returncode}
            if os.environ.get("SHOW_DEBUG"):
                print(f"==== {case.id}\n{stderr}")
    goldens_out.write_text(json.dumps(out, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(out)} goldens in {goldens_out}")


def main() -> None:
    if sys.argv[1:2] == [INNER]:
        inside(sys.argv[2:])
        return
    if os.geteuid() != 0:
        sys.exit("record: run as root (it makes network and mount namespaces)")
    root = HERE.parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    sys.exit(subprocess.run(["unshare", "--net", "--mount", "--propagation", "private", sys.executable,
                             "-m", "tests.dnslists.record", INNER, *sys.argv[1:]], cwd=root, env=env).returncode)


if __name__ == "__main__":
    main()
