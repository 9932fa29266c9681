"""Replay the sessions recorded from `exim -bh` (record.py) through the
dialogue of `acl session` (acl.smtp): every reply and every log line,
`<=` lines with their A= field included, must be Exim's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.auth.cases import config_text
from tests.auth.runner import run_session

GOLDENS = json.loads((Path(__file__).parent / "data" / "goldens.json").read_text("utf-8"))
MSGID = re.compile(r"\b[0-9A-Za-z]{6}-[0-9A-Za-z]{6}-[0-9A-Za-z]{2}\b")


def _replies(stdout: str) -> list[str]:
    lines = [MSGID.sub("MSGID", ln.rstrip("\r")) for ln in stdout.split("\n")
             if re.match(r"^\d{3}[ -]", ln)]
    return lines[1:]  # the banner has the time


@pytest.mark.parametrize("rec", GOLDENS, ids=[g["name"] for g in GOLDENS])
def test_recorded_session(rec: dict[str, Any]) -> None:
    data = "".join(s["send"] + "\r\n" for s in rec["steps"]).encode()
    stdout, logs = run_session(config_text(rec["mailauth"]), rec["host"], data,
                                    rec["challenge"])
    want = [ln for s in rec["steps"] for ln in s["reply"]] + rec["tail"]
    assert _replies(stdout) == want
    assert [MSGID.sub("MSGID", ln) for ln in logs] == rec["logs"]
