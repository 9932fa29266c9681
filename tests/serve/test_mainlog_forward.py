"""Outage reports of the Redis components reach acl serve's main log."""

from __future__ import annotations

import logging
from pathlib import Path

from acl.serve.mainlog import MainLog, MainLogHandler


def test_redis_outage_lines_go_to_the_main_log(tmp_path: Path) -> None:
    log = MainLog(str(tmp_path / "%slog"))
    handler = MainLogHandler(log)
    handler.attach()
    try:
        logging.getLogger("acl.ratelimit.redis").warning("ratelimit: Redis unreachable, deferring")
        logging.getLogger("acl.ratelimit.redis").info("not an outage: below WARNING")
    finally:
        handler.detach()
        log.close()
    lines = (tmp_path / "mainlog").read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith(" ratelimit: Redis unreachable, deferring")
    logging.getLogger("acl.ratelimit.redis").warning("after detach: not in the main log")
    assert len((tmp_path / "mainlog").read_text().splitlines()) == 1
