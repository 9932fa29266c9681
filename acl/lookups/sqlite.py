"""sqlite: an SQL query run on an SQLite database file. Every statement of the
query is run (as sqlite3_exec does); each result row is one line. A row of one
column is the value as is, a wider row is 'name=value ' for each column, the
value quoted when empty or holding white space. NULL shows as <NULL>. A failing
statement, or one that yields no rows, is 'not found'."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from acl.errors import ExpansionError
from acl.lookups.base import ABS_FILE_QUERY, Found, LookupSpec

NULL = "<NULL>"
DEFAULT_LOCK_TIMEOUT = 5.0  # seconds, Exim's sqlite_lock_timeout default
MAX_STATEMENTS = 10_000


def open_sqlite(ctx: Any, filename: str) -> sqlite3.Connection:
    timeout = _lock_timeout(ctx)
    try:
        return sqlite3.connect(filename, timeout=timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise ExpansionError(str(exc)) from None


def _lock_timeout(ctx: Any) -> float:
    """sqlite_lock_timeout is an Exim time (e.g. 5s, 1m30s); seconds."""
    raw = ctx.option("sqlite_lock_timeout", None) if ctx is not None else None
    m = _TIME.fullmatch(str(raw).strip()) if raw is not None else None
    if not m or not raw:
        return DEFAULT_LOCK_TIMEOUT
    return float(sum(int(n) * _UNITS[u or "s"] for n, u in _PART.findall(str(raw))))


_TIME = re.compile(r"(?:\d+[wdhms]?)+")
_PART = re.compile(r"(\d+)([wdhms]?)")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def statements(sql: str) -> list[str]:
    """Split a query into complete statements, as sqlite3_exec consumes them."""
    out: list[str] = []
    start = 0
    for i, ch in enumerate(sql):
        if ch == ";" and sqlite3.complete_statement(sql[start : i + 1]):
            out.append(sql[start : i + 1])
            start = i + 1
            if len(out) >= MAX_STATEMENTS:
                break
    rest = sql[start:]
    if rest.strip():
        out.append(rest)
    return out


def _text(conn: sqlite3.Connection, v: Any) -> str:
    """sqlite3_column_text(): let SQLite itself render numbers."""
    if v is None:
        return NULL
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    if isinstance(v, float):
        return str(conn.execute("SELECT CAST(? AS TEXT)", (v,)).fetchone()[0])
    return str(v)


def quote_field(name: str, value: str) -> str:
    """lf_quote(): one 'name=value ' field of a multi-column row."""
    if value == "" or any(c in value for c in " \t\n\r"):
        value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name}={value} "


def find_sqlite(ctx: Any, conn: sqlite3.Connection, filename: str | None, query: str, opts: str | None) -> Found:
    rows: list[str] = []
    try:
        for stmt in statements(query):
            cur = conn.execute(stmt)
            names = [d[0] for d in cur.description or ()]
            for row in cur:
                if len(row) > 1:
                    rows.append("".join(quote_field(n, _text(conn, v)) for n, v in zip(names, row)))
                else:
                    rows.append(_text(conn, row[0]))
    except (sqlite3.Error, sqlite3.Warning, ValueError, OverflowError):
        return Found(None)
    if not rows:
        return Found(None, cache=False)
    return Found("\n".join(rows))


def quote_sqlite(s: str, opt: str | None) -> str | None:
    return None if opt is not None else s.replace("'", "''")


LOOKUPS = [
    LookupSpec(
        "sqlite", ABS_FILE_QUERY, True,
        "SQL query on an SQLite database; the file comes from the file= option, "
        "the sqlite_dbfile main option, or (deprecated) a leading absolute path in the query.",
        open_sqlite, find_sqlite, quote_sqlite, options=("file=",),
    ),
]
