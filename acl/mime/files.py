"""The ``decode`` condition's work (mime.c mime_decode): where the decoded
part goes, and writing it. The default is ``<spool>/scan/<message id>/
<message id>-NNNNN`` (the first free number); ``decode = /dir`` numbers files
in that directory, ``decode = /path/file`` and ``decode = file`` (in the
default directory) name the file. A tainted name is refused."""

from __future__ import annotations

import os
from typing import Any

from acl.engine.verdict import LogLine, Result
from acl.mime.decode import ANOMALIES, decoder_for
from acl.mime.scan import STATE, MimeState, name_ok
from acl.runtime.lists_split import iter_list
from acl.runtime.values import like

MAX_NUMBERED = 1024  # Exim gives up looking for a free name there


def _numbered(directory: str, message_id: str) -> str:
    name = ""
    for nr in range(MAX_NUMBERED):
        name = os.path.join(directory, f"{message_id}-{nr:05d}")
        if nr + 1 >= MAX_NUMBERED or not os.path.exists(name):
            break
    return name


def target_file(state: MimeState, option: str) -> str | None:
    """The file a ``decode`` option names; None for false/0 (no decoding)."""
    first = next(iter(iter_list(option)), None)
    if first is None or first == "default":
        return _numbered(state.scan_dir, state.message_id)
    first = like(first, option)
    if first in ("false", "0"):
        return None
    if first.startswith("/"):
        if os.path.isdir(first):
            return like(_numbered(first, state.message_id), first)
        return first
    return like(os.path.join(state.scan_dir, first), first)


def decode_part(ctx: Any, option: str, logs: list[LogLine]) -> Result:
    """Decode the current part into a file: OK, FAIL (not in a part, or
    decoding switched off) or DEFER (the file cannot be written)."""
    state = ctx.extra.get(STATE)
    if not isinstance(state, MimeState) or state.stream is None:
        return Result.FAIL
    name = target_file(state, option)
    if name is None:
        return Result.FAIL
    v = ctx.variables
    v["mime_decoded_filename"] = name
    if not name_ok(name, logs):
        return Result.DEFER
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    except OSError:
        return Result.DEFER
    f = state.stream
    pos = f.pos
    data, anomaly = decoder_for(state.encoding)(f, state.boundary)
    f.pos = pos
    if anomaly:
        v["mime_anomaly_level"], v["mime_anomaly_text"] = str(anomaly), ANOMALIES[anomaly]
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except OSError:
        return Result.DEFER
    v["mime_content_size"] = str((len(data) + 1023) // 1024)
    return Result.OK
