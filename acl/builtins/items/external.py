"""``${run}``: an external command, refused unless ``ctx.allow_run`` is true."""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any

from acl.builtins.items._util import cat_file, set_var, to_bytes, unescape_until
from acl.builtins.registry import ItemCall, item
from acl.errors import ExpansionError
from acl.runtime.values import is_tainted, like

MAX_ARGS = 60  # Exim's argument slots for a command without addresses
READ_TIMEOUT = 60  # seconds for the command's output
WAIT_TIMEOUT = 30  # seconds for it to exit afterwards
MAX_OUTPUT = 64 * 1024 * 1024
NOT_PERMITTED = "running a command is not permitted"


def _dequote(s: str, i: int) -> tuple[str, int]:
    """Exim's ``string_dequote``: a double-quoted argument with backslash
    escapes, or a run of non-space characters taken as they are."""
    n = len(s)
    if s[i] != '"':
        j = i
        while j < n and not s[j].isspace():
            j += 1
        return s[i:j], j
    text, i = unescape_until(s, i + 1, '"')
    return text, min(i + 1, n)


def split_command(cmd: str) -> list[str]:
    """Split as ``transport_set_up_command()`` does: white space separates,
    '...' is verbatim, "..." takes escapes. Raises ValueError past 60 arguments."""
    argv: list[str] = []
    i, n = 0, len(cmd)
    while i < n and cmd[i].isspace():
        i += 1
    while i < n:
        if len(argv) >= MAX_ARGS:
            raise ValueError(f'Too many arguments in command "{cmd}" in ${{run}} expansion')
        if cmd[i] == "'":
            j = cmd.find("'", i + 1)
            j = n if j < 0 else j
            argv.append(like(cmd[i + 1 : j], cmd))
            i = j + 1
        else:
            arg, i = _dequote(cmd, i)
            argv.append(like(arg, cmd))
        while i < n and cmd[i].isspace():
            i += 1
    return argv


def run_command(argv: list[str]) -> tuple[int, str]:
    """Run with an empty standard input and stdout+stderr together; returns the
    exit code (127 when it cannot be executed) and the output."""
    if not argv:
        return 127, ""
    path = argv[0] if "/" in argv[0] else "./" + argv[0]  # execv(): no PATH search
    try:
        proc = subprocess.Popen(
            [to_bytes(a) for a in argv], executable=to_bytes(path), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, umask=0o077, process_group=0)
    except OSError:
        return 127, ""
    try:
        out, _ = proc.communicate(timeout=READ_TIMEOUT + WAIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
        raise ExpansionError("command timed out") from None
    if proc.returncode < 0:
        raise ExpansionError(f"command killed by signal {-proc.returncode}")
    return proc.returncode, cat_file(out[:MAX_OUTPUT], None)


@item("run", args=(1, 3))
def run(ctx: Any, call: ItemCall) -> str:
    """Run a command; the yes string (or its output) on exit code 0, else the no
    string. $value holds the output, $runrc the exit code."""
    if not ctx.allow_run:
        raise call.error(NOT_PERMITTED)
    preexpand = False
    for opt in call.options:
        if opt != "preexpand":
            raise call.error(f"bad option '{opt}' for run")
        preexpand = True
    try:
        if preexpand:
            argv = split_command(call.args[0].expand(ctx))
            refused = any(is_tainted(a) for a in argv)
        else:
            cmd = call.args[0].raw
            argv = [_expand_arg(ctx, a, cmd) for a in split_command(cmd)]
            refused = bool(argv) and is_tainted(argv[0])
    except ValueError as exc:
        raise call.error(str(exc)) from None
    if refused:  # Exim's exec wrapper refuses with EPERM
        raise call.error("couldn't create child process: Operation not permitted")
    try:
        rc, output = run_command(argv)
    except ExpansionError as exc:
        raise call.error(exc.message) from None
    set_var(ctx, "runrc", str(rc))
    # $value holds the output for both strings and keeps it afterwards, as in Exim.
    ctx.bindings["value"] = output
    result = call.yes_no(ctx, rc == 0, output, 1)
    ctx.bindings["value"] = output
    return result


def _expand_arg(ctx: Any, arg: str, cmd: str) -> str:
    from acl.expansion import expand

    try:
        return expand(arg, ctx)
    except ExpansionError as exc:
        raise ExpansionError(
            f'Expansion of "{arg}" from command "{cmd}" in ${{run}} expansion failed: {exc.message}'
        ) from None
