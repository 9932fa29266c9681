"""Pieces of the MIME scanner checked alone (values verified with exim -bh:
see tests/mime/cases.py for the sessions they come from)."""

from __future__ import annotations

from acl.mime.decode import base64, quoted_printable
from acl.mime.headers import apply_header, get_header
from acl.mime.stream import Stream


def _header(text: bytes) -> dict:
    found: dict = {}
    apply_header(get_header(Stream(text + b"\n\n")) or b"", found, True)
    return found


def test_header_squeezing() -> None:
    assert get_header(Stream(b"Content-Type: a (c) ; charset = x y\n\n")) == b"Content-Type:a;charset=x y;"
    assert _header(b'Content-Type: "a b" c; charset=x y')["mime_content_type"] == b'"ab"c'
    assert _header(b"Content-Type: a; charset=x\n y")["mime_charset"] == b"xy"


def test_rfc2231_filenames() -> None:
    assert _header(b"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rates.pdf"
                   )["mime_filename"] == "€ rates.pdf".encode()
    # undecodable pieces: Content-Disposition falls back to the raw text
    assert _header(b"Content-Disposition: a; filename*=utf-8''f%2; filename*1=\"x y\""
                   )["mime_filename"] == b"utf-8''f%2x y"
    assert _header(b"Content-Type: t; name*=\"utf-8'en'p8 x\"").get("mime_filename") is None


def test_decoders_keep_exims_quirks() -> None:
    assert base64(Stream(b"QQ\n"), None) == (b"A\0", 0)
    assert base64(Stream(b"QUJD RA==\n=QUJD\n--b\n"), b"b") == (b"ABCDA\x05\t\x0c", 2)
    assert quoted_printable(Stream(b"a=3Db=\t\nc = d=\n=4\n"), None) == (b"a=bc = d=4\n", 1)
