"""The cluster (three `acl serve` behind HAProxy, Redis-backed ratelimits)
and the reference (one `acl serve`, its file store, reached directly), each
started once for the module; skipped when HAProxy, redis-server, NSD or the
redis client package is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.cluster.support import Cluster, missing


def _need() -> None:
    why = missing()
    if why:
        pytest.skip(why)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    _need()
    c = Cluster(Path(tmp_path_factory.mktemp("cluster")), 3).start()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    _need()
    c = Cluster(Path(tmp_path_factory.mktemp("single")), 1, redis=False, proxy=False).start()
    try:
        yield c
    finally:
        c.close()
