"""Exim 4.96's DKIM results, recorded by tests/dkim/record_goldens.py (Exim
verifying in -bh against NSD in a private network namespace), replayed
against the same zones served by NSD, without Exim."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dkim.conftest import goldens
from tests.dkim.harness import run_session

CASES = goldens()["cases"]


def expected(case: dict[str, Any]) -> tuple[list[str], str]:
    """The ACL and verification log lines, and the reply in run_session's form."""
    logs = [line for line in case["logs"] if not line.startswith("H=(")]
    reply = case["replies"][1]
    if reply.startswith("250"):
        return logs, "250"
    if reply.startswith("451"):
        rejected = next(line for line in case["logs"] if "rejected" in line)
        return logs, "451 " + rejected.split(": ", 1)[1]
    return logs, reply


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden(case: dict[str, Any], golden_server: Any) -> None:
    logs, reply, _ = run_session(case["config"], case["msg"].encode("latin-1"), golden_server)
    want_logs, want_reply = expected(case)
    assert logs == want_logs
    assert reply == want_reply
