"""The ``redis`` query-style lookup: ``${lookup redis{COMMAND arg...}}``.

Servers come from ``redis_servers`` (or a ``servers=`` option / prefix), each
``host[:port]/db/password`` or ``(socket path)/db/password``, tried in order
as Exim's lf_sqlperform() does. The command is split on white space (a
backslash protects the next character, at most 32 words) and each word goes to
the server as one argument of the protocol: nothing is ever re-split.

Replies as Exim's redis.c renders them: a string or status verbatim, an
integer as ``true``/``false``, nil as an empty (found) value, an array one
element a line (integers in decimal, one nested level), an empty array as not
found. Where Exim 4.96 turns a connection failure into 'not found', this module
defers and moves on to the next server, as the manual describes.

Connections: one pool per process and server, re-made after a fork."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from acl.lookups import register
from acl.lookups.base import C_SPACE, QUERY, Defer, Found, LookupSpec
from acl.lookups.unsupported import quote_redis
from acl.runtime.lists import iter_list
from acl.runtime.values import is_tainted, like, untaint

NAME, OPTION = "Redis", "redis_servers"
MAX_ARGS = 32  # argv[32] in redis.c
DEFAULT_PORT = 6379
CONNECT_TIMEOUT = 5.0  # seconds; Exim sets none, a hung server must not hang a session
COMMAND_TIMEOUT = 30.0
MAX_SERVERS = 1000  # bound on the server list walked for one query


class _Break(Defer):
    """A defer after which no other server is tried (defer_break)."""


@dataclass(frozen=True, slots=True)
class Server:
    host: str
    port: int
    socket: str | None
    db: int | None
    password: str | None
    ident: str  # the text without the password: the connection cache key


def parse_server(text: str) -> Server:
    """redis.c's split of one server item: two slashes from the right, then a
    socket in parentheses and a port after a colon in what is left."""
    rest, parts = text, []
    for i in (2, 1):
        slash = rest.rfind("/")
        if slash < 0:
            raise _Break(f"incomplete Redis server data: {text if i == 2 else ident}")
        rest, field = rest[:slash], rest[slash + 1:]
        parts.append(field)
        if i == 2:
            ident = rest
    password, db = parts[0] or None, parts[1] or None
    host, socket = rest, None
    if "(" in host:
        host, _, tail = host.partition("(")
        socket = tail.partition(")")[0]
    port = DEFAULT_PORT
    if ":" in host:
        host, _, p = host.partition(":")
        port = _atoi(p)
    if "/" in host:
        raise _Break(f"unexpected slash in Redis server hostname: {host}")
    if db is not None and not db.strip().lstrip("-").isdigit():
        raise _Break(f"REDIS: Selecting database={db} failed: ERR value is not an integer or out of range")
    return Server(host, port, socket, None if db is None else int(db), password, ident)


def _atoi(s: str) -> int:
    """C atoi(): leading digits, 0 when there are none."""
    s = s.lstrip(C_SPACE)
    end = 1 if s[:1] in ("+", "-") else 0
    while end < len(s) and s[end].isascii() and s[end].isdigit():
        end += 1
    try:
        return int(s[:end])
    except ValueError:
        return 0


def split_command(command: str) -> list[str]:
    """redis.c's argv: words split on white space, a backslash keeps the next
    character (a trailing lone backslash is dropped)."""
    argv: list[str] = []
    i, n = 0, len(command)
    while i < n and command[i] in C_SPACE:
        i += 1
    while i < n and len(argv) < MAX_ARGS:
        word = []
        while i < n and command[i] not in C_SPACE:
            if command[i] == "\\":
                i += 1
                if i >= n:
                    break
            word.append(command[i])
            i += 1
        argv.append("".join(word))
        while i < n and command[i] in C_SPACE:
            i += 1
    return argv


# ---- connections -----------------------------------------------------------

_POOLS: dict[tuple[int, Server], Any] = {}


def _raw_parser() -> type:
    """A protocol parser that keeps error replies whole ('ERR ...', 'MOVED ...'),
    as hiredis hands them to Exim."""
    from redis._parsers import _RESP2Parser
    from redis.exceptions import ResponseError

    class RawErrors(_RESP2Parser):  # type: ignore[misc]
        @classmethod
        def parse_error(cls, response: str) -> Exception:
            return ResponseError(response)

    return RawErrors


def pool(server: Server) -> Any:
    """This process's pool for ``server`` (a forked child builds its own)."""
    key = (os.getpid(), server)
    found = _POOLS.get(key)
    if found is None:
        try:
            import redis
        except ImportError:
            raise Defer("REDIS: the redis client package is not installed") from None
        from redis.backoff import NoBackoff
        from redis.maint_notifications import MaintNotificationsConfig
        from redis.retry import Retry

        common: dict[str, Any] = dict(
            db=server.db or 0, password=server.password, protocol=2, socket_timeout=COMMAND_TIMEOUT,
            retry=Retry(NoBackoff(), 0), parser_class=_raw_parser(), encoding_errors="surrogateescape",
            maint_notifications_config=MaintNotificationsConfig(enabled=False))
        if server.socket is not None:
            found = redis.ConnectionPool(connection_class=redis.UnixDomainSocketConnection,
                                         path=server.socket, **common)
        else:
            found = redis.ConnectionPool(host=server.host, port=server.port,
                                         socket_connect_timeout=CONNECT_TIMEOUT, **common)
        for stale in [k for k in _POOLS if k[0] != key[0]]:
            del _POOLS[stale]  # inherited across a fork: never reuse the parent's sockets
        _POOLS[key] = found
    return found


def command(server: Server, argv: list[str]) -> Any:
    """Send one command, return the raw reply (bytes, int, None, list).
    Raises Defer with Exim's texts."""
    import redis.exceptions as rx

    p = pool(server)
    try:
        conn = p.get_connection()
    except rx.AuthenticationError as e:
        raise Defer(f"REDIS Authentication failed: {_errstr(e)}") from None
    except rx.ResponseError as e:  # AUTH or SELECT, sent on connecting
        text = str(e)
        if server.password and text.startswith(_AUTH_ERRORS):
            raise Defer(f"REDIS Authentication failed: {text}") from None
        if server.db is not None:
            raise Defer(f"REDIS: Selecting database={server.db} failed: {text}") from None
        raise Defer(f"REDIS: query failed: {text}") from None
    except (rx.RedisError, OSError) as e:
        raise Defer(f"REDIS: query failed: {_errstr(e)}") from None
    try:
        conn.send_command(*argv)
        reply = conn.read_response()
    except rx.ResponseError as e:
        p.release(conn)
        text = str(e)
        if text.startswith("MOVED"):
            raise Defer(f"REDIS: lookup result failed: {text}") from None  # next server
        raise _Break(f"REDIS: lookup result failed: {text}") from None
    except (rx.RedisError, OSError) as e:
        conn.disconnect()
        p.release(conn)
        raise Defer(f"REDIS: query failed: {_errstr(e)}") from None
    p.release(conn)
    return reply


_AUTH_ERRORS = ("WRONGPASS", "ERR AUTH", "ERR invalid password", "ERR Client sent AUTH")


def _errstr(e: Exception) -> str:
    """hiredis reports the errno text; redis-py wraps it in a sentence."""
    inner = e.__cause__ or e.__context__
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    text = str(e)
    if "Connection refused" in text:
        return "Connection refused"
    if "No such file or directory" in text:
        return "No such file or directory"
    return text.partition(". ")[2] or text


# ---- replies ---------------------------------------------------------------

def _text(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _int32(n: int) -> str:
    """Array integers go through printf %d from a long long: the low 32 bits."""
    n &= 0xFFFFFFFF
    return str(n - (1 << 32) if n >= 1 << 31 else n)


def render(reply: Any) -> str | None:
    """The lookup's data for a reply; None is 'not found'."""
    if reply is None:
        return ""
    if isinstance(reply, bool) or isinstance(reply, int):
        return "true" if reply else "false"
    if isinstance(reply, (bytes, str)):
        return _text(reply) if isinstance(reply, bytes) else reply
    if not isinstance(reply, list):
        return None
    out: list[str] | None = None
    for entry in reply:
        out = [] if out is None else out + ["\n"]
        if isinstance(entry, list):
            for sub in entry:
                out.append("\n")
                if isinstance(sub, bytes):
                    out.append(_text(sub))
                elif isinstance(sub, int):
                    out.append(_int32(sub))
            continue
        if isinstance(entry, bytes):
            out.append(_text(entry))
        elif isinstance(entry, int):
            out.append(_int32(entry))
    if out is None:
        return None
    text = "".join(out)
    return text.partition("\0")[0]  # Exim hands the data on as a C string


# ---- lf_sqlperform ---------------------------------------------------------

def _servers_in(text: str) -> list[str]:
    out = []
    for item in iter_list(text, sep=":"):
        out.append(item)
        if len(out) >= MAX_SERVERS:
            break
    return out


def _resolve(name: str, optlist: str | None) -> str:
    """A server named without slashes stands for the global entry of that host."""
    if "/" in name:
        return name
    for ser in _servers_in(optlist or ""):
        if ser.partition("/")[0] == name:
            return ser
    raise Defer(f'{NAME} server "{name}" not found in {OPTION}')


def _try(servers: list[str], optlist: str | None, query: str) -> Found:
    last: Defer | None = None
    for name in servers:
        server = _resolve(name, optlist)
        if is_tainted(server):
            raise Defer(f'{NAME} server "{server}" is tainted')
        try:
            return perform(parse_server(untaint(server)), query)
        except _Break:
            raise
        except Defer as d:
            last = d
            _log_failure(name, d.reason)
    raise last or Defer(f"no {NAME} servers defined ({OPTION} option)")


def perform(server: Server, query: str) -> Found:
    """One query on one server (perform_redis_search)."""
    argv = split_command(query)
    reply = command(server, argv)
    data = render(reply)
    if data is None:
        return Found(None)
    return Found(data, cache=reply is not None)


_LOG = logging.getLogger("acl.lookups.redis")


def _log_failure(name: str, reason: str) -> None:
    """A server passed over leaves a line (the final defer is logged by the ACL
    that sees it); the password is never shown."""
    _LOG.warning("redis lookup: server %s failed: %s", name.partition("/")[0], reason)


def find(ctx: Any, handle: Any, filename: str | None, query: str, opts: str | None) -> Found:
    optlist = ctx.option(OPTION, None) if ctx is not None else None
    optlist = None if optlist is None else str(optlist)
    if query.startswith("servers"):
        s = query[7:].lstrip(C_SPACE)
        if not s.startswith("="):
            raise Defer(f'missing = after "servers" in {NAME} lookup')
        s = s[1:].lstrip(C_SPACE)
        semi = s.find(";")
        if semi < 0:
            raise Defer(f'missing ; after "servers=" in {NAME} lookup')
        if semi == 0:
            raise Defer(f'"servers=" defines no servers in "{query}"')
        return _try(_servers_in(like(s[:semi], query)), optlist, s[semi + 1:])
    serverlist = None
    for ele in (opts or "").split(","):
        if ele.startswith("servers="):
            serverlist = ele[8:]
            break
    if serverlist is None:
        serverlist = optlist
    if serverlist is None:
        raise Defer(f"no {NAME} servers defined ({OPTION} option)")
    return _try(_servers_in(serverlist), optlist, query)


register(LookupSpec("redis", QUERY, False, "Redis command", find=find, quote=quote_redis,
                    options=("servers",)))
