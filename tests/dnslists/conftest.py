"""One NSD per module serving tests/dnslists/zones.py, named to the DNS layer
through ACL_DNS_SERVER so that nothing else is ever asked."""

from __future__ import annotations

from typing import Iterator

import pytest

from acl.dns import ENV_SERVER, clear_cache
from tests.dnslists.zones import BROKEN, ZONES
from tests.dnsserver import DnsServer, dns_server, serving  # noqa: F401  (fixture for these tests)


@pytest.fixture(scope="module")
def zones_server() -> Iterator[DnsServer]:
    yield from serving(ZONES, BROKEN)


@pytest.fixture
def dns_env(zones_server: DnsServer, monkeypatch: pytest.MonkeyPatch) -> DnsServer:
    monkeypatch.setenv(ENV_SERVER, f"{zones_server.host}:{zones_server.port}")
    clear_cache()
    return zones_server
