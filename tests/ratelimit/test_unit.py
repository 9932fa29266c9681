"""Unit tests: parsing, the formula on a fake clock, the Bloom filter, the
SQLite store under concurrent processes and with hostile keys."""

from __future__ import annotations

import math
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from acl.ratelimit import (MemoryStore, RateLimiter, RateLimitError, RateRecord, SqliteStore,
                           bloom_test_and_set, compute, parse_ratelimit)


@pytest.mark.parametrize("text, limit, period, per, key", [
    ("2 / 1h / strict", 2.0, 3600.0, None, None),
    ("1.5k/1h30m/per_byte", 1536.0, 5400.0, "per_byte", None),
    ("1M/1d/PER_RCPT", 1048576.0, 86400.0, "per_rcpt", None),
    ("1e1/1w", 10.0, 604800.0, None, None),
    ("0x10/30s", 16.0, 30.0, None, None),
    ("/1h", 0.0, 3600.0, None, None),  # an empty limit reads as zero, as strtod does
    ("5/1h/foo/per_conn/bar", 5.0, 3600.0, "per_conn", "foo/bar"),
])
def test_parse(text: str, limit: float, period: float, per: str | None, key: str | None) -> None:
    spec = parse_ratelimit(text)
    assert (spec.limit, spec.period, spec.per, spec.key) == (limit, period, per, key)


def test_parse_options_and_texts() -> None:
    spec = parse_ratelimit(" 100 / 5m / leaky / count=2.5 / unique=a@b / $x ")
    assert spec.limit_text == "100" and spec.period_text == "5m"
    assert spec.leaky and not spec.strict and spec.count == 2.5 and spec.unique == "a@b"
    assert spec.key == "$x"
    assert parse_ratelimit("2/1h/count=").count == 0.0
    assert parse_ratelimit("2/1h/noupdate/strict").noupdate


@pytest.mark.parametrize("text, message", [
    ("", "sender rate limit not set"),
    ("2", '"NULL" is not a time value'),
    ("2/1x", '"1x" is not a time value'),
    ("2//1h", '"2/1h" is not a positive number'),
    ("2k5/1h", '"2k5" is not a positive number'),
    ("2/1h/per_addr/per_rcpt", "conflicting per_* options"),
    ("2/1h/strict/readonly", "conflicting update modes"),
    ("2/1h/count=1x", '"count=1x" is not a positive number'),
])
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(RateLimitError) as e:
        parse_ratelimit(text)
    assert e.value.message == f'error in arguments to "ratelimit" condition: {message}'


def test_formula_fake_clock() -> None:
    # One event per period, long after the first: the rate is reset to the count.
    rec = compute(None, now=0.0, period=60, limit=5, count=1, unique=None, readonly=False)
    assert rec.rate == 1.0
    later = compute(rec, now=600.0, period=60, limit=5, count=1, unique=None, readonly=False)
    assert later.rate == 1.0
    # An event exactly one period later: (1 - 1/e) * 1 + 1/e * 1 = 1.
    step = compute(rec, now=60.0, period=60, limit=5, count=1, unique=None, readonly=False)
    assert step.rate == pytest.approx(1.0)
    # Half a period later, per the EWMA: (1 - a) * count / (i/p) + a * rate.
    a = math.exp(-0.5)
    half = compute(rec, now=30.0, period=60, limit=5, count=1, unique=None, readonly=False)
    assert half.rate == pytest.approx((1 - a) * 1 / 0.5 + a * 1.0)
    # ... but never below the count of this one event.
    big = compute(rec, now=30.0, period=60, limit=5, count=3, unique=None, readonly=False)
    assert (1 - a) * 3 / 0.5 + a * 1.0 < 3 and big.rate == 3.0
    # Time going backwards counts as a nanosecond: the count is simply added.
    back = compute(rec, now=-5.0, period=60, limit=5, count=1, unique=None, readonly=False)
    assert back.rate == pytest.approx(2.0)


def test_burst_equals_limit_and_strict_vs_leaky() -> None:
    strict, leaky = RateLimiter(MemoryStore()), RateLimiter(MemoryStore())
    s_spec, l_spec = parse_ratelimit("3/1h/strict"), parse_ratelimit("3/1h")
    s_over, l_rates = [], []
    for i in range(6):
        for lim in (strict, leaky):
            lim.begin_message()
        s_over.append(strict.check(s_spec, "h", 100.0 + i * 0.01, where="rcpt").over_limit)
        l_rates.append(leaky.check(l_spec, "h", 100.0 + i * 0.01, where="rcpt").sender_rate)
    assert s_over == [False, False, False, True, True, True]
    # leaky: over-limit events are not recorded, so the rate stays near the limit
    assert l_rates == ["1.0", "2.0", "3.0", "4.0", "4.0", "4.0"]


def test_readonly_and_caches() -> None:
    lim = RateLimiter(MemoryStore())
    spec = parse_ratelimit("2/1h/strict")
    lim.check(spec, "h", 10.0, where="rcpt")
    # A second check of the same key in the same message reuses the computed rate.
    assert lim.check(spec, "h", 10.1, where="rcpt").sender_rate == "1.0"
    # readonly reads the store and lets the rate decay without an event.
    ro = lim.check(parse_ratelimit("1/1h/readonly"), "h", 10.2, where="connect")
    assert ro.sender_rate == "1.0" and ro.rate < 1.0 and not ro.over_limit
    lim.begin_message()
    assert lim.check(spec, "h", 10.3, where="rcpt").sender_rate == "2.0"


def test_where_rules() -> None:
    lim = RateLimiter(MemoryStore())
    with pytest.raises(RateLimitError) as e:
        lim.check(parse_ratelimit("2/1h/per_addr/strict"), "h", 1.0, where="mail")
    assert e.value.message.endswith('"per_rcpt" must not have /leaky or /strict option, or '
                                    'cannot be used in MAIL ACL')
    r = lim.check(parse_ratelimit("2/1h/per_rcpt"), "h", 1.0, where="data", recipients_count=5)
    assert (r.sender_rate, r.over_limit, r.store_key) == ("5.0", True, "1h/per_rcpt/h")
    r = lim.check(parse_ratelimit("2k/1h/per_byte"), None, 1.0, where="data",
                  message_size=1500)
    assert (r.sender_rate, r.store_key) == ("1500.0", "1h/per_mail/")


def test_per_addr_counts_each_recipient_once() -> None:
    lim = RateLimiter(MemoryStore())
    spec = parse_ratelimit("100/1h/per_addr/strict")
    rates = []
    for i, rcpt in enumerate(["a@x", "b@x", "a@x", "a@x", "c@x", "b@x"]):
        lim.begin_command()
        rates.append(lim.check(spec, "h", 5.0 + i * 0.001, where="rcpt",
                               recipient=rcpt).sender_rate)
    assert rates == ["1.0", "2.0", "2.0", "2.0", "3.0", "3.0"]
    # After a period the set is thrown away and the recipient counts again.
    lim.begin_command()
    r = lim.check(spec, "h", 5.0 + 3601, where="rcpt", recipient="a@x")
    assert r.rate > 1.0 - 1e-9 and r.rate != pytest.approx(3 * math.exp(-1))


def test_bloom_filter_bits() -> None:
    bloom = bytearray(40)
    assert bloom_test_and_set(bloom, "x@y.z") is False
    assert sum(bin(b).count("1") for b in bloom) <= 8
    assert bloom_test_and_set(bloom, "x@y.z") is True
    assert bloom_test_and_set(bloom, "other@y.z") is False


def test_record_roundtrip() -> None:
    rec = RateRecord(12, 345, 1.25, 7, bytearray(b"\x01" * 40))
    assert RateRecord.unpack(rec.pack()) == rec
    plain = RateRecord(1, 2, 3.0)
    assert RateRecord.unpack(plain.pack()) == plain
    assert RateRecord.unpack(b"short") is None


HOSTILE_KEYS = ["o'neil", "x'); DROP TABLE ratelimit;--", '"quoted"', "a\x00b", "\u00e9\udcff",
                "%s %d ?", "1h/per_mail/10.0.0.1"]


def test_hostile_keys_stored_verbatim(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "db" / "ratelimit.sqlite"))
    for n, key in enumerate(HOSTILE_KEYS):
        store.update(key, lambda old, n=n: (RateRecord(n, 0, float(n)), None))
    for n, key in enumerate(HOSTILE_KEYS):
        got = store.get(key)
        assert got is not None and got.rate == float(n)
    db = sqlite3.connect(str(tmp_path / "db" / "ratelimit.sqlite"))
    assert db.execute("SELECT count(*) FROM ratelimit").fetchone()[0] == len(HOSTILE_KEYS)


def _run_all(target, argsets: list[tuple]) -> None:
    """Run ``target`` in one process per argument tuple, all at once."""
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=target, args=args) for args in argsets]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0


def _hammer(path: str, n: int) -> None:
    store = SqliteStore(path)

    def bump(old: RateRecord | None) -> tuple[RateRecord, None]:
        rate = (old.rate if old else 0.0) + 1.0
        return RateRecord(0, 0, rate), None

    for _ in range(n):
        store.update("shared key", bump)
    store.close()


def test_concurrent_processes_count_exactly(tmp_path: Path) -> None:
    path = str(tmp_path / "ratelimit.sqlite")
    SqliteStore(path).close()
    _run_all(_hammer, [(path, 200)] * 6)
    got = SqliteStore(path).get("shared key")
    assert got is not None and got.rate == 1200.0


def _limit_many(path: str, start: float) -> None:
    lim = RateLimiter(SqliteStore(path))
    spec = parse_ratelimit("1000000/1h/per_cmd/strict")
    for i in range(100):
        lim.begin_command()
        lim.check(spec, "h", start + i * 1e-6, where="rcpt")


def test_concurrent_limiters_update_atomically(tmp_path: Path) -> None:
    """Events within microseconds: each adds almost exactly one to the rate, so
    a lost update would show as a missing unit."""
    path = str(tmp_path / "ratelimit.sqlite")
    SqliteStore(path).close()
    _run_all(_limit_many, [(path, 1000.0 + k * 1e-3) for k in range(4)])
    got = SqliteStore(path).get("1h/per_cmd/h")
    assert got is not None and round(got.rate) == 400


def test_unavailable_store_defers(tmp_path: Path) -> None:
    from acl.ratelimit import RateLimitDefer

    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(RateLimitDefer) as e:
        SqliteStore(str(blocker / "db" / "ratelimit.sqlite"))
    assert e.value.message == "ratelimit database not available"
