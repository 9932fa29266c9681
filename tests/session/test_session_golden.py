"""Replay every recorded `exim -bh` session against `acl session` and compare
standard output, LOG: entries and exit code with Exim's, after the shared
normalisation. Sessions listed in KNOWN_GAPS.md are expected to differ.
Needs only the goldens, never Exim."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.session.normalize import normalize
from tests.session.scenarios import DATA, GOLDEN, Session, known_gaps, load_all, log_entries

session = pytest.importorskip(
    "acl.cli.session", reason="acl/cli/session.py (`acl session`) does not exist yet",
    exc_type=ModuleNotFoundError)

GAPS = known_gaps()


def _golden() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(GOLDEN.glob("*.json")):
        for rec in json.loads(path.read_text(encoding="utf-8")):
            found[rec["id"]] = rec
    return found


GOLDENS = _golden()
SESSIONS = load_all()


def _params() -> list[Any]:
    return [pytest.param(s, id=s.id, marks=[pytest.mark.xfail(reason=GAPS[s.id], strict=True)]
                         if s.id in GAPS or s.case_id in GAPS else [])
            for s in SESSIONS]


def _run(s: Session, conf: Path, spool: Path) -> tuple[str, str, int]:
    argv = ["-C", str(conf), "-D", f"SPOOL={spool}", "-D", f"DATA={DATA}",
            *s.args, "--host", s.host]
    return session.session_main(argv, s.stdin)


def _render(stdout: str, log: list[str], rc: int) -> list[str]:
    return [f"rc: {rc}", "--- stdout"] + stdout.splitlines() + ["--- log"] + \
        [ln for e in log for ln in e.splitlines()]


@pytest.mark.parametrize("s", _params())
def test_session(s: Session, tmp_path: Path) -> None:
    want = GOLDENS.get(s.id)
    assert want is not None, f"{s.id} has no golden: run tests/session/record.py {s.case_id}"
    conf = tmp_path / "exim.conf"
    conf.write_text(s.conf, encoding="utf-8")
    spool = tmp_path / "spool"
    spool.mkdir()
    for earlier in s.prior:  # the same spool, as Exim had it (ratelimit hints)
        _run(earlier, conf, spool)
    stdout, stderr, rc = _run(s, conf, spool)
    got = _render(normalize(stdout), [normalize(e) for e in log_entries(stderr)], rc)
    expected = _render(want["stdout"], want["log"], want["rc"])
    if got != expected:
        diff = "\n".join(difflib.unified_diff(expected, got, "exim", "acl session", lineterm=""))
        pytest.fail(f"{s.id}: {s.title}\n{diff}", pytrace=False)
