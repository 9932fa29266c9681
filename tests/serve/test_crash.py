"""Nothing acknowledged is lost, nothing is delivered twice: a stream of
sessions runs while the server is killed with SIGKILL at random moments and
restarted; at the end every message that got its 250 is in the Maildir
exactly once, and no message is there twice."""

from __future__ import annotations

import random
import re
import socket
import threading
import time
from pathlib import Path

from tests.serve.support import Subprocess, free_port

KILLS = 4
_ID = re.compile(rb"250 OK id=(\S+)")


def _session(port: int, n: int) -> str | None:
    """One message; its id when the 250 arrived, else None."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            f = s.makefile("rb")
            f.readline()
            s.sendall(b"EHLO c\r\nMAIL FROM:<s@example.com>\r\nRCPT TO:<u1@localhost>\r\n"
                      b"RCPT TO:<u2@localhost>\r\nDATA\r\n")
            for _ in range(64):
                if f.readline().startswith(b"354"):
                    break
            s.sendall(b"Subject: m%d\r\n\r\n" % n + b"x" * 2000 + b"\r\n.\r\n")
            line = f.readline()
            got = _ID.match(line)
            return got.group(1).decode() if got else None
    except OSError:
        return None


def test_sigkill_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    port = free_port()
    state = tmp_path / "state"
    args = ["--state-dir", str(state), "--listen", f"127.0.0.1:{port}"]
    acked: list[str] = []
    stop = threading.Event()

    def client() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            mid = _session(port, n)
            if mid:
                acked.append(mid)
            else:
                time.sleep(0.02)

    rng = random.Random(1234)
    srv = Subprocess(args, cwd=tmp_path).start(port)
    threads = [threading.Thread(target=client) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.2, 0.8))
            srv.kill()
            srv = Subprocess(args, cwd=tmp_path).start(port)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    time.sleep(1.0)  # the restarted server delivers what the killed ones left
    assert srv.stop() == 0
    assert len(acked) > 20, acked
    for user in ("u1", "u2"):
        names = [p.name for p in (state / "mail" / user / "new").iterdir()]
        ids = [re.search(r"\.M(.+)R\d+\.", name).group(1) for name in names]  # type: ignore[union-attr]
        assert len(ids) == len(set(ids)), "a message delivered twice"
        queued = {p.name[:-2] for p in (state / "spool" / "input").glob("*-H")}
        missing = [m for m in acked if m not in ids and m not in queued]
        assert not missing, f"acknowledged but lost: {missing}"
        for name in names:  # each copy is whole
            text = (state / "mail" / user / "new" / name).read_bytes()
            assert text.endswith(b"x" * 2000 + b"\n")
