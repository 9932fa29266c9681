"""The DNS tests' servers: NSD serving tests/dns/zones.py (one per module)."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.dns.zones import BROKEN, ZONES
from tests.dnsserver import DnsServer, dns_server, serving  # noqa: F401  (fixture for these tests)


@pytest.fixture(scope="module")
def zones_server() -> Iterator[DnsServer]:
    yield from serving(ZONES, BROKEN)
