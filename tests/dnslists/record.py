"""Record the dnslists goldens from the real Exim (root, Exim 4.96 and NSD
installed): ``python3 -m tests.dnslists.record [CASE-ID...]``.

Each case of cases.py runs as ``exim -C CONF -bh IP`` in the private
namespace of tests/oracle/netns.py: /etc/resolv.conf and /etc/hosts name
127.0.0.1 and nothing else, NSD serves tests/dnslists/zones.py on
127.0.0.1:53 and nothing leaves loopback. Standard output and the LOG:
entries go to goldens.json, which the tests replay against ``acl session``
and their own NSD, without Exim or namespaces. With case ids, only those are
re-recorded. EXIM_DEBUG=-d+dns (say) runs Exim with that option and writes
nothing here; SHOW_DEBUG=1 prints each case's standard error."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

if not __package__:  # started by path: this checkout's tests, not another one on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.oracle import exim_namespace, recorder_main  # noqa: E402

HERE = Path(__file__).resolve().parent
GOLDENS = HERE / "goldens.json"


def record(wanted: list[str]) -> None:
    from tests.dnslists.cases import CASES
    from tests.dnslists.zones import BROKEN, ZONES
    from tests.session.normalize import normalize
    from tests.session.scenarios import log_entries

    old = json.loads(GOLDENS.read_text()) if GOLDENS.exists() and wanted else {}
    debug = [os.environ["EXIM_DEBUG"]] if os.environ.get("EXIM_DEBUG") else []
    with exim_namespace(ZONES, broken=BROKEN, hosts=True, prefix="acl-dnslists-rec-",
                        keep=bool(debug)) as exim:
        goldens_out = exim.work / "goldens.json" if debug else GOLDENS  # a look at the debug output only
        out: dict[str, dict[str, object]] = {} if debug else dict(old)
        for case in CASES:
            if wanted and case.id not in wanted:
                continue
            r = exim.bh(exim.config(case.conf(), f"{case.id}.conf"), case.ip, case.stdin(), debug)
            stdout = r.stdout.decode("utf-8", "surrogateescape")
            stderr = r.stderr.decode("utf-8", "surrogateescape")
            out[case.id] = {"stdout": normalize(stdout), "log": [normalize(e) for e in log_entries(stderr)],
                            "rc": r.returncode}
            if os.environ.get("SHOW_DEBUG"):
                print(f"==== {case.id}\n{stderr}")
    goldens_out.write_text(json.dumps(out, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(out)} goldens in {goldens_out}")


if __name__ == "__main__":
    recorder_main("tests.dnslists.record", record)
