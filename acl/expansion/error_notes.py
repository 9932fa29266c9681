"""Exim's notes on where a syntax error sits: each enclosing item body (map,
reduce, sort, filter) and condition group (and/or, forall/forany) adds
``inside "..."`` to an error passing out of it, innermost first. Worked out
from the parser's stack at the failure (see parse_errors)."""

from __future__ import annotations

from typing import Any

from lark import Token, Tree

_BODY_ARG = {"map": 1, "reduce": 2}  # sort reads its arguments first: no note
_ARGS = frozenset({"arg", "larg", "lcarg"})


class _Frame:
    __slots__ = ("kind", "name", "nargs", "pending", "listed", "note")

    def __init__(self, kind: str, name: str = "", note: str = "") -> None:
        self.kind, self.name, self.note = kind, name, note
        self.nargs = 0
        self.pending = ""  # "and"/"or" or a forall name, awaiting its braces
        self.listed = False  # the forall's list has been read


def notes(values: list[Any]) -> list[str]:
    """The notes of the constructs open at the end of ``values`` (normalised
    stack), innermost first."""
    frames: list[_Frame] = []
    for v in values:
        top = frames[-1] if frames else None
        if isinstance(v, Tree):
            if v.data in _ARGS and top is not None:
                if top.pending.startswith("for") and not top.listed:
                    top.listed = True
                else:
                    top.nargs += 1
            continue
        t = v.type
        if t == "IFHEAD":
            frames.append(_Frame("if"))
        elif t in ("ITEMHEAD", "FILTERHEAD", "OPHEAD", "LOOKUPHEAD"):
            frames.append(_Frame(t, str(v)[2:].rstrip(":")))
        elif t in ("AND", "OR") or t.startswith("FOR"):
            if top is not None:
                top.pending, top.listed = str(v), False
        elif t == "LBRACE":
            frames.append(_open(top))
        elif t == "RBRACE" and frames:
            frames.pop()
            if frames and frames[-1].kind in ("brace", "ITEMHEAD", "FILTERHEAD"):
                frames[-1].nargs += 1
    return [f.note for f in reversed(frames) if f.note]


def _open(top: _Frame | None) -> _Frame:
    """The frame of a "{" opened with ``top`` the innermost open construct."""
    if top is None:
        return _Frame("brace")
    if top.pending in ("and", "or"):
        name, top.pending = top.pending, ""
        return _Frame("group", name)
    if top.kind == "group":
        return _Frame("sub", top.name, f' inside "{top.name}{{...}}" condition')
    if top.pending.startswith("for"):
        if not top.listed:
            return _Frame("brace")
        name, top.pending = top.pending, ""
        return _Frame("sub", name, f' inside "{name}" condition')
    if top.kind == "ITEMHEAD" and _BODY_ARG.get(top.name) == top.nargs:
        return _Frame("brace", top.name, f' inside "{top.name}" item')
    if top.kind == "FILTERHEAD" and top.nargs >= 1:
        return _Frame("sub", "filter", ' inside "filter" item')
    return _Frame("brace")


def add_notes(msg: str, values: list[Any]) -> str:
    """``msg`` with the notes of the enclosing constructs it lacks."""
    chain = notes(values)
    if not chain:
        return msg
    if msg.endswith(chain[0]):
        return msg + "".join(chain[1:])
    if msg == "missing } at end of string":
        return msg + "".join(chain)
    return msg
