"""The syntax tree of an expansion string: immutable, comparable (spans are
ignored by equality), built from the Lark tree by :mod:`acl.expansion.parser`."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Union

from acl.source import Span


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Text:
    value: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Var:
    """``$name`` (braced=False) or ``${name}`` (braced=True)."""

    name: str
    braced: bool = False
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Capture:
    """``$1`` / ``${1}``: a numeric variable from the last regex match."""

    number: int
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Header:
    """``$h_name:`` and friends; ``kind`` is one of h, rh, bh, lh."""

    kind: str
    name: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Expansion:
    """A sequence of parts: the whole string, or the inside of a brace argument."""

    parts: tuple["Part", ...]
    raw: str = field(default="", compare=False)
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    subject: Expansion
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Item:
    """A generic ``${name{arg}...}`` item; ``fail`` is the literal word in the tail."""

    name: str
    args: tuple[Expansion, ...]
    options: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    fail: bool = False
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class If:
    cond: "Cond"
    yes: Expansion | None
    no: Expansion | None
    fail: bool = False
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Lookup:
    type: str
    key: Expansion | None  # None for query-style lookups
    source: Expansion
    yes: Expansion | None
    no: Expansion | None
    fail: bool = False
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Filter:
    """``${filter{list}{condition}}``."""

    list: Expansion
    cond: "Cond"
    span: Span | None = _span()


# ---- conditions


@dataclass(frozen=True, slots=True)
class Simple:
    name: str
    args: tuple[Expansion, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Not:
    cond: "Cond"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Def:
    """``def:name`` or ``def:h_name:`` (header=kind, else None)."""

    name: str
    header: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class AndOr:
    op: str  # "and" | "or"
    conds: tuple["Cond", ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class ForAll:
    name: str  # forall, forany, forall_json, ... forany_jsons
    list: Expansion
    cond: "Cond"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Nested:
    """``acl {{name}{arg}...}`` and ``saslauthd {{user}{pw}...}``."""

    name: str
    args: tuple[Expansion, ...]
    span: Span | None = _span()


Part = Union[Text, Var, Capture, Header, Operator, Item, If, Lookup, Filter]
Cond = Union[Simple, Not, Def, AndOr, ForAll, Nested]


def _fast_init(cls: type) -> None:
    """Give a frozen node class an ``__init__`` that stores through the slot
    descriptors: the generated one goes through ``object.__setattr__`` per
    field, and parsing builds a dozen nodes per string (twice as slow)."""
    fs = fields(cls)
    params = ", ".join(f.name if f.default is MISSING else f"{f.name}=_d[{i}]" for i, f in enumerate(fs))
    body = "".join(f"\n        _s[{i}](self, {f.name})" for i, f in enumerate(fs))
    src = f"def make(_s, _d):\n    def __init__(self, {params}):{body}\n    return __init__\n"
    ns: dict[str, Any] = {}
    exec(src, ns)  # noqa: S102 - source built above from the field names only
    setters = tuple(getattr(cls, f.name).__set__ for f in fs)
    init = ns["make"](setters, tuple(f.default for f in fs))
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]


for _cls in (Text, Var, Capture, Header, Expansion, Operator, Item, If, Lookup, Filter, Simple, Not, Def,
             AndOr, ForAll, Nested):
    _fast_init(_cls)
