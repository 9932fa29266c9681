"""The recorders' namespace helper: it refuses to touch /etc outside its own
namespaces, hands the arguments through, and (root with NSD only) gives Exim
a resolver that answers from the loopback NSD alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dnsserver import NSD
from tests.oracle import netns


def test_refuses_outside_its_namespaces() -> None:
    before = Path("/etc/resolv.conf").read_bytes()
    with pytest.raises(netns.NotIsolated):
        with netns.exim_namespace({}, broken=()):
            pass
    assert Path("/etc/resolv.conf").read_bytes() == before


def test_refuses_in_the_namespace_it_started_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(netns.OUTER_NS, os.readlink("/proc/self/ns/mnt"))
    assert not netns.isolated()


def test_inside_the_body_gets_the_arguments() -> None:
    seen: list[list[str]] = []
    netns.recorder_main("tests.x.record", seen.append, [netns.INNER, "case-1", "case-2"])
    assert seen == [["case-1", "case-2"]]


def test_outside_only_root_may_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(SystemExit) as exc:
        netns.recorder_main("tests.x.record", lambda args: None, [])
    assert exc.value.code == "record: run as root (it makes network and mount namespaces)"


def _can_unshare() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return False
    return subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(NSD is None or not _can_unshare(), reason="needs root, unshare and NSD")
def test_probe_resolves_from_the_loopback_nsd_only() -> None:
    r = subprocess.run([sys.executable, "-m", "tests.oracle.probe"], cwd=netns.ROOT, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == ["interfaces: lo", "resolver: 192.0.2.53"]
    if shutil.which("exim"):
        assert lines[2:] == ["exim: 192.0.2.53"]
