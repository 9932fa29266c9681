"""passwd: the query is a user name, looked up with getpwnam(); the data is
laid out like an /etc/passwd line with '*' for the password."""

from __future__ import annotations

import pwd
from typing import Any

from acl.lookups.base import QUERY, Found, LookupSpec


def find_passwd(ctx: Any, handle: Any, filename: str | None, name: str, opts: str | None) -> Found:
    try:
        pw = pwd.getpwnam(name)
    except (KeyError, ValueError):  # ValueError: a name with a NUL
        return Found(None)
    return Found(f"*:{pw.pw_uid}:{pw.pw_gid}:{pw.pw_gecos}:{pw.pw_dir}:{pw.pw_shell}")


LOOKUPS = [
    LookupSpec(
        "passwd", QUERY, False,
        "The query is a user name; the data is '*:uid:gid:gecos:home:shell' from the system's password data.",
        None, find_passwd,
    ),
]
