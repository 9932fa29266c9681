"""Record tests/smtp/data/hostlookup.json from the real Exim (root, Exim 4.96
and NSD installed): ``python3 -m tests.smtp.record_hostlookup``.

As tests/dnslists/record.py does, the recording runs in new network and mount
namespaces where only loopback exists and /etc/resolv.conf names 127.0.0.1,
on which NSD serves tests/dnslists/zones.py: no query leaves loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "hostlookup.json"
INNER = "--inside-namespace"


def inside() -> None:
    from tests.dnslists.zones import BROKEN, ZONES
    from tests.dnsserver import DnsServer
    from tests.session.normalize import normalize
    from tests.session.scenarios import log_entries
    from tests.smtp.hostlookup_cases import CASES, STDIN, conf as case_conf

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = Path(tempfile.mkdtemp(prefix="acl-hostlookup-rec-"))
    for name, text in (("resolv.conf", "nameserver 127.0.0.1\n"), ("hosts", "127.0.0.1 localhost\n")):
        (work / name).write_text(text)
        subprocess.run(["mount", "--bind", str(work / name), f"/etc/{name}"], check=True)
    (work / "nsd").mkdir()
    out: dict[str, object] = {}
    with DnsServer(ZONES, broken=BROKEN, port=53, workdir=str(work / "nsd")):
        for cid, (_, ip, _) in CASES.items():
            conf = work / f"{cid}.conf"
            conf.write_text(case_conf(cid))
            r = subprocess.run(["exim", "-C", str(conf), "-bh", ip], input=STDIN,
                               capture_output=True, timeout=120)
            stderr = r.stderr.decode("utf-8", "surrogateescape")
            out[cid] = {"stdout": normalize(r.stdout.decode("utf-8", "surrogateescape")),
                        "log": [normalize(e) for e in log_entries(stderr)], "rc": r.returncode}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(out)} sessions in {OUT}")


def main() -> None:
    if sys.argv[1:2] == [INNER]:
        inside()
        return
    if os.geteuid() != 0:
        sys.exit("record_hostlookup: run as root (it makes network and mount namespaces)")
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    sys.exit(subprocess.run(["unshare", "--net", "--mount", "--propagation", "private", sys.executable,
                             "-m", "tests.smtp.record_hostlookup", INNER], cwd=root, env=env).returncode)


if __name__ == "__main__":
    main()
