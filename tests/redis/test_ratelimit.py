"""The Redis ratelimit store: the recorded Exim sequences give the same lines
as the file store, through the Lua decision and through the generic update;
several processes on one key let through what one process would; outages
follow the configured policy."""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
import types
from pathlib import Path

import pytest

from acl.lookups.redis import parse_server
from acl.ratelimit import MemoryStore, RateLimiter, RateLimitDefer, SqliteStore, parse_ratelimit
from acl.ratelimit.redis_store import PREFIX, RedisRateLimiter, RedisStore, limiter_for
from tests.ratelimit import test_recorded as rec
from tests.redis.server import RedisServer

DATA = Path(rec.__file__).parent / "data"


def store(srv: RedisServer, **kw) -> RedisStore:  # type: ignore[no-untyped-def]
    return RedisStore(parse_server(srv.spec("5").replace("::", ":")), **kw)


def _replay_with(limiter_cls: type, monkeypatch: pytest.MonkeyPatch, data: dict, st, starts=None):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(rec, "RateLimiter", limiter_cls)
    groups = [[c] for c in data["checks"]] if data.get("separate") else [data["checks"]]
    got = []
    for checks in groups:
        st._call(["FLUSHDB"])
        got.extend(rec.replay(checks, data["sessions"], st, starts))
    return got


@pytest.mark.parametrize("name", sorted(p.stem for p in DATA.glob("*.json")))
@pytest.mark.parametrize("limiter_cls", [RedisRateLimiter, RateLimiter], ids=["lua", "generic"])
def test_same_as_file_store(name: str, limiter_cls: type, redis_pw: RedisServer,
                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = json.loads((DATA / f"{name}.json").read_text())
    starts = data.get("starts")
    got = _replay_with(limiter_cls, monkeypatch, data, store(redis_pw), starts)
    monkeypatch.setattr(rec, "RateLimiter", RateLimiter)
    groups = [[c] for c in data["checks"]] if data.get("separate") else [data["checks"]]
    want = []
    for i, checks in enumerate(groups):
        want.extend(rec.replay(checks, data["sessions"], SqliteStore(str(tmp_path / f"{i}.db")), starts))
    assert got == want  # exact: same doubles, same rounding
    if not starts:
        assert got == [rec._exim_lines(s) for s in data["exim"]]


def test_records_expire(redis_pw: RedisServer) -> None:
    st = store(redis_pw)
    st._call(["FLUSHDB"])
    lim = RedisRateLimiter(st)
    lim.check(parse_ratelimit("100 / 1h / strict"), "192.0.2.1", 1_700_000_000.0, where="rcpt")
    ttl = redis_pw.client(5).ttl(PREFIX + "1h/per_mail/192.0.2.1")
    assert 40 * 3600 < ttl <= 40 * 3600 + 2


def _worker(spec: str, n: int, q) -> None:  # type: ignore[no-untyped-def]
    st = RedisStore(parse_server(spec))
    passed = 0
    for i in range(n):
        lim = RedisRateLimiter(st)  # a session per message, as in SMTP
        r = lim.check(parse_ratelimit("100 / 1h / per_rcpt / strict"), "192.0.2.9",
                      time.time(), where="rcpt")
        passed += not r.over_limit
    q.put(passed)


def test_processes_share_one_limit(redis_pw: RedisServer) -> None:
    """4 processes x 60 recipients in well under a second against 100/1h strict:
    together they pass what one process passes alone (the first 100)."""
    st = store(redis_pw)
    st._call(["FLUSHDB"])
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(redis_pw.spec("5").replace("::", ":"), 60, q))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    total = sum(q.get(timeout=5) for _ in procs)
    one = MemoryStore()
    t = time.time()
    single = sum(not RateLimiter(one).check(parse_ratelimit("100 / 1h / per_rcpt / strict"),
                                            "x", t + i * 0.001, where="rcpt").over_limit
                 for i in range(240))
    assert total == single == 100


def test_outage_defer_and_local(caplog: pytest.LogCaptureFixture) -> None:
    dead = parse_server("127.0.0.1:1//")
    spec = parse_ratelimit("2 / 1h / strict")
    lim = RedisRateLimiter(RedisStore(dead, outage="defer"))
    with caplog.at_level(logging.WARNING):
        with pytest.raises(RateLimitDefer, match="^ratelimit database not available$"):
            lim.check(spec, "h", 1000.0, where="rcpt")
        with pytest.raises(RateLimitDefer):
            RedisRateLimiter(lim.store).check(spec, "h", 1001.0, where="rcpt")
    assert caplog.text.count("unavailable (REDIS: query failed: Connection refused); policy defer") == 1
    local = RedisStore(dead, outage="local", fallback=MemoryStore())
    outs = [RedisRateLimiter(local).check(spec, "h", 1000.0 + i, where="rcpt").over_limit for i in range(3)]
    assert outs == [False, False, True]


def test_selection_from_options(redis_pw: RedisServer) -> None:
    def ctx(**opts: str) -> types.SimpleNamespace:
        return types.SimpleNamespace(option=lambda n, d=None: opts.get(n, d))

    local = MemoryStore()
    assert type(limiter_for(ctx(), local)) is RateLimiter
    lim = limiter_for(ctx(ratelimit_store="redis", redis_servers=redis_pw.spec("5") + " : other//"), local)
    assert isinstance(lim, RedisRateLimiter) and lim.store.server.port == redis_pw.port
    with pytest.raises(RateLimitDefer):
        limiter_for(ctx(ratelimit_store="redis"), local)
    with pytest.raises(RateLimitDefer):
        limiter_for(ctx(ratelimit_store="redis", redis_servers="x//", ratelimit_redis_outage="maybe"), local)


def test_engine_with_proposed_patch(redis_pw: RedisServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's limiter() as the proposed patch has it: two connections
    (as if on two servers) share one per-host connection limit in Redis."""
    import acl.builtins
    import acl.engine.ratelimit as engine_rl
    from acl.config import parse_config_text
    from acl.engine import Engine
    from acl.runtime.context import ExpansionContext

    acl.builtins.load_all()

    def limiter(ctx):  # type: ignore[no-untyped-def]
        lim = ctx.extra.get(engine_rl._LIMITER)
        if lim is None:
            lim = ctx.extra[engine_rl._LIMITER] = limiter_for(ctx, engine_rl.store_for(ctx))
        return lim

    monkeypatch.setattr(engine_rl, "limiter", limiter)
    cfg = parse_config_text("primary_hostname = t.example\nbegin acl\nc:\n"
                            "  deny ratelimit = 3 / 1h / per_conn / strict\n  accept\n")
    cfg.options.update(ratelimit_store="redis", redis_servers=redis_pw.spec("6"))
    redis_pw.client(6).flushdb()
    engines = [Engine(cfg), Engine(cfg)]
    got = []
    for i in range(6):
        ctx = ExpansionContext(config=cfg)
        ctx.variables["sender_host_address"] = "192.0.2.7"
        got.append(engines[i % 2].run_acl("c", ctx, where="connect").result.name)
    assert got == ["OK", "OK", "OK", "FAIL", "FAIL", "FAIL"]
    assert ctx.variables["sender_rate_limit"] == "3"
    assert redis_pw.client(6).keys() == [(PREFIX + "1h/per_conn/192.0.2.7").encode()]
