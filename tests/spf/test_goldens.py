"""The spf / spf_guess conditions replayed against the sessions recorded from
Exim 4.96 (record_goldens.py): the same configuration, DNS zones (served by
NSD) and client; the conditions that held and the $spf_* variables must be
what Exim logged."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.spf.conftest import log_texts, run, session_ctx
from tests.spf.record_goldens import exim_conf
from tests.spf.cases import Case

GOLDENS = json.loads((Path(__file__).parent / "goldens.json").read_text())
_ID = re.compile(r"^\w{6}-\w{6}-\w{2} ")
_REFUSED = re.compile(r": (cannot test spf condition in .*)$")

# Where libspf2 (Exim's SPF library) departs from RFC 7208, this
# implementation follows the RFC (and the RFC 7208 test suite); see docs/SPF.md.
DIVERGENT = {
    "perm": "libspf2 cannot compile an unknown mechanism: result (invalid), not permerror",
    "names-invalid": "the same record: (invalid) in Exim, permerror here",
    "temp-sender": "libspf2 gives (invalid) on a DNS failure for the sender's own record; "
                   "RFC 7208 4.4 (and this brief) want temperror",
    "phase-quit": "Exim -bh prints nothing from the QUIT ACL",
    "names-old-perm": "err_perm/err_temp (the 4.83 names) match permerror/temperror here; "
                      "Exim 4.96 dropped them (see DIVERGENCES.md)",
    "names-old-temp": "as names-old-perm",
}


def _expected(golden: dict) -> list[str]:
    return [_ID.sub("", ln) for ln in golden["log"] if re.match(r"^(\w{6}-\w{6}-\w{2} )?(C\d+|V )", ln)]


@pytest.mark.parametrize("golden", GOLDENS, ids=[g["id"] for g in GOLDENS])
def test_golden(golden: dict, spf_server) -> None:
    if golden["id"] in DIVERGENT:
        pytest.skip(DIVERGENT[golden["id"]])
    case = Case(golden["id"], golden["sender"], tuple(golden["conditions"]), golden["ip"],
                golden["helo"], golden["phase"], tuple(golden["options"]))
    ctx = session_ctx(spf_server, case.ip, case.helo, case.sender)
    verdict = run(exim_conf(case), ctx, case.phase)
    refused = [m.group(1) for ln in golden["log"] if (m := _REFUSED.search(ln))]
    if refused:
        assert verdict.log_message == refused[0]
        return
    assert log_texts(verdict) == _expected(golden)


def test_divergent_cases_still_recorded() -> None:
    """The skipped cases exist in the recording (so the list stays honest)."""
    assert set(DIVERGENT) <= {g["id"] for g in GOLDENS}
