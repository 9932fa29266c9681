"""Starting `acl serve` for tests: in-process (a Server on its own event loop
in a thread, so that tests talk to it over real sockets) or as a
subprocess (signals, crashes)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]


class InProcess:
    """``with InProcess(state) as srv:`` serves on srv.port until the block ends."""

    def __init__(self, state: Any, **kw: Any) -> None:
        from acl.serve.daemon import Server

        self.server = Server(state, **kw)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> "InProcess":
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        self.port = self.server.bound[0][1]
        return self

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the server's loop (its state is not thread-safe)."""
        async def go() -> Any:
            return fn()
        return asyncio.run_coroutine_threadsafe(go(), self.loop).result(10)

    def wait_idle(self, timeout: float = 10) -> None:
        """Until no session is open and no delivery is queued."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.call(lambda: not self.server.sessions and self.server.to_deliver.empty()):
                time.sleep(0.1)  # a delivery may be running in its thread
                if self.call(lambda: not self.server.sessions and self.server.to_deliver.empty()):
                    return
            time.sleep(0.02)

    def __exit__(self, *exc: Any) -> None:
        fut = asyncio.run_coroutine_threadsafe(self.server.shutdown("test over"), self.loop)
        fut.result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def state_for(conf: Path, spool: Path, defines: dict[str, str] | None = None) -> Any:
    from acl.serve.daemon import load_state

    st = load_state(str(conf), defines or {}, ["127.0.0.1:0"], True)
    st.spool_directory = str(spool)
    if st.log_template is None or not st.log_template.startswith("/"):
        st.log_template = str(spool / "mainlog")
    return st


def converse(port: int, data: bytes, timeout: float = 10, host: str = "127.0.0.1") -> bytes:
    """Send everything, half-close, read until the server closes."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        out = b""
        while True:
            try:
                got = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not got:
                break
            out += got
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Subprocess:
    """`acl serve --foreground` as its own process."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.cwd = cwd
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, port: int, timeout: float = 20) -> "Subprocess":
        self.proc = subprocess.Popen([sys.executable, "-m", "acl", "serve", "--foreground", *self.args],
                                     cwd=self.cwd, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.recv(512)
                    s.sendall(b"QUIT\r\n")
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(self.proc.stderr.read().decode())  # type: ignore[union-attr]
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.output = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.output = self.proc.communicate()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no chance to tidy anything."""
        assert self.proc is not None
        self.proc.kill()
        self.output = self.proc.communicate()
