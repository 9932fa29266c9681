"""acl check / acl-check: diagnostics format and exit status."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

pytest.importorskip("acl.config", reason="configuration reader")

from acl.cli.check import main  # noqa: E402

BAD = (
    "primary_hostname = ${if eq{a}{b}\n"
    "begin acl\n"
    "acl_check_rcpt:\n"
    "  accept hosts = 1.2.3.4\n"
    "         condition = ${lc:$x\n"
)


def _run(argv: list[str]) -> tuple[str, int]:
    out = io.StringIO()
    code = main(argv, out=out)
    return out.getvalue(), code


def test_text_format(tmp_path: Path) -> None:
    # An unterminated string is reported at its last token ($x, column 27).
    conf = tmp_path / "bad.conf"
    conf.write_text(BAD)
    text, code = _run(["-C", str(conf)])
    assert code == 1
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{conf}:1:")
    assert lines[0].endswith("(in option primary_hostname) [expansion-syntax]")
    assert lines[1] == (f"{conf}:5:27: error: missing }} at end of string "
                        "(in condition in ACL acl_check_rcpt) [expansion-syntax]")


def test_json_and_sarif(tmp_path: Path) -> None:
    conf = tmp_path / "bad.conf"
    conf.write_text(BAD)
    text, _ = _run(["--format", "json", str(conf)])
    data = json.loads(text)
    assert {d["rule"] for d in data} == {"expansion-syntax"}
    assert data[1]["line"] == 5 and data[1]["col"] == 27
    text, _ = _run(["--format", "sarif", str(conf)])
    sarif = json.loads(text)
    result = sarif["runs"][0]["results"][1]
    assert result["ruleId"] == "expansion-syntax"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 27}


def test_clean_config_and_config_error(tmp_path: Path) -> None:
    good = tmp_path / "good.conf"
    good.write_text("primary_hostname = ${lc:X}\n")
    assert _run(["-C", str(good)]) == ("", 0)
    bad = tmp_path / "bad.conf"
    bad.write_text("foo = 1\n")
    assert _run(["-C", str(bad)]) == (f'{bad}:1:1: error: main option "foo" unknown [config]\n', 1)
