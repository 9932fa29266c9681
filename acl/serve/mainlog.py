"""Exim's main log: ``YYYY-MM-DD HH:MM:SS text`` lines, to the file that
log_file_path names (``%s`` becomes ``main``, ``%D`` the date as YYYYMMDD,
re-evaluated at each line so the file changes at midnight) or to stderr."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import IO


def log_path(template: str, when: time.struct_time) -> str:
    return template.replace("%s", "main").replace("%D", time.strftime("%Y%m%d", when))


class MainLog:
    def __init__(self, template: str | None, clock=time.time, millisec: bool = False) -> None:
        """``template`` None (or ``syslog``, which is not done here): stderr.
        ``millisec`` (log_selector +millisec): the time stamp ends in ``.mmm``."""
        self.template = None if template in (None, "", "syslog") else template
        self.clock = clock
        self.millisec = millisec
        self._lock = threading.Lock()  # delivery threads log too
        self._path: str | None = None
        self._file: IO[bytes] | None = None

    def _target(self, tm: time.struct_time) -> IO[bytes]:
        if self.template is None:
            return sys.stderr.buffer
        path = log_path(self.template, tm)
        if path != self._path or self._file is None:
            if self._file is not None:
                self._file.close()
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            self._file = open(path, "ab", buffering=0)
            self._path = path
        return self._file

    def write(self, text: str) -> None:
        now = self.clock()
        tm = time.localtime(now)
        stamp = time.strftime('%Y-%m-%d %H:%M:%S', tm)
        if self.millisec:
            stamp += f".{int(now * 1000) % 1000:03d}"
        line = f"{stamp} {text}\n"
        data = line.encode("utf-8", "surrogateescape")
        with self._lock:
            try:
                out = self._target(tm)
                out.write(data)
                out.flush()
            except OSError:
                # Logging must not take the server down; stderr is the fallback.
                sys.stderr.buffer.write(data)
                sys.stderr.buffer.flush()

    def reopen(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
            self._file, self._path = None, None

    def close(self) -> None:
        self.reopen()


# Loggers of components that report outages themselves (the Redis store and
# lookup): what they say goes to the main log, where operators look.
FORWARDED_LOGGERS = ("acl.ratelimit.redis", "acl.lookups.redis")


class MainLogHandler(logging.Handler):
    """A logging handler writing WARNING and above to a MainLog."""

    def __init__(self, mainlog: "MainLog") -> None:
        super().__init__(logging.WARNING)
        self.mainlog = mainlog

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.mainlog.write(record.getMessage())
        except Exception:  # a log line must never take a session down
            self.handleError(record)

    def attach(self) -> None:
        for name in FORWARDED_LOGGERS:
            logging.getLogger(name).addHandler(self)

    def detach(self) -> None:
        for name in FORWARDED_LOGGERS:
            logging.getLogger(name).removeHandler(self)
