"""Threads named in the kernel as in Python (top -H, /proc/PID/task, the
benchmark's CPU by thread): Python 3.11 names only its own thread object."""

from __future__ import annotations

import ctypes
import threading

_PR_SET_NAME = 15


def kernel_name() -> None:
    """Give the calling thread's Python name (its first 15 bytes) to the kernel."""
    try:
        ctypes.CDLL(None).prctl(_PR_SET_NAME, threading.current_thread().name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the names stay Python's own
        pass
