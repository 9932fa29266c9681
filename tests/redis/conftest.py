"""Fixtures: real redis-servers on loopback (skipped with a reason when the
server or the client package is missing), stopped at the end of the session."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.redis import server as rs


def _need() -> None:
    if rs.available() is None:
        pytest.skip("redis-server not installed (Debian package redis-server)")
    try:
        import redis  # noqa: F401
    except ImportError:
        pytest.skip("the redis client package is not installed")


@pytest.fixture(scope="session")
def redis_pw() -> Iterator[rs.RedisServer]:
    """A server with a password, 16 databases, TCP and a unix socket."""
    _need()
    srv = rs.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def redis_open() -> Iterator[rs.RedisServer]:
    """A second server, without a password."""
    _need()
    srv = rs.start(password=None)
    yield srv
    srv.stop()


@pytest.fixture
def clean(redis_pw: rs.RedisServer, redis_open: rs.RedisServer) -> Iterator[None]:
    for srv in (redis_pw, redis_open):
        srv.client().flushall()
    yield
