"""Helpers: lint a small configuration written to a temporary file."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from acl.lint import check_file

Lint = Callable[[str], list[tuple[int, int, str, str]]]


@pytest.fixture
def lint(tmp_path: Path) -> Lint:
    """(line, col, severity, rule) plus message via .text() for each diagnostic."""

    def run(text: str) -> list[tuple[int, int, str, str]]:
        conf = tmp_path / "t.conf"
        conf.write_text(text)
        return [(d.line, d.col, d.severity, f"{d.message} [{d.rule}]") for d in check_file(str(conf))]

    return run
