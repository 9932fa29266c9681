"""acl-check output formats carry the same diagnostics; notes and warnings do
not fail the run, errors do."""

from __future__ import annotations

import io
import json
from pathlib import Path

from acl.cli.check import main

CONF = "UNUSED = 1\nnever_users = root\nacl_smtp_rcpt = rcpt\nbegin acl\nrcpt:\n  accept\n"


def _run(argv: list[str]) -> tuple[str, int]:
    out = io.StringIO()
    code = main(argv, out=out)
    return out.getvalue(), code


def test_warnings_and_notes_exit_zero(tmp_path: Path) -> None:
    conf = tmp_path / "a.conf"
    conf.write_text(CONF)
    text, code = _run(["-C", str(conf)])
    assert code == 0
    assert text.splitlines() == [
        f'{conf}:1:1: info: macro "UNUSED" is defined but never used [unused-macro]',
        f'{conf}:2:1: info: option "never_users" is recognised but has no effect in exim-acl '
        "(it matters only to a real Exim) [no-effect]",
    ]


def test_json_and_sarif_same_diagnostics(tmp_path: Path) -> None:
    conf = tmp_path / "b.conf"
    conf.write_text("acl_smtp_mail = nowhere\n" + CONF)
    data, code = _run(["--format", "json", str(conf)])
    assert code == 1
    rows = json.loads(data)
    assert [(r["line"], r["col"], r["severity"], r["rule"]) for r in rows] == [
        (1, 17, "error", "undefined"), (2, 1, "info", "unused-macro"), (3, 1, "info", "no-effect")]
    sarif = json.loads(_run(["--format", "sarif", str(conf)])[0])
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("undefined", "error"), ("unused-macro", "note"),
                                                            ("no-effect", "note")]
