"""acl-check output formats carry the same diagnostics; notes and warnings do
not fail the run, errors do."""

from __future__ import annotations

import io
import random
import json
from pathlib import Path

import pytest

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


def test_sarif_required_structure(tmp_path: Path) -> None:
    conf = tmp_path / "c.conf"
    conf.write_text("acl_smtp_rcpt = rcpt\nbegin acl\nrcpt:\n  accept domains = +nowhere\n")
    sarif = json.loads(_run(["--format", "sarif", "-C", str(conf)])[0])
    assert sarif["version"] == "2.1.0"
    driver = sarif["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert driver["name"] == "acl-check" and "undefined" in ids and "taint" in ids
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "undefined" and result["level"] == "error"
    assert ids[result["ruleIndex"]] == "undefined"
    assert result["message"]["text"] == 'domain list "+nowhere" is not defined'
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == str(conf)
    assert loc["region"] == {"startLine": 4, "startColumn": 20}


def test_json_suggestion_only_where_any(tmp_path: Path) -> None:
    conf = tmp_path / "d.conf"
    conf.write_text("acl_smtp_rcpt = rcpt\nbegin acl\nrcpt:\n  warn logwrite = $sender_adress\n"
                    "  accept\n  accept\n")
    rows = json.loads(_run(["--format", "json", "-C", str(conf)])[0])
    assert rows[0]["suggestion"] == "sender_address"
    assert "suggestion" not in rows[1] and rows[1]["rule"] == "unreachable"


def test_entry_points_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from acl.cli.main import check_main, main as acl_main

    conf = tmp_path / "e.conf"
    conf.write_text("acl_smtp_rcpt = rcpt\nbegin acl\nrcpt:\n  accept\n")
    for call in (lambda: check_main(["-C", str(conf)]), lambda: acl_main(["check", "-C", str(conf)])):
        with pytest.raises(SystemExit) as exc:
            call()
        assert exc.value.code == 0
    with pytest.raises(SystemExit) as exc:
        check_main(["-C", str(tmp_path / "missing.conf")])
    assert exc.value.code == 1
    assert "cannot open configuration file" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        check_main(["--format", "xml", "-C", str(conf)])
    assert exc.value.code == 2  # argparse's usage error, no traceback


def test_defines_switch_blocks_on(tmp_path: Path) -> None:
    conf = tmp_path / "f.conf"
    conf.write_text("acl_smtp_rcpt = rcpt\nbegin acl\nrcpt:\n.ifdef STRICT\n  deny\n.endif\n"
                    "  accept\n")
    assert _run(["-C", str(conf)]) == ("", 0)
    text, code = _run(["-C", str(conf), "-D", "STRICT=1"])
    assert code == 0 and "statement can never be reached" in text


def test_fuzzed_configurations_never_raise(tmp_path: Path) -> None:
    """Random edits of the example configurations: every output format renders,
    as text that can be printed, and no rule breaks ("internal")."""
    root = Path(__file__).resolve().parents[2]
    sources = [p.read_text() for p in sorted((root / "examples/seed").glob("*.conf"))]
    tokens = ["${", "}", "{", "$", "\\\n", ":", "=", "+", "!", '"', "(", ")", ".include /x",
              ".ifdef A", ".endif", "begin acl", "x:", "accept", "deny", "\n", "\x00", "\udcff",
              "${if", "${lookup", "acl = ", "control = ", "verify = ", "$h_", "A = B", "(a+)+"]
    rnd = random.Random(4)
    conf = tmp_path / "fuzz.conf"
    for _ in range(40):
        text = list(rnd.choice(sources))
        for _ in range(rnd.randint(1, 6)):
            at = rnd.randrange(len(text) + 1)
            if rnd.random() < 0.6:
                text.insert(at, rnd.choice(tokens))
            else:
                del text[at:at + rnd.randint(1, 15)]
        conf.write_text("".join(text), errors="surrogateescape")
        for fmt in ("text", "json", "sarif"):
            out, code = _run(["--format", fmt, "-C", str(conf)])
            out.encode("utf-8")
            assert code in (0, 1) and '"ruleId": "internal"' not in out and "[internal]" not in out
