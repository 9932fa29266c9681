"""A byte buffer read the way Exim reads its spooled mbox file with stdio:
``fgets`` with a size limit, ``getc``/``ungetc``, ``tell``/``seek``. The MIME
walker, the decoders and the ``regex`` condition share one stream and its
position, as Exim shares ``mime_stream``."""

from __future__ import annotations


class Stream:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def getc(self) -> int:
        """The next byte, or -1 at the end (EOF)."""
        if self.pos >= len(self.data):
            return -1
        self.pos += 1
        return self.data[self.pos - 1]

    def ungetc(self) -> None:
        self.pos -= 1

    def fgets(self, size: int) -> bytes | None:
        """At most ``size - 1`` bytes, stopping after a newline; None at EOF."""
        if self.pos >= len(self.data):
            return None
        end = self.data.find(b"\n", self.pos, self.pos + size - 1)
        end = min(self.pos + size - 1, len(self.data)) if end < 0 else end + 1
        line = self.data[self.pos:end]
        self.pos = end
        return line

    def lines(self, size: int, boundary: bytes | None):
        """fgets() lines up to (not including) a line starting with
        ``--boundary``, or to EOF."""
        for _ in range(len(self.data) + 1):  # each line consumes at least a byte
            line = self.fgets(size)
            if line is None or is_boundary(line, boundary):
                return
            yield line


def is_boundary(line: bytes, boundary: bytes | None) -> bool:
    """Exim compares only a prefix: the line starts with ``--`` and the boundary."""
    return boundary is not None and line.startswith(b"--" + boundary)
