"""Replay the scenarios recorded from Exim (record.py) on a fake clock and
compare every check's outcome and $sender_rate* values, line by line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from acl.ratelimit import (MemoryStore, RateLimiter, RateLimitError, SqliteStore,
                           parse_ratelimit)

DATA = Path(__file__).parent / "data"
SCENARIOS = sorted(p.stem for p in DATA.glob("*.json") if not p.stem.startswith("decay_"))
_MAIL = re.compile(r"mail from:<([^>]*)>(?: SIZE=(\d+))?", re.I)
_RCPT = re.compile(r"rcpt to:<([^>]*)>", re.I)


def _expand(value: str, variables: dict[str, str]) -> str:
    for name, v in variables.items():
        value = value.replace(f"${name}", v)
    return value


T0 = 1_700_000_000.0


def replay(checks: list[list[str]], sessions: list[list[str]], store,
           starts: list[float] | None = None) -> list[list[str]]:
    now = T0
    out: list[list[str]] = []
    for n, cmds in enumerate(sessions):
        if starts is not None:
            now = T0 + starts[n]
        lines: list[str] = []
        out.append(lines)
        limiter = RateLimiter(store)
        v: dict[str, str] = {}
        size, rcpts = -1, 0

        def run(where: str, recipient: str | None = None) -> bool:
            nonlocal now
            for i, (w, value) in enumerate(checks):
                if w != where:
                    continue
                now += 0.001
                try:
                    spec = parse_ratelimit(_expand(value, v))
                    r = limiter.check(spec, "10.0.0.1", now, where=where, message_size=size,
                                      recipient=recipient, recipients_count=rcpts)
                except RateLimitError as e:
                    lines.append(e.message)
                    return False
                over = "yes" if r.over_limit else "no"
                lines.append(f"RATE {i} {over} {r.sender_rate} {r.sender_rate_limit} "
                             f"{r.sender_rate_period}")
            return True

        now += 0.01  # Exim's sessions ran back to back
        ok = run("connect")
        for cmd in cmds:
            if not ok:
                break
            limiter.begin_command()
            if m := _MAIL.match(cmd):
                limiter.begin_message()
                v = {"sender_address": m.group(1)}
                size = int(m.group(2)) if m.group(2) else -1
                ok = run("mail")
            elif m := _RCPT.match(cmd):
                v["local_part"], _, v["domain"] = m.group(1).rpartition("@")
                ok = run("rcpt", recipient=m.group(1))
                rcpts += ok
            elif cmd.lower() == "rset":
                limiter.begin_message()
                size, rcpts = -1, 0
    return out


def _exim_lines(session: list[str]) -> list[str]:
    # "LOG: RATE ..." as is; a rejection keeps only the ratelimit error text.
    return [ln[5:] if ln.startswith("LOG: RATE") else ln[ln.index("error in arguments"):]
            for ln in session]


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_matches_exim(name: str, backend: str, tmp_path: Path) -> None:
    data = json.loads((DATA / f"{name}.json").read_text())
    groups = [[c] for c in data["checks"]] if data.get("separate") else [data["checks"]]
    got: list[list[str]] = []
    for i, checks in enumerate(groups):
        store = MemoryStore() if backend == "memory" else SqliteStore(str(tmp_path / f"{i}.db"))
        got.extend(replay(checks, data["sessions"], store))
    expected = [_exim_lines(s) for s in data["exim"]]
    assert got == expected


def _rates(lines: list[str]) -> tuple[list[list[str]], list[float]]:
    words = [ln.split() for ln in lines]
    return [w[:3] + w[4:] for w in words], [float(w[3]) for w in words]


@pytest.mark.parametrize("name", sorted(p.stem for p in DATA.glob("decay_*.json")))
def test_timed_matches_exim(name: str) -> None:
    """Time-dependent scenarios: Exim's sessions started at recorded offsets,
    so decisions must agree exactly and rates within the timing jitter."""
    data = json.loads((DATA / f"{name}.json").read_text())
    got = replay(data["checks"], data["sessions"], MemoryStore(), data["starts"])
    expected = [_exim_lines(s) for s in data["exim"]]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        (g_words, g_rates), (e_words, e_rates) = _rates(g), _rates(e)
        assert g_words == e_words
        assert g_rates == pytest.approx(e_rates, abs=0.15)
