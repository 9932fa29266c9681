"""One table per kind of built-in. Adding a built-in touches one place: its
decorator call. The linter, the docs (``acl doc``) and REPL completion read these
tables; the expansion evaluator dispatches through them.

Conventions
-----------
Operators (``${name:subject}``, ``${name_N_M:subject}``)
    ``func(subject: str, *params: str) -> str``; with ``ctx=True`` the context
    comes first: ``func(ctx, subject, *params)``. ``params`` are the ``_N`` suffixes
    as strings (``${substr_1_2:x}`` calls ``substr("x", "1", "2")``). Taint is
    propagated by the caller (a tainted subject gives a tainted result); raise
    :class:`acl.errors.ExpansionError` with Exim's exact wording on error.
Conditions (``${if name{a}{b}...}``)
    ``func(ctx, *args: str) -> bool`` with ``nargs`` already-expanded arguments.
    The combinators (``and``, ``or``, ``!``, ``forall``, ``forany``, ``def:``) are
    part of the evaluator, not of this table.
Items (``${name{arg}{arg}...}``)
    ``func(ctx, call: ItemCall) -> str``. Arguments are *not* expanded in advance:
    ``call.args[i].expand(ctx)`` expands one when the item needs it (``${reduce}``,
    ``${map}`` and yes/no strings are expanded per use, with ``$item``/``$value``
    bound). ``call.yes_no(ctx, found, value, first)`` implements the shared
    ``{yes}{no}`` / ``fail`` tail. ``${if}`` and ``${lookup}`` have their own syntax
    and live in the evaluator.
Variables (``$name``)
    ``getter(ctx) -> str | None``; None means unset (expands to empty).
    ``tainted=True`` marks values that come from the remote side.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    name: str
    func: Callable[..., str]
    params: tuple[int, int] = (0, 0)  # min/max count of _N suffix parameters
    ctx: bool = False
    pure: bool = True  # may be folded at compile time when the subject is constant
    aliases: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True, slots=True)
class ConditionSpec:
    name: str
    func: Callable[..., bool]
    nargs: int = 2
    min_args: int | None = None  # for conditions with optional trailing args
    doc: str = ""


@dataclass(frozen=True, slots=True)
class VariableSpec:
    name: str
    getter: Callable[[Any], str | None] | None = None
    tainted: bool = False
    prefix: bool = False  # name is a prefix (e.g. "acl_c", "h_") rather than a whole name
    doc: str = ""


class ItemArg(Protocol):
    """One ``{...}`` argument of an item, parsed but not yet expanded."""

    raw: str  # the source text between the braces
    span: Any  # acl.source.Span of the argument

    def expand(self, ctx: Any) -> str: ...


class ItemCall(Protocol):
    name: str
    options: list[str]  # after a comma: ${run,preexpand{...}} -> ["preexpand"]
    words: list[str]  # bare words before the first brace: ${extract json{..}} -> ["json"]
    args: list[ItemArg]  # the brace arguments in order
    fail: bool  # the literal word ``fail`` stands where the "no" string would
    span: Any

    def yes_no(self, ctx: Any, found: bool, value: str | None, first: int) -> str:
        """Shared tail of items with optional ``{yes}{no}`` strings at args[first:].

        With no yes/no strings: ``value`` if found, else "". With a yes string, it is
        expanded with ``$value`` bound to ``value``; the no string (or "") when not
        found; ``fail`` raises ForcedFail with Exim's wording."""
        ...

    def error(self, message: str) -> Exception:
        """An ExpansionError carrying this item's span."""
        ...


@dataclass(frozen=True, slots=True)
class ItemSpec:
    name: str
    func: Callable[..., str]
    args: tuple[int, int] = (1, 1)  # min/max brace arguments (including yes/no strings)
    ctx: bool = True
    doc: str = ""


@dataclass
class Registry:
    operators: dict[str, OperatorSpec] = field(default_factory=dict)
    conditions: dict[str, ConditionSpec] = field(default_factory=dict)
    variables: dict[str, VariableSpec] = field(default_factory=dict)
    items: dict[str, ItemSpec] = field(default_factory=dict)

    def table(self, kind: str) -> dict[str, Any]:
        """The table ``kind`` itself, as registration writes to it (never loads)."""
        return self.__dict__[kind]  # type: ignore[no-any-return]

    def item(self, name: str, *, args: tuple[int, int] = (1, 1), doc: str = "") -> Callable[[F], F]:
        def deco(func: F) -> F:
            self.table("items")[name] = ItemSpec(name, func, args, True, doc or (func.__doc__ or "").strip())
            return func

        return deco

    def operator(
        self,
        name: str,
        *,
        params: tuple[int, int] = (0, 0),
        ctx: bool = False,
        pure: bool = True,
        aliases: tuple[str, ...] = (),
        doc: str = "",
    ) -> Callable[[F], F]:
        def deco(func: F) -> F:
            spec = OperatorSpec(name, func, params, ctx, pure, aliases, doc or (func.__doc__ or "").strip())
            table = self.table("operators")
            table[name] = spec
            for alias in aliases:
                table[alias] = spec
            return func

        return deco

    def condition(
        self, name: str, *, nargs: int = 2, min_args: int | None = None, doc: str = ""
    ) -> Callable[[F], F]:
        def deco(func: F) -> F:
            self.table("conditions")[name] = ConditionSpec(name, func, nargs, min_args, doc or (func.__doc__ or "").strip())
            return func

        return deco

    def variable(
        self, name: str, *, tainted: bool = False, prefix: bool = False, doc: str = ""
    ) -> Callable[[F], F]:
        def deco(func: F) -> F:
            self.table("variables")[name] = VariableSpec(name, func, tainted, prefix, doc or (func.__doc__ or "").strip())
            return func

        return deco

    def plain_variable(self, name: str, *, tainted: bool = False, doc: str = "") -> None:
        """A variable whose value is simply ``ctx.variables.get(name)``."""
        self.table("variables")[name] = VariableSpec(name, None, tainted, False, doc)


TABLES = ("operators", "conditions", "variables", "items")


class LazyRegistry(Registry):
    """The shared registry: a table's modules are imported the first time the
    table is read (``acl expand x`` needs none of them), through ``loaders``
    (kind -> function that imports what registers into that kind)."""

    def __init__(self, loaders: dict[str, Callable[[], None]]) -> None:
        super().__init__()
        self._raw = {k: self.__dict__.pop(k) for k in TABLES}
        self._loaders = loaders
        self._lock = threading.RLock()
        self._loading: set[str] = set()

    def table(self, kind: str) -> dict[str, Any]:
        return self._raw[kind]  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:  # only for attributes not yet set
        raw = self.__dict__.get("_raw")
        if raw is None or name not in raw:
            raise AttributeError(name)
        with self._lock:  # another thread waits until the table is complete
            if name in self.__dict__ or name in self._loading:  # done, or read by a module it imports
                return raw[name]
            self._loading.add(name)
            try:
                self._loaders[name]()
            finally:
                self._loading.discard(name)
            self.__dict__[name] = raw[name]  # from now on a plain attribute
        return raw[name]


def _loader(kind: str) -> Callable[[], None]:
    def load() -> None:
        from acl.builtins import load_table

        load_table(kind)

    return load


REGISTRY: Registry = LazyRegistry({k: _loader(k) for k in TABLES})
operator = REGISTRY.operator
condition = REGISTRY.condition
variable = REGISTRY.variable
item = REGISTRY.item
plain_variable = REGISTRY.plain_variable
