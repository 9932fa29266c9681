"""Replay the golden corpus recorded from Exim 4.96 against our `acl expand`.

Each recorded case becomes one test whose id is the case id.  Our
implementation runs in process through acl.cli.expand.be_main, with the same
argv Exim got (minus the binary and -be), and its stdout must equal Exim's
byte for byte, REPL prompts included.  Cases named in DIVERGENCES.md at the
repository root are expected to differ: xfail(strict=True) with the reason.
Needs only the recordings, never Exim itself.
"""
from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

GOLDEN = Path(__file__).resolve().parent
DATA = GOLDEN / "data"
ROOT = GOLDEN.parent.parent
PROMPT = "> "


def load_divergences(path: Path = ROOT / "DIVERGENCES.md") -> dict[str, str]:
    """`- \\`case-id\\`: reason` lines of a list file -> {id: reason}."""
    if not path.exists():
        return {}
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^[-*]\s+`([^`]+)`\s*[:\u2014-]?\s*(.*)$", line)
        if m:
            found[m.group(1)] = m.group(2).strip() or "listed in DIVERGENCES.md"
    return found


def load_recorded() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted((GOLDEN / "recorded").glob("*.yaml")):
        with open(path, encoding="utf-8") as f:
            cases.extend(yaml.safe_load(f) or [])
    return cases


def substitute(s: str) -> str:
    return s.replace("@DATADIR@", str(DATA)).replace("@GOLDEN@", str(GOLDEN))


def argv_for(case: dict[str, Any]) -> list[str]:
    """The argv Exim was given (record.py's command()), without exim and -be."""
    conf = GOLDEN / "conf" / f"{case.get('conf', 'empty')}.conf"
    argv = ["-C", str(conf), f"-DDATADIR={DATA}"]
    argv += [substitute(a) for a in case.get("args", [])]
    if case.get("message"):
        argv += ["-bem", str(GOLDEN / "messages" / case["message"])]
    return argv


def to_bytes(s: str | bytes, latin1: bool = False) -> bytes:
    if isinstance(s, bytes):
        return s
    return s.encode("latin-1" if latin1 else "utf-8", "surrogateescape")


def stdin_for(case: dict[str, Any]) -> str:
    raw = (case["expr"] + "\n").encode("latin-1" if case.get("latin1") else "utf-8")
    return raw.decode("utf-8", "surrogateescape")


def frame(output: str, case: dict[str, Any]) -> str:
    return output if case.get("framed") is False else PROMPT + output + "\n" + PROMPT + "\n"


DIVERGENCES = load_divergences()
# Cases we do not match *yet*: bugs to fix, not accepted differences. Kept
# apart from DIVERGENCES.md so that the two are never confused; strict xfail
# makes a fixed case fail until its line is removed.
KNOWN_GAPS = load_divergences(GOLDEN / "KNOWN_GAPS.md")
RECORDED = load_recorded()


def _params() -> list[Any]:
    params = []
    for case in RECORDED:
        marks = []
        if case["id"] in DIVERGENCES:
            marks.append(pytest.mark.xfail(strict=True, reason=DIVERGENCES[case["id"]]))
        elif case["id"] in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(strict=True, reason="known gap: " + KNOWN_GAPS[case["id"]]))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


@pytest.fixture(scope="module")
def be_main() -> Any:
    # Skip only while the module does not exist at all; once it exists, an
    # import error is a real failure of every case.
    if importlib.util.find_spec("acl.cli") is None or \
            importlib.util.find_spec("acl.cli.expand") is None:
        pytest.skip("acl.cli.expand (be_main) is not written yet")
    return importlib.import_module("acl.cli.expand").be_main


def test_corpus_is_loaded() -> None:
    assert len(RECORDED) >= 1500, "golden recordings missing"
    ids = [c["id"] for c in RECORDED]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    unknown = set(DIVERGENCES) - set(ids)
    assert not unknown, f"DIVERGENCES.md names unknown cases: {sorted(unknown)}"
    unknown = set(KNOWN_GAPS) - set(ids)
    assert not unknown, f"KNOWN_GAPS.md names unknown cases: {sorted(unknown)}"
    both = set(KNOWN_GAPS) & set(DIVERGENCES)
    assert not both, f"listed both as divergence and as gap: {sorted(both)}"


def check(case: dict[str, Any], stdout: str) -> tuple[bool, str, str]:
    """(matches, what Exim printed or its pattern, what we printed), both with
    checkout paths replaced by their placeholders."""
    got = to_bytes(stdout)
    got_text = got.decode("latin-1" if case.get("output_latin1") else "utf-8", "replace")
    got_text = got_text.replace(str(DATA), "@DATADIR@").replace(str(GOLDEN), "@GOLDEN@")
    if "match" in case:
        tail = "\n" + PROMPT + "\n"
        if not (got_text.startswith(PROMPT) and got_text.endswith(tail)):
            return False, case["match"], got_text
        inner = got_text[len(PROMPT):-len(tail)]
        return re.fullmatch(case["match"], inner, re.S) is not None, case["match"], inner
    want = frame(case["output"], case)
    return got_text == want, want, got_text


@pytest.mark.parametrize("case", _params())
def test_golden(case: dict[str, Any], be_main: Any) -> None:
    stdout, _stderr, _code = be_main(argv_for(case), stdin_for(case))
    ok, want, got = check(case, stdout)
    assert ok, f"expr: {case['expr']!r}\nexim: {want!r}\nours: {got!r}"
