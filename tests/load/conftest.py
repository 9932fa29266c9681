"""One `acl serve` process shared by the load tests (starting one costs about
a second), with the file-descriptor limit raised for 1,000 connections."""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Iterator

import pytest

from tests.load.support import LoadServer

# Client and server each hold one descriptor per connection, plus their own.
WANTED_FDS = 4096


def raise_fd_limit() -> int:
    """The soft limit raised towards WANTED_FDS (never above the hard limit);
    the server subprocess inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = WANTED_FDS if hard == resource.RLIM_INFINITY else min(WANTED_FDS, hard)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft if soft != resource.RLIM_INFINITY else WANTED_FDS
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


@pytest.fixture(scope="package")
def fd_limit() -> int:
    return raise_fd_limit()


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, fd_limit: int) -> Iterator[LoadServer]:
    srv = LoadServer(Path(tmp_path_factory.mktemp("load"))).start()
    try:
        yield srv
    finally:
        srv.stop()
