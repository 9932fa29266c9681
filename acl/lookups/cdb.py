"""cdb: D. J. Bernstein's constant database. The file starts with 256 (position,
slot count) pairs of little-endian 32-bit words; a key's hash picks a table and
a starting slot, slots are probed in turn until an empty one. Keys are compared
exactly (case matters), without a terminating zero."""

from __future__ import annotations

import struct
from typing import Any

from acl.errors import ExpansionError
from acl.lookups.base import (
    ENCODING, ERRORS, SINGLE_KEY, Defer, Found, LookupSpec, RawFile, decode, file_memo, strerror,
)

HEADER = 2048
MAX_PROBES = 1 << 20  # a corrupt file must not make us loop for ever


def cdb_hash(key: bytes) -> int:
    h = 5381
    for b in key:
        h = ((h << 5) + h ^ b) & 0xFFFFFFFF
    return h


def open_cdb(ctx: Any, filename: str) -> bytes:
    try:
        with RawFile(filename) as f:
            if f.st.st_size < HEADER:
                raise ExpansionError(f"failed to open {filename} too short for cdb lookup: Success")
            try:
                return f.read(file_memo(ctx))
            except OSError as exc:
                raise ExpansionError(
                    f"failed to open cannot read header from {filename} for cdb lookup: {strerror(exc.errno)}"
                ) from None
    except OSError as exc:
        raise ExpansionError(f"failed to open {filename} for cdb lookup: {strerror(exc.errno)}") from None


def cdb_get(db: bytes, key: bytes) -> bytes | None:
    """The data of the first record with ``key``; Defer on a corrupt file."""
    h = cdb_hash(key)
    tpos, slots = struct.unpack_from("<II", db, (h & 0xFF) * 8)
    if slots == 0:
        return None
    start = (h >> 8) % slots
    for n in range(min(slots, MAX_PROBES)):
        spos = tpos + ((start + n) % slots) * 8
        if spos + 8 > len(db):
            raise Defer("cdb: corrupt file (hash table beyond the end)")
        shash, rpos = struct.unpack_from("<II", db, spos)
        if rpos == 0:
            return None
        if shash != h:
            continue
        if rpos + 8 > len(db):
            raise Defer("cdb: corrupt file (record beyond the end)")
        klen, dlen = struct.unpack_from("<II", db, rpos)
        if rpos + 8 + klen + dlen > len(db):
            raise Defer("cdb: corrupt file (record beyond the end)")
        if db[rpos + 8 : rpos + 8 + klen] == key:
            return db[rpos + 8 + klen : rpos + 8 + klen + dlen]
    return None


def find_cdb(ctx: Any, db: bytes, filename: str | None, key: str, opts: str | None) -> Found:
    data = cdb_get(db, key.encode(ENCODING, ERRORS))
    return Found(None if data is None else decode(data))


def make_cdb(records: list[tuple[bytes, bytes]]) -> bytes:
    """A cdb image holding ``records`` in order (as cdbmake writes it); the tests
    use it to build their data files."""
    body = bytearray()
    tables: list[list[tuple[int, int]]] = [[] for _ in range(256)]
    for k, v in records:
        tables[cdb_hash(k) & 0xFF].append((cdb_hash(k), HEADER + len(body)))
        body += struct.pack("<II", len(k), len(v)) + k + v
    header = bytearray()
    tail = bytearray()
    for entries in tables:
        slots = len(entries) * 2
        header += struct.pack("<II", HEADER + len(body) + len(tail), slots)
        table = [(0, 0)] * slots
        for h, pos in entries:
            i = (h >> 8) % slots
            while table[i][1]:
                i = (i + 1) % slots
            table[i] = (h, pos)
        for h, pos in table:
            tail += struct.pack("<II", h, pos)
    return bytes(header + body + tail)


LOOKUPS = [
    LookupSpec(
        "cdb", SINGLE_KEY, True,
        "Constant database file (cdb format); the key is matched exactly.",
        open_cdb, find_cdb,
    ),
]
