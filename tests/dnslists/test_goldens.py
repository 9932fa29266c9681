"""Replay the sessions recorded from Exim 4.96 (record.py, goldens.json)
through ``acl session`` against NSD serving the same zones, and compare
standard output, LOG: entries and exit status."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from acl.cli.session import session_main
from tests.dnslists.cases import CASES, Case
from tests.session.normalize import normalize
from tests.session.scenarios import log_entries

GOLDENS: dict[str, Any] = json.loads((Path(__file__).parent / "goldens.json").read_text())
# Cases where acl session still differs, with the reason (see docs/DNSLISTS.md).
KNOWN: dict[str, str] = {
    "host-regex": "Exim matches host-name patterns against the aliases too (alias.hosts.test); "
                  "acl/runtime/lists.py checks $sender_host_name only",
}


def _render(stdout: str, log: list[str], rc: int) -> list[str]:
    return [f"rc: {rc}", "--- stdout"] + stdout.splitlines() + ["--- log"] + \
        [ln for e in log for ln in e.splitlines()]


def _params() -> list[Any]:
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=KNOWN[c.id], strict=True)]
                         if c.id in KNOWN else []) for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_golden(case: Case, dns_env: Any, tmp_path: Path) -> None:
    want = GOLDENS.get(case.id)
    assert want is not None, f"{case.id} has no golden: run python3 -m tests.dnslists.record {case.id}"
    conf = tmp_path / "exim.conf"
    conf.write_text(case.conf())
    stdout, stderr, rc = session_main(["-C", str(conf), "--host", case.ip], case.stdin())
    got = _render(normalize(stdout), [normalize(e) for e in log_entries(stderr)], rc)
    expected = _render(want["stdout"], want["log"], want["rc"])
    if got != expected:
        diff = "\n".join(difflib.unified_diff(expected, got, "exim", "acl session", lineterm=""))
        pytest.fail(f"{case.id}\n{diff}\n{stderr if 'internal error' in stderr else ''}", pytrace=False)
