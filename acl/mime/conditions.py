"""The ``regex``, ``mime_regex`` and ``decode`` ACL conditions (Exim's
regex.c and mime.c). ``regex`` scans line by line: in the MIME ACL the
current part's raw body (up to the enclosing boundary), elsewhere the whole
spooled mbox file (envelope lines, headers, body). ``mime_regex`` scans the
first 32 KiB of the decoded part. The regular expressions of the list are
tried last first; a match sets $regex_match_string and $regex1..$regex9."""

from __future__ import annotations

from typing import Any

from acl.builtins.items._util import from_bytes
from acl.engine.evaluate import CondError, Frame
from acl.engine.verdict import LogLine, Result
from acl.errors import ExpansionError
from acl.mime.files import decode_part
from acl.mime.scan import STATE, MimeState, name_ok, spool_mbox
from acl.mime.stream import Stream
from acl.runtime import regex as rx
from acl.runtime.lists_split import iter_list
from acl.runtime.values import TaintedStr, like


REGEX_VARS = 9
LINE = 32767  # fgets() buffer of the regex condition
MIME_SUBJECT = 32766  # bytes of a decoded part mime_regex reads


def clear_vars(ctx: Any) -> None:
    for name in ("regex_match_string", *(f"regex{i}" for i in range(1, REGEX_VARS + 1))):
        ctx.variables.pop(name, None)


def compile_list(frame: Frame, arg: str) -> list[tuple[str, Any]]:
    """The list's regexes, last first; bad ones are logged and skipped."""
    out = []
    for text in iter_list(arg):
        if text.lower() == "false" or text == "0":
            continue
        try:
            out.append((like(text, arg), rx.compile_regex(text)))
        except ExpansionError as e:
            detail = e.message.partition('": ')[2] or e.message
            frame.state.effects.logs.append(LogLine(
                f"regex acl condition warning - error in regex '{text}': {detail}, skipped."))
    out.reverse()
    return out


def matcher(ctx: Any, regexes: list[tuple[str, Any]], subject: bytes) -> bool:
    text = from_bytes(subject)
    for source, pattern in regexes:
        try:
            m = rx.search(pattern, text, ctx)
        except ExpansionError as e:
            raise CondError(Result.DEFER, e.message) from None
        if m is None:
            continue
        ctx.variables["regex_match_string"] = source
        groups = m.groups()
        last = max((i for i, g in enumerate(groups) if g is not None), default=-1)
        for i, g in enumerate(groups[:min(last + 1, REGEX_VARS)]):
            ctx.variables[f"regex{i + 1}"] = TaintedStr(g or "")
        return True
    return False


def _state(ctx: Any) -> MimeState:
    state = ctx.extra.get(STATE)
    if isinstance(state, MimeState):
        return state
    # The DATA ACL without a spooled message: the headers and visible body.
    from acl.builtins.items._util import to_bytes

    return spool_mbox(ctx, to_bytes(ctx.variables.get("message_body") or ""))


def regex(frame: Frame, cb: Any, arg: str) -> Result:
    ctx = frame.state.ctx
    clear_vars(ctx)
    state = _state(ctx)
    regexes = compile_list(frame, arg)
    if not regexes:
        return Result.FAIL
    in_part = state.stream is not None
    f = state.stream if in_part else Stream(state.mbox)
    pos = f.pos
    try:
        for line in f.lines(LINE, state.boundary if in_part else None):
            if matcher(ctx, regexes, line):
                return Result.OK
    finally:
        f.pos = pos
    return Result.FAIL


def mime_regex(frame: Frame, cb: Any, arg: str) -> Result:
    ctx = frame.state.ctx
    clear_vars(ctx)
    regexes = compile_list(frame, arg)
    if not regexes:
        return Result.FAIL
    logs = frame.state.effects.logs
    name = ctx.variables.get("mime_decoded_filename")
    if not name:
        decode_part(ctx, "", logs)
        name = ctx.variables.get("mime_decoded_filename")
        if not name:
            logs.append(LogLine("mime_regex acl condition warning - could not decode MIME part to file"))
            return Result.DEFER
    try:
        if not name_ok(name, logs):
            raise OSError
        with open(name, "rb") as f:
            subject = f.read(MIME_SUBJECT)
    except OSError:
        logs.append(LogLine(f"mime_regex acl condition warning - can't open '{name}' for reading"))
        return Result.DEFER
    return Result.OK if matcher(ctx, regexes, subject) else Result.FAIL


def decode(frame: Frame, cb: Any, arg: str) -> Result:
    return decode_part(frame.state.ctx, arg, frame.state.effects.logs)
