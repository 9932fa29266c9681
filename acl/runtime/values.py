"""Run-time values. Taint is carried by the value's type, as Jinja's ``Markup``
carries its 'safe' bit: a :class:`TaintedStr` came (directly or by derivation)
from the remote side and may never name a file or a command (Exim 4.94+)."""

from __future__ import annotations

from typing import Iterable


class TaintedStr(str):
    """A string derived from remote-controlled data."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"TaintedStr({str.__repr__(self)})"


def is_tainted(s: object) -> bool:
    return type(s) is TaintedStr


def taint(s: str) -> TaintedStr:
    return s if type(s) is TaintedStr else TaintedStr(s)  # type: ignore[return-value]


def untaint(s: str) -> str:
    return str.__str__(s) if type(s) is TaintedStr else s


def like(result: str, *sources: object) -> str:
    """``result``, tainted if any of ``sources`` is tainted."""
    for s in sources:
        if type(s) is TaintedStr:
            return TaintedStr(result)
    return result


def join(parts: Iterable[str]) -> str:
    """Concatenate; the result is tainted if any part is."""
    parts = list(parts)
    out = "".join(parts)
    for p in parts:
        if type(p) is TaintedStr:
            return TaintedStr(out)
    return out
