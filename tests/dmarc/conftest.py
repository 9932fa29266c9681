"""NSD serving tests/dmarc/zones.py, one server per module."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.dnsserver import DnsServer, serving
from tests.dmarc.zones import BROKEN, ZONES


@pytest.fixture(scope="module")
def dmarc_dns() -> Iterator[DnsServer]:
    from acl.dns import clear_cache

    clear_cache()
    yield from serving(ZONES, BROKEN)
    clear_cache()


from tests.engine.conftest import make  # noqa: E402,F401  (the engine harness fixture)
