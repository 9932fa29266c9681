"""Decoding the current MIME part as Exim's mime_decode() does: base64,
quoted-printable or as-is (any other encoding), from just after the part's
headers up to the next line starting with ``--boundary`` of the enclosing
multipart. Broken encodings set $mime_anomaly_level/$mime_anomaly_text."""

from __future__ import annotations

from typing import Callable

from acl.mime.stream import Stream

MAX_LINE = 32768  # Exim's MIME_MAX_LINE_LENGTH
ANOMALIES = {1: "Broken Quoted-Printable encoding detected", 2: "Broken BASE64 encoding detected"}

_B64 = {c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_HEX = b"0123456789abcdefABCDEF"

Decoder = Callable[[Stream, bytes | None], tuple[bytes, int]]


def as_is(f: Stream, boundary: bytes | None) -> tuple[bytes, int]:
    return b"".join(f.lines(MAX_LINE, boundary)), 0


def base64(f: Stream, boundary: bytes | None) -> tuple[bytes, int]:
    """Exim's state machine, quirks kept: padding '=' still advances the
    state, bad characters are skipped, the output buffer's first byte carries
    a partial byte over to the next line (or stays stale when none is
    pending), and a pending partial byte is written at the end."""
    out = bytearray()
    obuf = bytearray(MAX_LINE)
    state, anomaly = 0, 0
    for line in f.lines(MAX_LINE, boundary):
        o = 0
        for ch in line:
            if ch in (0x0D, 0x0A, 0):
                break
            if ch == 0x3D:
                state += 1
                continue
            v = _B64.get(ch)
            if v is None:
                anomaly = 2
                continue
            step = state & 3
            state += 1
            if step == 0:
                obuf[o] = (v << 2) & 0xFF
            elif step == 1:
                obuf[o] |= v >> 4
                o += 1
                obuf[o] = (v << 4) & 0xFF
            elif step == 2:
                obuf[o] |= v >> 2
                o += 1
                obuf[o] = (v << 6) & 0xFF
            else:
                obuf[o] |= v
                o += 1
        if o > 0:
            out += obuf[:o]
            if state & 3:
                obuf[0] = obuf[o]
    if state & 3:
        out.append(obuf[0])
    return bytes(out), anomaly


def quoted_printable(f: Stream, boundary: bytes | None) -> tuple[bytes, int]:
    """Soft line breaks join lines; a bad escape is kept as '=' (anomaly)."""
    out = bytearray()
    anomaly = 0
    for line in f.lines(MAX_LINE, boundary):
        i, n = 0, len(line)
        while i < n and line[i] != 0:
            if line[i] != 0x3D:
                out.append(line[i])
                i += 1
                continue
            if i + 2 < n + 1 and line[i + 1:i + 2] and line[i + 1] in _HEX \
                    and line[i + 2:i + 3] and line[i + 2] in _HEX:
                out.append(int(line[i + 1:i + 3], 16))
                i += 3
                continue
            j = i + 1
            while j < n and line[j] in (0x09, 0x20, 0x0D):
                j += 1
            if j < n and line[j] == 0x0A:
                break  # soft line break
            anomaly = 1
            out.append(0x3D)
            i += 1
    return bytes(out), anomaly


def decoder_for(encoding: bytes | None) -> Decoder:
    if encoding == b"base64":
        return base64
    if encoding == b"quoted-printable":
        return quoted_printable
    return as_is
