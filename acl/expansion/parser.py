"""Expansion strings -> :mod:`acl.expansion.nodes`, through the Lark grammar
``grammar/expansion.lark``. The nodes are built by an inline transformer while
the LALR parser reduces (no parse tree is built); Lark failures are translated
into Exim's messages by :mod:`acl.expansion.parse_errors`."""

from __future__ import annotations

import re
import threading
from typing import Any, Callable

from lark import Lark, Token
from lark.exceptions import UnexpectedInput

from acl.errors import ExpansionSyntaxError
from acl.expansion import nodes as N
from acl.expansion.parse_errors import translate
from acl.expansion.syntax import COND_ARGS, ITEM_NAMES, item_error, ordinal
from acl.resources import grammar_text, lark_cache_path
from acl.source import Span

try:  # the compiled LALR loop, about twice as fast; errors are re-parsed in Python
    import lark_cython
except ImportError:  # pragma: no cover - optional speed-up
    lark_cython = None

_TOKEN_TYPES: tuple[type, ...] = (Token,) if lark_cython is None else (Token, lark_cython.Token)
_SIMPLE_ESC = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_HEADER_KIND = {"h": "h", "header": "h", "rh": "rh", "rheader": "rh", "bh": "bh",
                "bheader": "bh", "lh": "lh", "lheader": "lh"}
MAX_NESTING = 500  # of items inside items: a bound on the work of one string


def unescape(tok: str) -> str:
    """The character(s) one backslash sequence (ESC or PROTECT token) stands for."""
    c = tok[1]
    if c == "N":
        body = tok[2:]
        return body[:-2] if body.endswith("\\N") else body
    if c in "01234567":
        return _byte(int(tok[1:], 8) & 0xFF)
    if c == "x":
        return _byte(int(tok[2:], 16)) if len(tok) > 2 else "\0"
    return _SIMPLE_ESC.get(c, c)


def _byte(v: int) -> str:
    """One byte as text: bytes above 127 as the surrogate escapes that stand for
    undecodable bytes (written back out as the byte itself)."""
    return chr(v) if v < 0x80 else chr(0xDC00 + v)


_SPANS: dict[tuple[int, int], Span] = {}


def _anon_span(line: int, col: int) -> Span:
    """Spans of strings with no origin, shared (they are immutable) because
    building a frozen dataclass costs about a microsecond."""
    sp = _SPANS.get((line, col))
    if sp is None:
        if len(_SPANS) > 100_000:
            _SPANS.clear()
        sp = _SPANS[(line, col)] = Span("<expansion>", line, col)
    return sp


# ---- values on the parser stack that are not nodes yet


class _Arg:
    """A brace argument: its expansion and where it starts (for messages)."""

    __slots__ = ("exp", "pos", "tok")

    def __init__(self, exp: N.Expansion, tok: Any) -> None:
        self.exp = exp
        self.tok = tok
        self.pos = tok.start_pos


class _Simple:
    """A condition name whose string arguments follow it in the parent rule."""

    __slots__ = ("name", "tok", "span")

    def __init__(self, name: str, tok: Any, span: Span) -> None:
        self.name, self.tok, self.span = name, tok, span


class _Not:
    __slots__ = ("inner", "span")

    def __init__(self, inner: Any, span: Span) -> None:
        self.inner, self.span = inner, span


class _Sub:
    """``{cond args}`` inside and/or, resolved when the combinator is known."""

    __slots__ = ("cond", "tail")

    def __init__(self, cond: Any, tail: list[Any]) -> None:
        self.cond, self.tail = cond, tail


class _Key:
    __slots__ = ("arg",)

    def __init__(self, arg: _Arg) -> None:
        self.arg = arg


def _is_tok(x: Any) -> bool:
    return isinstance(x, _TOKEN_TYPES)


class _Build:
    """The inline transformer: one method per grammar rule, called on reduction.
    Tokens are read through ``.type``/``.value`` only, so that both Lark's and
    lark-cython's tokens work. ``text``/``origin`` are set by :func:`parse`
    under ``_LOCK``."""

    def __init__(self) -> None:
        self.text = ""
        self.origin: Span | None = None

    # ---- positions and messages
    def sp(self, tok: Any) -> Span:
        if self.origin is None:
            sp = _SPANS.get((tok.line, tok.column))
            if sp is not None:
                return sp
        return self.sp_at(tok.line or 1, tok.column or 1)

    def sp_at(self, line: int, col: int) -> Span:
        o = self.origin
        if o is None:
            return _anon_span(line, col)
        return Span(o.file, o.line + line - 1, o.col + col - 1 if line == 1 else col)

    def error(self, msg: str, tok: Any) -> ExpansionSyntaxError:
        return ExpansionSyntaxError(msg, self.sp(tok))

    def remaining(self, x: Any) -> str:
        return self.text[x.pos if type(x) is _Arg else x.start_pos:]

    # ---- sequences
    def parts(self, children: list[Any]) -> tuple[N.Part, ...]:
        parts: list[N.Part] = []
        buf: list[str] = []
        first: Any = None
        for ch in children:
            if isinstance(ch, _TOKEN_TYPES):
                t = ch.type
                if t in _VAR_TOKENS:
                    if t == "DVAR" and ch.value[2:-1] in ITEM_NAMES:  # "${sg}" is the item sg
                        raise self.error(item_error(ch.value[2:-1], 0, "}") or "", ch)
                    ch = _VAR_TOKENS[t](ch, self.sp(ch))
                else:
                    if not buf:
                        first = ch
                    buf.append(unescape(ch.value) if t == "ESC" or t == "PROTECT" else ch.value)
                    continue
            if buf:
                parts.append(N.Text("".join(buf), self.sp(first)))
                buf = []
            parts.append(ch)
        if buf:
            parts.append(N.Text("".join(buf), self.sp(first)))
        return tuple(parts)

    def start(self, c: list[Any]) -> N.Expansion:
        return N.Expansion(self.parts(c[0] if c else c), self.text,
                           _anon_span(1, 1) if self.origin is None else self.origin)

    def content(self, c: list[Any]) -> tuple[N.Part, ...]:
        return self.parts(c[0] if c else c)

    def tparts(self, c: list[Any]) -> list[Any]:
        if len(c) == 1:
            return c
        seq = c[0]
        seq.append(c[1])
        return seq  # type: ignore[no-any-return]

    cparts = tail = tparts

    def arg(self, c: list[Any]) -> _Arg:
        lb = c[0]
        if lb.type == "VARARG":  # "{$name}"
            raw = lb.value[1:-1]
            inner = self.sp(lb)
            var_span = self.sp_at(lb.line, lb.column + 1)
            return _Arg(N.Expansion((N.Var(raw[1:], False, var_span),), raw, inner), lb)
        if lb.type == "LITARG":  # a brace argument of plain text
            raw = lb.value[1:-1]
            if not raw:
                return _Arg(N.Expansion((), raw, self.sp(lb)), lb)
            inner = self.sp(lb)
            if self.origin is None:
                text_span = _anon_span(inner.line, inner.col + 1)
            else:
                text_span = Span(inner.file, inner.line, inner.col + 1)
            return _Arg(N.Expansion((N.Text(raw, text_span),), raw, inner), lb)
        parts = c[1] if len(c) == 3 else ()
        return _Arg(N.Expansion(parts, self.text[lb.end_pos:c[-1].start_pos], self.sp(lb)), lb)

    larg = lcarg = arg

    def list_cond(self, c: list[Any]) -> N.Simple:
        """match_domain & co.: the list is text with its backslashes undone, not
        an expansion (match_ip's list is expanded by the list matcher)."""
        subject = next(x for x in c if type(x) is _Arg)
        raw = c[-1]
        body = raw.value[1:-1]
        value = _ESCAPES.sub(lambda m: unescape(m.group()), body) if "\\" in body else body
        sp = self.sp(raw)
        listarg = N.Expansion((N.Text(value, sp),) if value else (), body, sp)
        return N.Simple(c[0].value, (subject.exp, listarg), self.sp(c[0]))

    # ---- items
    def operator(self, c: list[Any]) -> N.Operator:
        head = c[0]
        sp = self.sp(head)
        if head.type == "OPLIT":  # "${name:plain text}" as one token
            name, _, raw = head.value[2:-1].partition(":")
            if name in ITEM_NAMES:
                raise self.error(item_error(name, 0, ":") or "", head)
            if not raw:
                return N.Operator(name, N.Expansion((), raw, sp), sp)
            inner = self.sp_at(head.line, head.column + len(name) + 3)
            return N.Operator(name, N.Expansion((N.Text(raw, inner),), raw, sp), sp)
        name = head.value[2:-1]
        if name in ITEM_NAMES:  # "${sg:..." is the item sg, not an operator
            raise self.error(item_error(name, 0, ":") or "", head)
        parts = c[1] if len(c) == 3 else ()
        return N.Operator(name, N.Expansion(parts, self.text[head.end_pos:c[-1].start_pos], sp), sp)

    def item(self, c: list[Any]) -> N.Item:
        c = c[:-1] + c[-1]  # the tail's list in line
        head = c[0]
        name = head.value[2:]
        options: list[str] = []
        words: list[str] = []
        args: list[N.Expansion] = []
        fail = False
        for ch in c[1:]:
            if type(ch) is _Arg:
                if fail:
                    raise self.error(
                        "curly-bracket problem in conditional yes/no parsing: did not close with '}'\n"
                        f" remaining string is '{self.remaining(ch)}'", ch.tok)
                args.append(ch.exp)
            elif ch.type == "OPT":
                options.append(ch.value)
            elif ch.type == "WORD":
                words.append(ch.value)
            elif ch.type == "FAIL":
                fail = True
        if name in ITEM_NAMES:
            self.check_item(name, head, [x for x in c if type(x) is _Arg], bool(words))
        elif not args and not words:
            raise self.error(f'"${{{name}" is not a known operator (or a }} is missing in a variable reference)', head)
        return N.Item(name, tuple(args), tuple(options), tuple(words), fail, self.sp(head))

    def check_item(self, name: str, head: Any, args: list[_Arg], json: bool) -> None:
        """Exim's checks of the number of brace arguments of its own items."""
        required = None
        if name == "extract":
            first = args[0].exp.parts if args else ()
            numeric = not json and len(first) == 1 and type(first[0]) is N.Text and _is_number(first[0].value)
            required = 3 if numeric else 2
        if name == "listextract" and args and (len(args) < 2 or len(args) > 4):
            first = args[0].exp.parts
            from acl.expansion.items_core import listextract_index_error

            bad = listextract_index_error(first[0].value if len(first) == 1 and type(first[0]) is N.Text else
                                          "" if not first else "0")
            if bad is not None:
                raise self.error(bad, head)
        remaining = ""
        n = len(args)
        if required is not None or name in ("listextract", "run", "env", "certextract"):
            need = required or {"listextract": 2, "run": 1, "env": 1, "certextract": 2}[name]
            if n > need + 2:
                remaining = self.text[args[need + 2].pos:]
        msg = item_error(name, n, "}", remaining, required)
        if msg is not None:
            raise self.error(msg, head)

    def yes_no(self, tail: list[Any]) -> tuple[N.Expansion | None, N.Expansion | None, bool]:
        yes = no = None
        fail = False
        i = 0
        for a in tail:
            is_arg = type(a) is _Arg
            if not is_arg and a.type != "FAIL":
                continue
            if i == 0:
                if not is_arg:
                    raise self.error(
                        "curly-bracket problem in conditional yes/no parsing: 'yes' part did not start with '{'\n"
                        f" remaining string is '{self.remaining(a)}'", a)
                yes = a.exp
            elif i == 1:
                if is_arg:
                    no = a.exp
                else:
                    fail = True
            else:
                raise self.error(
                    "curly-bracket problem in conditional yes/no parsing: did not close with '}'\n"
                    f" remaining string is '{self.remaining(a)}'", a.tok if is_arg else a)
            i += 1
        return yes, no, fail

    def if_item(self, c: list[Any]) -> N.If:
        i = 1
        while _is_tok(c[i]):
            i += 1
        cond, rest = self.resolve(c[i], c[i + 1] if i + 1 < len(c) else [], "if")
        yes, no, fail = self.yes_no(rest)
        return N.If(cond, yes, no, fail, self.sp(c[0]))

    def lookup_item(self, c: list[Any]) -> N.Lookup:
        key = None
        ltype = ""
        for j in range(1, len(c)):
            ch = c[j]
            if type(ch) is _Key:
                key = ch.arg.exp
            elif type(ch) is _Arg:
                yes, no, fail = self.yes_no(c[j + 1:])
                return N.Lookup(ltype, key, ch.exp, yes, no, fail, self.sp(c[0]))
            elif ch.type == "LTYPE":
                ltype = ch.value
        raise AssertionError("lookup without a source")  # pragma: no cover - the grammar requires one

    def key(self, c: list[Any]) -> _Key:
        return _Key(self.arg([x for x in c if not (_is_tok(x) and x.type == "WS")]))

    def filter_item(self, c: list[Any]) -> N.Filter:
        lst = next(x for x in c if type(x) is _Arg)
        j = next(k for k, x in enumerate(c) if not _is_tok(x) and type(x) is not _Arg)
        return N.Filter(lst.exp, self.full_cond(c[j], c[j + 1:], "filter", ' inside "filter" item'), self.sp(c[0]))

    # ---- conditions
    def simple_cond(self, c: list[Any]) -> _Simple:
        return _Simple(c[0].value, c[0], self.sp(c[0]))

    def not_cond(self, c: list[Any]) -> Any:
        inner = c[-1]
        if type(inner) is _Simple or type(inner) is _Not:
            return _Not(inner, self.sp(c[0]))
        return N.Not(inner, self.sp(c[0]))

    def def_cond(self, c: list[Any]) -> N.Def:
        name = c[1].value
        sp = self.sp(c[0])
        if name[:1] in "hrbl" and "_" in name and name.split("_", 1)[0] in _HEADER_KIND:
            h = header_node(name, sp)
            return N.Def(h.name, h.kind, sp)
        return N.Def(name, None, sp)

    def subcond(self, c: list[Any]) -> _Sub:
        i = 1
        while _is_tok(c[i]):
            i += 1
        return _Sub(c[i], c[i + 1:])

    def andor_cond(self, c: list[Any]) -> N.AndOr:
        op = c[0].value
        subs = tuple(self.full_cond(x.cond, x.tail, op, f' inside "{op}{{...}}" condition') for x in c if type(x) is _Sub)
        return N.AndOr(op, subs, self.sp(c[0]))

    def forall_cond(self, c: list[Any]) -> N.ForAll:
        name = c[0].value
        lst = next(x for x in c if type(x) is _Arg)
        j = next(k for k, x in enumerate(c) if not _is_tok(x) and type(x) is not _Arg)
        cond = self.full_cond(c[j], c[j + 1:], name, f' inside "{name}" condition')
        return N.ForAll(name, lst.exp, cond, self.sp(c[0]))

    def nested_cond(self, c: list[Any]) -> N.Nested:
        return N.Nested(c[0].value, tuple(x.exp for x in c if type(x) is _Arg), self.sp(c[0]))

    def resolve(self, p: Any, tail: list[Any], where: str) -> tuple[N.Cond, list[Any]]:
        """Finish condition ``p``: a simple condition takes its arguments from the
        front of ``tail``. Returns the condition and what is left of the tail."""
        if type(p) is _Not:
            inner, rest = self.resolve(p.inner, tail, where)
            return N.Not(inner, p.span), rest
        if type(p) is not _Simple:
            return p, tail
        name = p.name
        n = COND_ARGS.get(name)
        if n is None:
            if name == "def":
                raise self.error('":" expected after "def"', p.tok)
            raise self.error(f'unknown condition "{name}"', p.tok)
        args: list[N.Expansion] = []
        k = 0
        while len(args) < n:
            while k < len(tail) and type(tail[k]) is not _Arg and tail[k].type == "WS":
                k += 1
            if k >= len(tail) or type(tail[k]) is not _Arg:
                if not args:
                    raise self.error(f'missing {{ after "{name}"', p.tok)
                raise self.error(f'missing {ordinal(len(args) + 1)} string in {{}} after "{name}"', p.tok)
            args.append(tail[k].exp)
            k += 1
        return N.Simple(name, tuple(args), p.span), tail[k:]

    def full_cond(self, p: Any, tail: list[Any], where: str, suffix: str) -> N.Cond:
        try:
            cond, rest = self.resolve(p, tail, where)
        except ExpansionSyntaxError as exc:  # Exim names the enclosing construct
            raise ExpansionSyntaxError(exc.message + suffix, exc.span) from None
        for x in rest:
            if type(x) is _Arg:
                raise self.error(f'missing }} at end of condition inside "{where}"', x.tok)
        return cond


_VAR_TOKENS: dict[str, Callable[[Any, Span], N.Part]] = {
    "VAR": lambda t, sp: N.Var(t.value[1:], False, sp),
    "DVAR": lambda t, sp: N.Var(t.value[2:-1], True, sp),
    "NVAR": lambda t, sp: N.Capture(int(t.value[1:]), sp),
    "BNVAR": lambda t, sp: N.Capture(int(t.value[2:-1]), sp),
    "HVAR": lambda t, sp: header_node(t.value[1:], sp),
}


_ESCAPES = re.compile(r"\\N(?:.*?\\N|.*)|\\(?:[0-7]{1,3}|x[0-9a-fA-F]{0,2}|[^N])", re.S)


def _is_number(s: str) -> bool:
    t = s.strip()
    return t[1:].isdigit() if t[:1] in "+-" else t.isdigit()


def header_node(text: str, sp: Span | None) -> N.Header:
    prefix, _, rest = text.partition("_")
    if rest.endswith(":"):
        rest = rest[:-1]
    return N.Header(_HEADER_KIND[prefix], rest, sp)


# ---- the parsers

_GRAMMAR = grammar_text("expansion.lark")
_OPTIONS: dict[str, Any] = dict(parser="lalr", lexer="contextual", propagate_positions=False,
                                maybe_placeholders=False)
_BUILD = _Build()
_LOCK = threading.Lock()


def _cache_file(kind: str = "") -> str | bool:
    """Where Lark may keep its analysis of the grammar between runs (six times
    faster start-up). The name carries what Lark's own check does not see."""
    import hashlib

    import lark

    tag = hashlib.sha256(f"{_GRAMMAR}{lark.__version__}{lark_cython is not None}".encode()).hexdigest()[:16]
    return lark_cache_path(f"expansion{kind}-{tag}.lark")


_FAST: Lark | None = None  # built on first need: "$name" strings do without it
_PY: Lark | None = None


def _direct() -> Callable[[str], Any]:
    """The LALR parser fed straight from a lexer thread: what ``Lark.parse``
    does, without its checks of the start symbol and input type on each call
    (our input is always an exact str). Falls back to ``Lark.parse`` when this
    Lark's front end is not laid out as expected."""
    try:
        front = _FAST.parser
        lexer, lalr = front.lexer, front.parser
        thread = (front.options and front.options._plugins.get("LexerThread")) or None
        if thread is None:
            from lark.lexer import LexerThread as thread
        from_text = thread.from_text
        (start,) = front.parser_conf.start
    except (AttributeError, ValueError, ImportError):  # pragma: no cover - another Lark
        return _FAST.parse
    return lambda text: lalr.parse(from_text(lexer, text), start)


def _build_fast(text: str) -> Any:
    global _FAST, _parse_fast
    _FAST = Lark(_GRAMMAR, **_OPTIONS, transformer=_BUILD, cache=_cache_file(),
                 **({"_plugins": lark_cython.plugins} if lark_cython is not None else {}))
    _parse_fast = _direct()
    return _parse_fast(text)


_parse_fast: Callable[[str], Any] = _build_fast


# Text and "$name" variables only, on one line: the tokens Lark would give
# (TEXT, VAR; a "$h_..." header or "$1" takes the parser's path).
_PLAIN_VARS = re.compile(r"(?:[^$\\{}\n]|\$(?!(?:r|b|l)?h(?:eader)?_)[A-Za-z][A-Za-z0-9_]*)*")
_VAR = re.compile(r"\$[A-Za-z][A-Za-z0-9_]*")


def _plain_vars(text: str) -> N.Expansion | None:
    """The tree of a string of text and ``$name`` variables, built without the
    parser (as it would build it), or None for any other string."""
    if _PLAIN_VARS.fullmatch(text) is None:
        return None
    parts: list[N.Part] = []
    pos = 0
    for m in _VAR.finditer(text):
        start = m.start()
        if start > pos:
            parts.append(N.Text(text[pos:start], _anon_span(1, pos + 1)))
        parts.append(N.Var(text[start + 1:m.end()], False, _anon_span(1, start + 1)))
        pos = m.end()
    if pos < len(text):
        parts.append(N.Text(text[pos:], _anon_span(1, pos + 1)))
    return N.Expansion(tuple(parts), text, _anon_span(1, 1))


def _python_lark() -> Lark:
    """The pure-Python, tree-building parser, whose exceptions carry the parser
    stack that messages are worked out from (built on first syntax error)."""
    global _PY
    if _PY is None:
        _PY = Lark(_GRAMMAR, **_OPTIONS, cache=_cache_file("-tree"))
    return _PY


def _depth(e: N.Expansion) -> int:
    """Nesting depth of items, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(e, 0)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        for name in getattr(node, "__slots__", ()):
            v = getattr(node, name)
            if isinstance(v, tuple):
                stack.extend((x, d + 1) for x in v if hasattr(x, "__slots__"))
            elif hasattr(v, "__slots__") and not isinstance(v, Span):
                stack.append((v, d + 1))
    return deepest // 2


def parse(text: str, *, origin: Span | None = None) -> N.Expansion:
    """Parse ``text`` into an :class:`~acl.expansion.nodes.Expansion`."""
    if type(text) is not str:  # lark-cython takes exact str only
        text = str.__str__(text)
    if origin is None and "{" not in text:
        plain = _plain_vars(text)
        if plain is not None:
            return plain
    with _LOCK:
        _BUILD.text, _BUILD.origin = text, origin
        try:
            tree: N.Expansion = _parse_fast(text)
        except UnexpectedInput as exc:
            try:
                _python_lark().parse(text)
            except UnexpectedInput as exc2:  # the same failure, with the stack as a tree
                exc = exc2
            raise translate(exc, text, _BUILD.sp_at) from None
    if text.count("${") > MAX_NESTING and _depth(tree) > MAX_NESTING:
        raise ExpansionSyntaxError("expansion nesting too deep", tree.span)
    return tree
