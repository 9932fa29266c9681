"""Replay each scenario Exim's daemon was recorded with (record_daemon.py,
goldens/daemon.json) against `acl serve` and compare the replies and the
main-log lines. What differs between TLS libraries (cipher names, the
handshake error text, the message size) is compared after
daemon_cases.library_neutral."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.serve.support import InProcess, state_for
from tests.tls.daemon_cases import ACLS, CASES, CONFIG, CONFIGS, library_neutral, normalize, play
from tests.tls.pki import Pki

GOLDENS = json.loads((Path(__file__).parent / "goldens" / "daemon.json").read_text())

# Differences that come from acl/smtp/*, not from acl.tls: the fix is in
# /tmp/h24-smtp.patch (see the report of that change).
XFAIL: dict[str, str] = {}


def _params() -> list[Any]:
    out = []
    for name in sorted(GOLDENS):
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def replay(name: str, pki: Pki, tmp: Path) -> dict[str, Any]:
    config = CASES[name][0]
    (tmp / "log").mkdir()
    conf = tmp / "exim.conf"
    conf.write_text(CONFIG.format(dir=tmp, pki=pki.dir, extra=CONFIGS[config],
                                  acls=ACLS.get(config, "")))
    log = tmp / "log" / "mainlog"
    with InProcess(state_for(conf, tmp / "spool")) as srv:
        seen = len(log.read_text().splitlines()) if log.exists() else 0
        got = play(name, srv.port, pki)
        srv.wait_idle()
        ports = (srv.port, got.pop("client_port"))
        got["replies"] = [normalize(r, ports) if r is not None else None for r in got["replies"]]
        lines = log.read_text().splitlines()[seen:] if log.exists() else []
    got["log"] = [normalize(x, ports) for x in lines]
    return got


@pytest.mark.parametrize("name", _params())
def test_daemon_scenario(name: str, pki: Pki, tmp_path: Path) -> None:
    want = GOLDENS[name]
    got = replay(name, pki, tmp_path)
    assert got.get("handshake") == want.get("handshake")
    assert got["replies"] == want["replies"]
    assert library_neutral(got["log"]) == library_neutral(want["log"])
