"""Replay the sessions recorded from `exim -bh` (record.py) through the
dialogue wired to acl.auth (wiring.py): every reply and every log line must
be Exim's. The A= field of `<=` lines is checked against acl.auth.log_field
(the `<=` line itself is the dialogue's)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.auth.cases import config_text
from tests.auth.wiring import run_session

GOLDENS = json.loads((Path(__file__).parent / "data" / "goldens.json").read_text("utf-8"))
MSGID = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")
A_FIELD = re.compile(r" A=\S+")


def _replies(stdout: str) -> list[str]:
    lines = [MSGID.sub("MSGID", ln.rstrip("\r")) for ln in stdout.split("\n")
             if re.match(r"^\d{3}[ -]", ln)]
    return lines[1:]  # the banner has the time


@pytest.mark.parametrize("rec", GOLDENS, ids=[g["name"] for g in GOLDENS])
def test_recorded_session(rec: dict[str, Any]) -> None:
    data = "".join(s["send"] + "\r\n" for s in rec["steps"]).encode()
    stdout, logs, ctx = run_session(config_text(rec["mailauth"]), rec["host"], data,
                                    rec["challenge"])
    want = [ln for s in rec["steps"] for ln in s["reply"]] + rec["tail"]
    assert _replies(stdout) == want
    got_logs = [MSGID.sub("MSGID", ln) for ln in logs]
    arrivals = [ln for ln in rec["logs"] if " <= " in ln]
    fields = [m.group(0) if (m := A_FIELD.search(ln)) else "" for ln in arrivals]
    assert ctx.extra.get("test_a_fields", []) == fields
    # The dialogue writes its <= line without A= until it calls log_field.
    assert [A_FIELD.sub("", ln) for ln in got_logs] == [A_FIELD.sub("", ln) for ln in rec["logs"]]
