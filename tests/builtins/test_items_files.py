"""${readfile}, ${readsocket} (against real listeners started here) and ${run}.
Expected values and messages recorded from Exim 4.96 -be running as root."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from acl.errors import ExpansionError
from acl.runtime.values import TaintedStr
from tests.builtins.test_items_support import call_item, expand, fails, make_ctx


@pytest.fixture()
def textfile(tmp_path: Path) -> str:
    p = tmp_path / "f.txt"
    p.write_bytes(b"line1\nline2\n\nlast")
    return str(p)


def test_readfile(textfile: str) -> None:
    assert expand("${readfile{%s}}" % textfile) == "line1\nline2\n\nlast"
    assert expand("${readfile{%s}{|}}" % textfile) == "line1|line2||last"
    assert expand("${readfile{%s}{}}" % textfile) == "line1line2last"


def test_readfile_errors(tmp_path: Path, textfile: str) -> None:
    missing = str(tmp_path / "missing")
    assert fails("${readfile{%s}}" % missing) == f"failed to open {missing}: No such file or directory"
    assert fails("${readfile{}}") == "failed to open : No such file or directory"
    assert fails("${readfile{%s}{a}{b}}" % textfile) == "Too many arguments for 'readfile' (max is 2)"
    assert expand("${readfile{%s}}" % tmp_path) == ""  # a directory reads as empty


def test_readfile_tainted_name(textfile: str) -> None:
    with pytest.raises(ExpansionError) as info:
        call_item("readfile", TaintedStr(textfile))
    assert info.value.message == (
        f"failed to open {textfile}: Permission denied (euid={os.geteuid()} egid={os.getegid()})")


# ---- readsocket


def _answer(conn: socket.socket) -> None:
    conn.settimeout(0.5)
    data = b""
    try:
        while True:
            d = conn.recv(100)
            if not d:
                break
            data += d
    except socket.timeout:
        data += b"(notclosed)"
    if data.startswith(b"hang"):
        time.sleep(2.5)
    try:
        conn.sendall(b"got:" + data + b"\nline2\n")
    except OSError:
        pass
    conn.close()


def _serve(listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_answer, args=(conn,), daemon=True).start()


@pytest.fixture()
def servers(tmp_path: Path) -> Iterator[tuple[int, str]]:
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    path = str(tmp_path / "sock")
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(path)
    unix.listen()
    for s in (tcp, unix):
        threading.Thread(target=_serve, args=(s,), daemon=True).start()
    yield tcp.getsockname()[1], path
    tcp.close()
    unix.close()


def test_readsocket_inet_and_unix(servers: tuple[int, str]) -> None:
    port, path = servers
    assert expand("${readsocket{inet:127.0.0.1:%d}{hello}}" % port) == "got:hello\nline2\n"
    assert expand("${readsocket{inet:localhost:%d}{hello}{2s}{|}}" % port) == "got:hello|line2|"
    assert expand("${readsocket{inet:[127.0.0.1]:%d}{x}{2s}{ }}" % port) == "got:x line2 "
    assert expand("${readsocket{%s}{hello}{2s:shutdown=no}{<nl>}}" % path) == (
        "got:hello(notclosed)<nl>line2<nl>")
    assert expand("${readsocket{%s}{}}" % path) == "got:\nline2\n"  # nothing sent, still shut down
    assert expand("${readsocket{%s}{a}{1s}{\\t}}" % path) == "got:a\tline2\t"
    assert expand("${readsocket{%s}{a}{1s}{\\\\n}}" % path) == "got:a\nline2\n"  # eol escapes
    assert expand("${readsocket{%s}{a}{1s}{,}}" % path) == "got:a,line2,"


def test_readsocket_timeout(servers: tuple[int, str]) -> None:
    _, path = servers
    assert fails("${readsocket{%s}{hang}{1s}}" % path) == "socket read timed out"
    assert expand("${readsocket{%s}{hang}{1s}{}{TIMEOUT}}" % path) == "TIMEOUT"


def test_readsocket_failures(tmp_path: Path) -> None:
    nosock = str(tmp_path / "nosock")
    assert fails("${readsocket{%s}{x}}" % nosock) == (
        f"failed to connect to socket {nosock}: No such file or directory")
    assert expand("${readsocket{%s}{x}{1s}{}{FAIL}}" % nosock) == "FAIL"
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    assert fails("${readsocket{inet:127.0.0.1:%d}{x}}" % port) == (
        "failed to connect to any address for 127.0.0.1: Connection refused")
    assert fails("${readsocket{inet:[127.0.0.1]:%d}{x}}" % port) == (
        "failed to connect to any address for [127.0.0.1]: Connection refused")
    # Exim loses these messages: the text is empty, and the fail string applies
    assert fails("${readsocket{inet:127.0.0.1}{x}}") == ""
    assert fails("${readsocket{inet:127.0.0.1:zz}{x}}") == ""
    assert expand("${readsocket{inet:127.0.0.1}{x}{1s}{}{FAIL}}") == "FAIL"
    assert fails("${readsocket{%s}}" % nosock) == "Not enough arguments for 'readsocket' (min is 2)"
    assert fails("${readsocket{%s}{x}{}{}{FAIL}{extra}}" % nosock) == "missing '}' closing readsocket"


def test_readsocket_tainted_name(servers: tuple[int, str]) -> None:
    _, path = servers
    with pytest.raises(ExpansionError) as info:
        call_item("readsocket", TaintedStr(path), "x")
    assert info.value.message == "(null)"  # Exim 4.96's own text
    assert call_item("readsocket", TaintedStr(path), "x", "1s", "", "FAIL") == "FAIL"


# ---- run


def test_run_refused_by_default() -> None:
    assert fails("${run{/bin/echo hi}}") == "running a command is not permitted"


@pytest.fixture()
def rctx():  # type: ignore[no-untyped-def]
    return make_ctx(allow_run=True)


@pytest.mark.parametrize("text,want", [
    ("${run{/bin/echo hi there}}", "hi there\n"),
    ("${run{/bin/echo hi}{Y:$value}{N:$value}}[$value][$runrc]", "Y:hi\n[hi\n][0]"),
    ('${run{/bin/sh -c "echo out; exit 3"}{Y:$value}{N:$value:$runrc}}', "N:out\n:3"),
    ("${run{/nonexistent/cmd}{Y}{N:$runrc:$value}}", "N:127:"),
    ("${run{/bin/echo 'a b' \"c\\\"d\" e\\\\f}}", 'a b c"d e\\f\n'),
    ("${run,preexpand{/bin/echo ${if eq{1}{1}{A B}}}}", "A B\n"),
    ("${run{}{Y}{N:$runrc}}", "N:127"),
    ("${run{relative}{Y}{N:$runrc}}", "N:127"),
    ('${run{/bin/sh -c "echo err >&2"}}', "err\n"),
    ("${run{/bin/cat}}", ""),
    ('${run{/bin/echo "${if eq{1}{1}{a}}"}}', "a\n"),
    ("${run{/bin/echo x}{$value}}$value", "x\nx\n"),
    ('${run{/bin/echo "a"b}}', "a b\n"),
    ("${run{/bin/echo a\\tb \"c\\td\" 'e\\tf'}}", "a\tb c\td e\tf\n"),
    ('${run{/bin/sh -c "umask"}}', "0077\n"),
])
def test_run(rctx, text: str, want: str) -> None:  # type: ignore[no-untyped-def]
    assert expand(text, rctx) == want


@pytest.mark.parametrize("text,msg", [
    ("${run{/bin/echo ${lc:A B}}}",
     'Expansion of "${lc:A" from command "/bin/echo ${lc:A B}" in ${run} expansion failed: '
     "missing } at end of string"),
    ("${run,bad{/bin/echo}}", "bad option 'bad' for run"),
    ("${run{/bin/echo $nonexist}}",
     'Expansion of "$nonexist" from command "/bin/echo $nonexist" in ${run} expansion failed: '
     'unknown variable name "nonexist"'),
    ('${run,preexpand{/bin/sh -c "kill -9 \\$\\$"}}', "command killed by signal 9"),
    ('${run{/bin/sh -c "exit 3"}{Y}fail}', '"run" failed and "fail" requested'),
    ("${run{/bin/echo " + " ".join(str(i) for i in range(1, 61)) + "}}",
     'Too many arguments in command "/bin/echo ' + " ".join(str(i) for i in range(1, 61))
     + '" in ${run} expansion'),
])
def test_run_errors(rctx, text: str, msg: str) -> None:  # type: ignore[no-untyped-def]
    assert fails(text, rctx) == msg


def test_run_taint(rctx) -> None:  # type: ignore[no-untyped-def]
    refused = "couldn't create child process: Operation not permitted"
    with pytest.raises(ExpansionError) as info:
        call_item("run", TaintedStr("/bin/echo x"), ctx=rctx, options=("preexpand",))
    assert info.value.message == refused
    # without preexpand only the command name must be untainted
    rctx.variables["cmdarg"] = TaintedStr("/bin/echo")
    assert call_item("run", "/bin/echo $cmdarg", ctx=rctx) == "/bin/echo\n"
