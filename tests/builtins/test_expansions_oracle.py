"""Whole expansion strings and what Exim 4.96 printed for them (`exim -be`),
written by tests/builtins/record_expansions.py (never by hand; re-record or
--check with that script). A failure is recorded as Exim prints it."""

from __future__ import annotations

import pytest

from acl.builtins import load_all
from acl.errors import ExpansionError
from acl.expansion import expand
from acl.runtime.context import ExpansionContext

load_all()

CASES = [
    ('${if <{1}{2}{y}{n}}', 'y'),
    ('${if <{1k}{2}{y}{n}}', 'n'),
    ('${if <{}{2}{y}{n}}', 'y'),
    ('${if <{ 1}{2}{y}{n}}', 'y'),
    ('${if <{1 }{2}{y}{n}}', 'y'),
    ('${if <{9G}{2}{y}{n}}', 'n'),
    ('${if <{-1}{2}{y}{n}}', 'y'),
    ('${if <{+1}{2}{y}{n}}', 'y'),
    ('${if ={010}{10}{y}{n}}', 'y'),
    ('${if <{ }{2}{y}{n}}', 'y'),
    ('${if =={9223372036854775807}{1}{y}{n}}', 'n'),
    ('${if <{-9223372036854775808}{2}{y}{n}}', 'y'),
    ('${if <{1k }{2}{y}{n}}', 'n'),
    ('${if ={1g}{1073741824}{y}{n}}', 'y'),
    ('${if ={1M}{1048576}{y}{n}}', 'y'),
    ('${if <{\t5}{6}{y}{n}}', 'y'),
    ('${if <{5\n}{6}{y}{n}}', 'y'),
    ('${if >={5}{5}{y}{n}}', 'y'),
    ('${if >{5}{5}{y}{n}}', 'n'),
    ('${if <={5}{5}{y}{n}}', 'y'),
    ('${if crypteq{test}{\\{md5\\}CY9rzUYh03PK3k6DJie09g==}{y}{n}}', 'y'),
    ('${if crypteq{test}{\\{MD5\\}098f6bcd4621d373cade4e832627b4f6}{y}{n}}', 'y'),
    ('${if crypteq{test}{\\{md5\\}098F6BCD4621D373CADE4E832627B4F6}{y}{n}}', 'y'),
    ('${if crypteq{test}{\\{sha1\\}qUqP5cyxm6YcTAhz05Hph5gvu9M=}{y}{n}}', 'y'),
    ('${if crypteq{test}{\\{sha1\\}a94a8fe5ccb19ba61c4c0873d391e987982fbbd3}{y}{n}}', 'y'),
    ('${if crypteq{test}{aaqPiZY5xR5l.}{y}{n}}', 'y'),
    ('${if crypteq{test}{\\{crypt\\}aaqPiZY5xR5l.}{y}{n}}', 'y'),
    ('${if crypteq{test}{\\$1\\$salt\\$No6gqynaE4urT3jScs91F/}{y}{n}}', 'y'),
    ('${if crypteq{test}{\\$1\\$salt\\$No6gqynaE4urT3jScs91Fx}{y}{n}}', 'n'),
    ('${if crypteq{test}{}{y}{n}}', 'n'),
    ('${if crypteq{test}{\\{md5\\}}{y}{n}}', 'n'),
    ('${if crypteq{test}{\\{Crypt16\\}aaqPiZY5xR5l.}{y}{n}}', 'y'),
    ('${if crypteq{}{\\{md5\\}1B2M2Y8AsgTpgAmY7PhCfg==}{y}{n}}', 'y'),
    ('${if crypteq{test}{abgOeLfPimXQo}{y}{n}}', 'y'),
    ('${if crypteq{testtest99}{aboqU0xf8M452}{y}{n}}', 'y'),
    ('${if crypteq{pw}{\\$1\\$abcdefgh\\$IQtUouv7y7Q9dRWkQEPCc.}{y}{n}}', 'y'),
    ('${if crypteq{pw}{\\$5\\$rounds=1000\\$s1\\$.LUbOw61k2Jps9AoAtXj8Hd1jE2f3e8GbIksbJPilj2}{y}{n}}', 'y'),
    ('${if crypteq{pw}{\\$5\\$abc\\$/LKlXd6vuvdFX3oWbf2vGk3DgflzzsvOtMZsiOxqqY5}{y}{n}}', 'y'),
    ('${if crypteq{pw}{\\$6\\$abcdefghijklmnop\\$GRSTFj3H0pZ9BY1uhdqITG.qORbXkTk40qgaa1roNICfs/axSgdNnbKEYghuyLnrmnFXvSE09GdxJbCDOnxdc1}{y}{n}}', 'y'),
    ('${if crypteq{pw}{\\$6\\$rounds=20000\\$xy\\$qX6ZjrN8EmYmQ/03rqMicQb4Wix2AV/.0C.o4/xWVFkpZgNm.M8odzzAXgeJPr.o/OP/axxSQoXxlLzyPbPiD1}{y}{n}}', 'y'),
    ('${if crypteq{pwx}{\\$6\\$rounds=20000\\$xy\\$qX6ZjrN8EmYmQ/03rqMicQb4Wix2AV/.0C.o4/xWVFkpZgNm.M8odzzAXgeJPr.o/OP/axxSQoXxlLzyPbPiD1}{y}{n}}', 'n'),
    ('${if crypteq{café}{\\$1\\$s\\$IcDKT4fQj/yno/mbVWm4B1}{y}{n}}', 'y'),
    ('${if crypteq{test}{\\{crypt\\}\\$y\\$j9T\\$abc\\$def}{y}{n}}', 'n'),
    ('${if crypteq{test}{\\{foo\\}x}{y}{n}}', 'Failed: unknown encryption mechanism in "{foo}x"'),
    ('${if crypteq{test}{\\{md5x}{y}{n}}', 'Failed: unknown encryption mechanism in "{md5x"'),
    ('${if crypteq{test}{\\{sha256\\}x}{y}{n}}', 'Failed: unknown encryption mechanism in "{sha256}x"'),
    ('${if crypteq{test}{\\{\\}abc}{y}{n}}', 'Failed: unknown encryption mechanism in "{}abc"'),
]


@pytest.mark.parametrize(("expr", "want"), CASES)
def test_like_exim(expr: str, want: str) -> None:
    try:
        got = expand(expr, ExpansionContext())
    except ExpansionError as exc:
        got = f"Failed: {exc.message}"
    assert got == want
