"""The redis lookup against real redis-servers. Debian's Exim 4.96 is built
without the redis lookup, so expected values follow Exim's redis.c and the
manual; the server-list handling shares lf_sqlperform() with the mysql lookup,
whose messages were checked against `exim -be` (name changed to Redis)."""

from __future__ import annotations

import os
import types

import pytest

import acl.builtins
from acl.config import parse_config_text
from acl.engine import Engine
from acl.errors import LookupDefer
from acl.expansion import expand
from acl.lookups.base import Defer
from acl.lookups.redis import _Break, parse_server, render, split_command
from acl.runtime.context import ExpansionContext
from acl.runtime.values import TaintedStr
from tests.redis.server import RedisServer

acl.builtins.load_all()


def ctx_with(servers: str | None) -> ExpansionContext:
    opts = {} if servers is None else {"redis_servers": servers}
    return ExpansionContext(config=types.SimpleNamespace(options=opts))


# ---- no server needed ------------------------------------------------------

@pytest.mark.parametrize("text, want", [
    ("127.0.0.1/10/", ("127.0.0.1", 6379, None, 10, None, "127.0.0.1/10")),
    ("127.0.0.1//password", ("127.0.0.1", 6379, None, None, "password", "127.0.0.1/")),
    ("127.0.0.1//", ("127.0.0.1", 6379, None, None, None, "127.0.0.1/")),
    ("127.0.0.1:6380/2/pw", ("127.0.0.1", 6380, None, 2, "pw", "127.0.0.1:6380/2")),
    ("(/run/redis.sock)/1/", ("", 6379, "/run/redis.sock", 1, None, "(/run/redis.sock)/1")),
    ("localhost/0/a/b", None),
])
def test_server_forms(text: str, want: tuple | None) -> None:
    if want is None:
        with pytest.raises(_Break, match="unexpected slash in Redis server hostname: localhost/0"):
            parse_server(text)
        return
    s = parse_server(text)
    assert (s.host, s.port, s.socket, s.db, s.password, s.ident) == want


def test_incomplete_server() -> None:
    with pytest.raises(_Break, match="^incomplete Redis server data: a$"):
        parse_server("a/b")


@pytest.mark.parametrize("query, argv", [
    ("  GET  key ", ["GET", "key"]),
    ("SET k a\\ b\\\\c", ["SET", "k", "a b\\c"]),
    ("SET k trailing\\", ["SET", "k", "trailing"]),
    (" ".join(["X"] * 40), ["X"] * 32),
])
def test_split(query: str, argv: list[str]) -> None:
    assert split_command(query) == argv


def test_render() -> None:
    assert render(b"v") == "v"
    assert render(5) == "true" and render(0) == "false"
    assert render(None) == ""
    assert render([]) is None
    assert render([b"a", None, 7, [b"x", 2**32 + 3]]) == "a\n\n7\n\nx\n3"


def test_quote() -> None:
    assert expand("${quote_redis:a b\tc\\\\d}", ctx_with(None)) == "a\\ b\\\tc\\\\d"


@pytest.mark.parametrize("expr, message", [
    ("${lookup redis{GET k}}", 'lookup of "GET k" gave DEFER: no Redis servers defined (redis_servers option)'),
    ("${lookup redis{servers=x; GET k}}",
     'lookup of "servers=x; GET k" gave DEFER: Redis server "x" not found in redis_servers'),
    ("${lookup redis{servers x; GET k}}",
     'lookup of "servers x; GET k" gave DEFER: missing = after "servers" in Redis lookup'),
    ("${lookup redis{servers=x GET k}}",
     'lookup of "servers=x GET k" gave DEFER: missing ; after "servers=" in Redis lookup'),
    ("${lookup redis{servers=; GET k}}",
     'lookup of "servers=; GET k" gave DEFER: "servers=" defines no servers in "servers=; GET k"'),
    ("${lookup redis,servers=x{GET k}}", 'lookup of "GET k" gave DEFER: Redis server "x" not found in redis_servers'),
])
def test_server_list_errors(expr: str, message: str) -> None:
    with pytest.raises(LookupDefer) as e:
        expand(expr, ctx_with(None))
    assert e.value.message == message


def test_connection_refused_defers(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(LookupDefer) as e:
        expand("${lookup redis{GET k}}", ctx_with("127.0.0.1::1//pw : 127.0.0.1::2//"))
    assert e.value.message == 'lookup of "GET k" gave DEFER: REDIS: query failed: Connection refused'
    assert "server 127.0.0.1:1 failed: REDIS: query failed: Connection refused" in caplog.text
    assert "pw" not in caplog.text


# ---- against redis-server --------------------------------------------------

@pytest.fixture
def ctx(redis_pw: RedisServer, clean: None) -> ExpansionContext:
    return ctx_with(redis_pw.spec("10"))


def x(ctx: ExpansionContext, s: str) -> str:
    return expand(s, ctx)


def test_values(ctx: ExpansionContext, redis_pw: RedisServer) -> None:
    assert x(ctx, "${lookup redis{SET k ${quote_redis:a b\\\\c}}}") == "OK"
    assert x(ctx, "${lookup redis{GET k}}") == "a b\\c"
    assert redis_pw.client(10).get("k") == b"a b\\c" and redis_pw.client(0).get("k") is None
    assert x(ctx, "${lookup redis{INCR n}}-${lookup redis{DECR n}}") == "true-false"
    assert x(ctx, "${lookup redis{GET nothing}{found <$value>}{not found}}") == "found <>"
    assert x(ctx, "${lookup redis{SMEMBERS nothing}{found}{not found}}") == "not found"
    assert x(ctx, "${lookup redis{RPUSH l a b 3}}${lookup redis{LRANGE l 0 -1}}") == "truea\nb\n3"
    assert x(ctx, "${lookup redis{MGET k none k}}") == "a b\\c\n\na b\\c"
    with pytest.raises(LookupDefer, match="REDIS: lookup result failed: WRONGTYPE "):
        x(ctx, "${lookup redis{GET l}}")


def test_seed_examples(ctx: ExpansionContext, redis_pw: RedisServer) -> None:
    redis_pw.client(10).sadd("relay_from_ips", "192.168.0.0/24", "10.0.0.0/8")
    redis_pw.client(10).hset("example.com", "domain", "example.com")
    cfg = parse_config_text(
        "primary_hostname = test.example\n"
        "hostlist relay_from_ips = <\\n ${lookup redis{SMEMBERS relay_from_ips}}\n"
        "domainlist virtual_domains = ${lookup redis {HGET $domain domain}}\n"
        "SPAMMER_SET = SET SPAMMER ${quote_redis:$sender_host_address}\n"
        "begin acl\n"
        "r:\n"
        "  warn set acl_c_spammer = ${if eq{${lookup redis{SPAMMER_SET}}}{OK}{set}{no}}\n"
        "  accept hosts = +relay_from_ips\n"
        "         domains = +virtual_domains\n"
        "  deny\n")
    cfg.options["redis_servers"] = redis_pw.spec("10")
    engine = Engine(cfg)
    for host, domain, verdict in [("10.1.2.3", "example.com", "OK"), ("172.16.0.1", "example.com", "FAIL"),
                                  ("192.168.0.9", "other.example", "FAIL")]:
        c = ExpansionContext(config=cfg)
        c.variables.update(sender_host_address=TaintedStr(host), domain=TaintedStr(domain),
                           local_part="u", sender_address="a@b")
        v = engine.run_acl("r", c, where="rcpt")
        assert v.result.name == verdict, (host, domain)
        assert c.acl_vars["acl_c_spammer"] == "set"
        assert redis_pw.client(10).get("SPAMMER") == host.encode()


def test_tainted_value_is_one_argument(ctx: ExpansionContext, redis_pw: RedisServer) -> None:
    ctx.variables["sender_address"] = TaintedStr("x\r\nFLUSHALL\r\n y")
    redis_pw.client(10).set("keep", "1")
    x(ctx, "${lookup redis{SET t ${quote_redis:$sender_address}}}")
    assert redis_pw.client(10).get("t") == b"x\r\nFLUSHALL\r\n y"
    assert redis_pw.client(10).get("keep") == b"1"


def test_tainted_server_refused(ctx: ExpansionContext, redis_pw: RedisServer) -> None:
    ctx.variables["h"] = TaintedStr(redis_pw.spec("1"))
    with pytest.raises(LookupDefer, match='Redis server ".*" is tainted'):
        x(ctx, "${lookup redis{servers=$h; GET k}}")


def test_server_selection(redis_pw: RedisServer, redis_open: RedisServer, clean: None) -> None:
    redis_pw.client(3).set("k", "pw3")
    redis_open.client(0).set("k", "open0")
    both = f"127.0.0.1::1/3/x : {redis_pw.spec('3')} : {redis_open.spec('')}"
    c = ctx_with(both)
    assert x(c, "${lookup redis{GET k}}") == "pw3"  # the first server is down
    assert x(c, f"${{lookup redis,servers={redis_open.spec('')}{{GET k}}}}") == "open0"
    assert x(c, f"${{lookup redis{{servers={redis_open.spec('')}; GET k}}}}") == "open0"
    named = ctx_with(f"{redis_pw.spec('3')} : localhost//")
    assert x(named, "${lookup redis{servers=127.0.0.1::" + str(redis_pw.port) + "; GET k}}") == "pw3"
    assert x(ctx_with(redis_pw.socket_spec("3")), "${lookup redis{GET k}}") == "pw3"


def test_bad_password_defers(redis_pw: RedisServer, clean: None) -> None:
    with pytest.raises(LookupDefer, match="REDIS Authentication failed: "):
        x(ctx_with(redis_pw.spec("", password="wrong")), "${lookup redis{GET k}}")
    with pytest.raises(LookupDefer, match="lookup result failed: NOAUTH"):
        x(ctx_with(f"127.0.0.1::{redis_pw.port}//"), "${lookup redis{GET k}}")


def _clients(srv: RedisServer) -> int:
    return int(srv.client().info("clients")["connected_clients"])


def test_connections_reused_and_fork_safe(ctx: ExpansionContext, redis_pw: RedisServer) -> None:
    x(ctx, "${lookup redis{SET k v}}")
    before = _clients(redis_pw)
    for i in range(200):
        assert x(ctx, "${lookup redis{GET k}}") == "v"
    assert _clients(redis_pw) <= before
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child uses its own connection, never the parent's socket
        try:
            ok = all(x(ctx, f"${{lookup redis{{SET c{i} {i}}}}}") == "OK" for i in range(20))
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(r, 1) == b"1"
    assert x(ctx, "${lookup redis{GET c19}}") == "19" and x(ctx, "${lookup redis{GET k}}") == "v"


def test_error_not_cached_nil_not_cached(ctx: ExpansionContext, redis_pw: RedisServer) -> None:
    assert x(ctx, "${lookup redis{GET later}}") == ""
    redis_pw.client(10).set("later", "now")
    assert x(ctx, "${lookup redis{GET later}}") == "now"
