"""The scenario files and the goldens recorded from them agree: every session
has a recording, no recording is left over, and KNOWN_GAPS.md names real ids.
Runs without `acl session` and without Exim."""

from __future__ import annotations

import json

from tests.session.scenarios import GOLDEN, families, known_gaps, load_all, load_family


def test_every_session_is_recorded() -> None:
    for fam in families():
        ids = [s.id for s in load_family(fam)]
        path = GOLDEN / f"{fam}.json"
        assert path.exists(), f"no golden for {fam}: run tests/session/record.py {fam}"
        recorded = [r["id"] for r in json.loads(path.read_text(encoding="utf-8"))]
        assert recorded == ids, f"{fam}: golden out of date, run record.py {fam}"


def test_recordings_have_the_golden_shape() -> None:
    for path in GOLDEN.glob("*.json"):
        for rec in json.loads(path.read_text(encoding="utf-8")):
            assert set(rec) == {"id", "stdout", "log", "rc"}
            assert isinstance(rec["log"], list) and isinstance(rec["rc"], int)
            assert "SMTP testing session" in rec["stdout"] or rec["rc"] != 0, rec["id"]


def test_known_gaps_name_existing_sessions() -> None:
    ids = {s.id for s in load_all()} | {s.case_id for s in load_all()}
    assert set(known_gaps()) <= ids



def test_enough_sessions() -> None:
    assert len(load_all()) >= 150
