"""DKIM tests: NSD serving the zones recorded with the goldens (one server for
the module) and the fixture for tests that publish their own keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.dnsserver import DnsServer, dns_server, serving  # noqa: F401  (fixture for these tests)

GOLDENS = Path(__file__).resolve().parent / "goldens.json"


def goldens() -> dict[str, Any]:
    return json.loads(GOLDENS.read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def golden_server() -> Iterator[DnsServer]:
    yield from serving(goldens()["zones"])
