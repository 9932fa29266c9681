"""Delivery into a Maildir that is idempotent: the file name is fixed by the
message id and the recipient's position, so a delivery repeated after a crash
finds its earlier copy instead of making a second one."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from acl.spool import fsync_dir, write_file

MAX_CUR_SCAN = 1_000_000  # entries of cur/ looked at for an earlier copy


def _host() -> str:
    # '/' and ':' have meanings in Maildir names (RFC-less convention)
    return socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"


def unique_name(received: float, mid: str, index: int) -> str:
    return f"{int(received)}.M{mid}R{index}.{_host()}"


def ensure(maildir: Path) -> None:
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True, mode=0o700)


def already_there(maildir: Path, name: str) -> bool:
    """In new/, or moved to cur/ by a reader (with ``:2,flags`` appended)."""
    if (maildir / "new" / name).exists() or (maildir / "cur" / name).exists():
        return True
    prefix = name + ":"
    try:
        with os.scandir(maildir / "cur") as it:
            for n, entry in enumerate(it):
                if n >= MAX_CUR_SCAN:
                    break
                if entry.name.startswith(prefix):
                    return True
    except FileNotFoundError:
        pass
    return False


def deliver(maildir: Path, name: str, data: bytes) -> bool:
    """Put ``data`` in ``maildir``/new as ``name``: tmp/ first, fsync, then a
    hard link (which refuses to replace), fsync of new/. Returns False when an
    earlier attempt had already delivered it."""
    ensure(maildir)
    if already_there(maildir, name):
        return False
    tmp = maildir / "tmp" / name
    write_file(tmp, data, exclusive=False)
    try:
        os.link(tmp, maildir / "new" / name)
        fresh = True
    except OSError as e:
        if e.errno != errno.EEXIST:
            raise
        fresh = False
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass
    fsync_dir(maildir / "new")
    return fresh
