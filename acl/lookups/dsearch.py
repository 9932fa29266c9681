"""dsearch: the key is the name of an entry in a directory (found with lstat,
so symbolic links count, dangling or not). Options: ret=full gives the whole
path; filter=file|dir|subdir restricts the kind of entry."""

from __future__ import annotations

import os
import stat
from typing import Any

from acl.errors import ExpansionError
from acl.lookups.base import SINGLE_KEY, Defer, Found, LookupSpec, option, strerror


def open_dsearch(ctx: Any, dirname: str) -> str:
    try:
        st = os.stat(dirname)
    except OSError as exc:
        raise _failed(dirname, exc.errno) from None
    if not stat.S_ISDIR(st.st_mode):
        raise _failed(dirname, 20)  # ENOTDIR, as opendir() reports
    return dirname


def _failed(dirname: str, code: int | None) -> ExpansionError:
    return ExpansionError(f"failed to open {dirname} for directory search: {strerror(code)}")


def find_dsearch(ctx: Any, dirname: str, filename: str | None, key: str, opts: str | None) -> Found:
    if "/" in key:
        raise Defer(f"key for dsearch lookup contains a slash: {key}")
    path = f"{dirname}/{key}"
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return Found(None)
    kind = option(opts, "filter")
    if kind == "file" and not stat.S_ISREG(mode):
        return Found(None)
    if kind in ("dir", "subdir") and not stat.S_ISDIR(mode):
        return Found(None)
    if kind == "subdir" and key in (".", ".."):
        return Found(None)
    return Found(path if option(opts, "ret") == "full" else key)


LOOKUPS = [
    LookupSpec(
        "dsearch", SINGLE_KEY, True,
        "The key is looked for as an entry name in a directory; options ret=full, "
        "filter=file|dir|subdir.",
        open_dsearch, find_dsearch, options=("ret=full", "filter=file", "filter=dir", "filter=subdir"),
    ),
]
