"""dnsdb lookups replayed against NSD serving the zones Exim was recorded
with (record_goldens.py); the expected texts are Exim's own output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from acl.builtins import load_all
from acl.dns import use_server
from acl.errors import ExpansionError
from acl.expansion import expand
from acl.runtime.context import ExpansionContext

GOLDENS = json.loads((Path(__file__).parent / "goldens.json").read_text())
LOG_LINE = re.compile(r"\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*")  # Exim's log lines on stderr


def run_expansion(srv, text: str) -> str:
    load_all()
    ctx = ExpansionContext()
    use_server(ctx, srv.host, srv.port, timeout=2.0, attempts=1)
    try:
        return expand(text, ctx)
    except ExpansionError as e:
        return f"Failed: {e.message}"


@pytest.mark.parametrize("case", GOLDENS, ids=[c["query"] or c["expansion"] for c in GOLDENS])
def test_golden(zones_server, case) -> None:
    assert run_expansion(zones_server, case["expansion"]) == LOG_LINE.sub("", case["output"])
