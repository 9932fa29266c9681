"""Exim 4.96's daemon (recorded by record_exim.py) against `acl serve` with
the PROXY step: the same client scenarios, the same replies, the same
variables in the connect ACL and the same log lines."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.proxy.cases import CASES, play
from tests.proxy.harness import serve
from tests.proxy.record_exim import normalize

RECORDED: dict[str, Any] = json.loads((Path(__file__).parent / "recordings" / "exim_daemon.json")
                                      .read_text())
# Where Exim 4.96 itself loses the connection (a message after LOCAL/UNKNOWN
# with log_selector +proxy): not imitated, see docs/PROXY.md.
EXIM_CRASHES = {"v1_unknown_mail", "v2_local_mail"}
# The daemon's own start line (Exim's goes to another log).
_OTHERS = re.compile(r"^exim-acl daemon")


def _replies(got: dict[str, Any]) -> list[str]:
    if (got.get("banner") or "").startswith("554"):
        return []  # the server closed: what the client then reads is a race
    return [normalize(r).replace("\r\n", "\n").removesuffix("<EOF>") for r in got["replies"]]


def _banner(got: dict[str, Any]) -> str:
    return re.sub(r"ESMTP Exim 4.96 .*", "ESMTP", normalize(got.get("banner") or ""))


def _log(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if _OTHERS.search(line):
            continue
        # Exim counts a previous session's process until it is reaped.
        out.append(re.sub(r"connection count = \d+", "connection count = N", line))
    return out


def _run_all(host: str, names: list[str], tmp: Path) -> dict[str, dict[str, Any]]:
    listen = f"[{host}]:0" if ":" in host else f"{host}:0"
    with serve(tmp, listen=listen) as srv:
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            futs = {n: pool.submit(play, host, srv.port, *CASES[n]) for n in names}
            return {n: f.result() for n, f in futs.items()}


def test_replies_match_exim(tmp_path: Path) -> None:
    names = [n for n in CASES if n in RECORDED and n not in EXIM_CRASHES]
    got = _run_all("127.0.0.1", names, tmp_path)
    for name in names:
        want, have = RECORDED[name], got[name]
        assert _banner(have) == _banner(want), name
        assert _replies(have) == _replies(want), name
        if want.get("banner_after") is not None:  # the 3 s timeout, or none
            assert abs(have["banner_after"] - want["banner_after"]) <= 1, name


@pytest.mark.parametrize("name", ["v1_tcp4", "v2_tcp4", "no_header_silent"])
def test_ipv6_connection(tmp_path: Path, name: str) -> None:
    got = _run_all("::1", [name], tmp_path)[name]
    want = RECORDED[name + "@ipv6"]
    assert _banner(got) == _banner(want)
    assert _replies(got) == _replies(want)


FAST = [n for n in CASES if n in RECORDED and n not in EXIM_CRASHES
        and not any(isinstance(s, float) for s in CASES[n][0])
        and RECORDED[n].get("banner_after") == 0]


def test_log_lines_match_exim(tmp_path: Path) -> None:
    log = tmp_path / "mainlog"
    with serve(tmp_path) as srv:
        for name in FAST:
            seen = len(log.read_text().splitlines()) if log.exists() else 0
            got = play("127.0.0.1", srv.port, *CASES[name])
            time.sleep(0.05)
            srv.wait_idle()
            lines = [normalize(x[20:], got["client_port"]).replace(f":{srv.port}", ":RPORT")
                     for x in log.read_text().splitlines()[seen:]]
            assert _log(lines) == _log(RECORDED[name]["log"]), name
