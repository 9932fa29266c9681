"""Broken configurations: the message Exim gives (recorded by record.py) is ours."""

from __future__ import annotations

from pathlib import Path

import pytest

from acl.config import load_config
from acl.errors import ConfigError

DATA = Path(__file__).parent / "data"
CASES = sorted((DATA / "bad").glob("*.conf"))


def expected(conf: Path) -> tuple[int | None, str]:
    fields = dict(line.split(": ", 1) if ": " in line else (line.rstrip(":"), "")
                  for line in (DATA / "expected" / f"{conf.stem}.txt").read_text().splitlines())
    line = int(fields["line"]) if fields["line"] else None
    return line, fields["message"].replace("{dir}", str(conf.parent))


@pytest.mark.parametrize("conf", CASES, ids=[c.stem for c in CASES])
def test_same_message_as_exim(conf: Path) -> None:
    line, message = expected(conf)
    assert message, "Exim accepted this file; it should be rejected"
    with pytest.raises(ConfigError) as info:
        load_config(conf)
    assert info.value.message.strip() == message
    if line is not None:
        assert info.value.span is not None
        # Exim counts the last physical line of a continued logical line; we point
        # at the offending token, which may sit on an earlier physical line.
        assert 0 <= line - info.value.span.line <= 1
        assert info.value.span.file == str(conf)


def test_continued_line_points_at_the_name() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(DATA / "bad" / "continued_error.conf")
    assert (info.value.span.line, info.value.span.col) == (4, 1)


def test_unknown_option_suggests_a_name() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(DATA / "bad" / "unknown_main.conf")
    assert info.value.hint == "did you mean 'primary_hostname'?"
    assert str(info.value).endswith("(did you mean 'primary_hostname'?)")
