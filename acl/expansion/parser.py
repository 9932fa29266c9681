"""Expansion strings -> :mod:`acl.expansion.nodes`, through the Lark grammar
``grammar/expansion.lark``. Lark failures are translated into Exim's own
messages by looking at what was open on the parser's stack."""

from __future__ import annotations

from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from acl.errors import ExpansionSyntaxError
from acl.expansion import nodes as N
from acl.expansion.syntax import COND_ARGS, ordinal
from acl.resources import grammar_text
from acl.source import Span

_GRAMMAR = grammar_text("expansion.lark")
_OPTIONS: dict[str, Any] = dict(
    parser="lalr",
    lexer="contextual",
    propagate_positions=False,  # positions come from tokens: 2x faster parses
    maybe_placeholders=False,
)

try:  # the compiled LALR loop, about twice as fast; errors are re-parsed in Python
    import lark_cython
except ImportError:  # pragma: no cover - optional speed-up
    lark_cython = None


def _make(plugins: Any = None) -> Lark:
    return Lark(_GRAMMAR, **_OPTIONS, **({"_plugins": plugins} if plugins else {}))


_FAST = _make(lark_cython.plugins if lark_cython is not None else None)
_PY: Lark | None = None if lark_cython is not None else _FAST


def _python_lark() -> Lark:
    """The pure-Python parser, whose exceptions carry the parser stack that the
    error messages are worked out from (built on first syntax error)."""
    global _PY
    if _PY is None:
        _PY = _make()
    return _PY


_SIMPLE_ESC = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_HEADER_KIND = {"h": "h", "header": "h", "rh": "rh", "rheader": "rh", "bh": "bh",
                "bheader": "bh", "lh": "lh", "lheader": "lh"}
_EMPTY = Tree("content", [])


def unescape(tok: str) -> str:
    """The character(s) one backslash sequence (ESC or PROTECT token) stands for."""
    c = tok[1]
    if c == "N":
        body = tok[2:]
        return body[:-2] if body.endswith("\\N") else body
    if c in "01234567":
        return chr(int(tok[1:], 8) & 0xFF)
    if c == "x":
        return chr(int(tok[2:], 16)) if len(tok) > 2 else "\0"
    return _SIMPLE_ESC.get(c, c)


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


def _tree_content(children: list[Any]) -> list[Any]:
    for ch in children:
        if isinstance(ch, Tree) and ch.data == "content":
            return ch.children
    return []


class _Builder:
    """Lark tree -> nodes. Tokens are read through ``.type``/``.value`` only, so
    that both Lark's and lark-cython's tokens work."""

    def __init__(self, text: str, origin: Span | None) -> None:
        self.text = text
        self.origin = origin

    # ---- positions
    def span_at(self, line: int, col: int) -> Span:
        o = self.origin
        if o is None:
            return _anon_span(line, col)
        return Span(o.file, o.line + line - 1, o.col + col - 1 if line == 1 else col)

    def tspan(self, t: Any) -> Span | None:
        if isinstance(t, Tree):
            t = _first_token(t)
            if t is None:
                return None
        return self.span_at(t.line or 1, t.column or 1)

    def error(self, msg: str, at: Any = None) -> ExpansionSyntaxError:
        return ExpansionSyntaxError(msg, self.tspan(at) if at is not None else None)

    def remaining(self, t: Any) -> str:
        tok = _first_token(t) if isinstance(t, Tree) else t
        pos = tok.start_pos if tok is not None else len(self.text)
        return self.text[pos:]

    # ---- sequences
    def expansion(self, children: list[Any], raw: str, span: Span | None) -> N.Expansion:
        parts: list[N.Part] = []
        buf: list[str] = []
        buf_tok: Any = None
        for ch in children:
            if not isinstance(ch, Tree):
                t = ch.type
                s = unescape(ch.value) if t == "ESC" or t == "PROTECT" else ch.value
                if not buf:
                    buf_tok = ch
                buf.append(s)
                continue
            if buf:
                parts.append(N.Text("".join(buf), self.tspan(buf_tok)))
                buf = []
            parts.append(self.part(ch))
        if buf:
            parts.append(N.Text("".join(buf), self.tspan(buf_tok)))
        return N.Expansion(tuple(parts), raw, span)

    def arg(self, t: Tree) -> N.Expansion:
        c = t.children
        lb = c[0]
        sp = self.tspan(lb)
        if lb.type == "LITARG":  # a brace argument of plain text
            raw = lb.value[1:-1]
            if not raw:
                return N.Expansion((), raw, sp)
            return N.Expansion((N.Text(raw, self.span_at(lb.line or 1, (lb.column or 1) + 1)),), raw, sp)
        end = c[-1].start_pos
        return self.expansion(_tree_content(c), self.text[lb.end_pos:end], sp)

    # ---- parts
    def part(self, t: Tree) -> N.Part:
        kind = t.data
        c = t.children
        tok = c[0]
        sp = self.tspan(tok)
        if kind == "var":
            return N.Var(tok.value[1:], False, sp)
        if kind == "dvar":
            return N.Var(tok.value[2:-1], True, sp)
        if kind == "nvar":
            v = tok.value
            return N.Capture(int(v[2:-1] if v[1] == "{" else v[1:]), sp)
        if kind == "hvar":
            return header_node(tok.value[1:], sp)
        if kind == "operator":
            raw = self.text[tok.end_pos:c[-1].start_pos]
            return N.Operator(tok.value[2:-1], self.expansion(_tree_content(c), raw, sp), sp)
        if kind == "item":
            return self.item(t, sp)
        if kind == "if_item":
            return self.if_item(t, sp)
        if kind == "lookup_item":
            return self.lookup_item(t, sp)
        if kind == "filter_item":
            trees = [x for x in c if isinstance(x, Tree)]
            j = c.index(trees[1])
            cond = self.full_cond(trees[1], list(c[j + 1:]), "filter")
            return N.Filter(self.arg(trees[0]), cond, sp)
        raise AssertionError(kind)  # pragma: no cover - grammar and builder out of step

    def item(self, t: Tree, sp: Span | None) -> N.Item:
        c = t.children
        name = c[0].value[2:]
        options: list[str] = []
        words: list[str] = []
        args: list[N.Expansion] = []
        fail = False
        for ch in c[1:]:
            if isinstance(ch, Tree):
                if fail:
                    raise self.error(
                        "curly-bracket problem in conditional yes/no parsing: did not close with '}'\n"
                        f" remaining string is '{self.remaining(ch)}'", ch)
                args.append(self.arg(ch))
            elif ch.type == "OPT":
                options.append(ch.value)
            elif ch.type == "WORD":
                words.append(ch.value)
            elif ch.type == "FAIL":
                fail = True
        if not args and not words:
            raise self.error(f'"${{{name}" is not a known operator (or a }} is missing in a variable reference)', t)
        return N.Item(name, tuple(args), tuple(options), tuple(words), fail, sp)

    def yes_no(self, tail: list[Any]) -> tuple[N.Expansion | None, N.Expansion | None, bool]:
        args = [x for x in tail if isinstance(x, Tree) or x.type == "FAIL"]
        yes = no = None
        fail = False
        for i, a in enumerate(args):
            if i == 0:
                if not isinstance(a, Tree):
                    raise self.error(
                        "curly-bracket problem in conditional yes/no parsing: 'yes' part did not start with '{'\n"
                        f" remaining string is '{self.remaining(a)}'", a)
                yes = self.arg(a)
            elif i == 1:
                if isinstance(a, Tree):
                    no = self.arg(a)
                else:
                    fail = True
            else:
                raise self.error(
                    "curly-bracket problem in conditional yes/no parsing: did not close with '}'\n"
                    f" remaining string is '{self.remaining(a)}'", a)
        return yes, no, fail

    def if_item(self, t: Tree, sp: Span | None) -> N.If:
        c = t.children
        i = 1
        while not isinstance(c[i], Tree) or c[i].data == "arg":
            i += 1
        cond, rest = self.cond(c[i], list(c[i + 1:]), "if")
        yes, no, fail = self.yes_no(rest)
        return N.If(cond, yes, no, fail, sp)

    def lookup_item(self, t: Tree, sp: Span | None) -> N.Lookup:
        c = t.children
        key = None
        ltype = ""
        rest: list[Any] = []
        source = None
        for j, ch in enumerate(c[1:], 1):
            if isinstance(ch, Tree) and ch.data == "key":
                kc = [x for x in ch.children if not (not isinstance(x, Tree) and x.type == "WS")]
                key = self.arg(Tree("arg", kc))
            elif not isinstance(ch, Tree) and ch.type == "LTYPE":
                ltype = ch.value
            elif isinstance(ch, Tree) and source is None:
                source = self.arg(ch)
                rest = list(c[j + 1:])
                break
        yes, no, fail = self.yes_no(rest)
        assert source is not None
        return N.Lookup(ltype, key, source, yes, no, fail, sp)

    # ---- conditions
    def cond(self, t: Tree, tail: list[Any], where: str) -> tuple[N.Cond, list[Any]]:
        """Build condition ``t``; a simple condition takes its arguments from the
        front of ``tail``. Returns the condition and what is left of the tail."""
        kind = t.data
        c = t.children
        sp = self.tspan(t)
        if kind == "simple_cond":
            name = c[0].value
            n = COND_ARGS.get(name)
            if n is None:
                if where.startswith("for"):
                    raise self.error(f'unknown condition "{name}" inside "{where}" condition', t)
                raise self.error(f'unknown condition "{name}"', t)
            args: list[N.Expansion] = []
            k = 0
            while len(args) < n:
                while k < len(tail) and not isinstance(tail[k], Tree) and tail[k].type == "WS":
                    k += 1
                if k >= len(tail) or not isinstance(tail[k], Tree):
                    if not args:
                        raise self.error(f'missing {{ after "{name}"', t)
                    raise self.error(f'missing {ordinal(len(args) + 1)} string in {{}} after "{name}"', t)
                args.append(self.arg(tail[k]))
                k += 1
            return N.Simple(name, tuple(args), sp), tail[k:]
        if kind == "not_cond":
            inner, rest = self.cond(c[-1], tail, where)
            return N.Not(inner, sp), rest
        if kind == "def_cond":
            name = c[1].value
            if name[:1] in "hrbl" and "_" in name and name.split("_", 1)[0] in _HEADER_KIND:
                h = header_node(name, sp)
                return N.Def(h.name, h.kind, sp), tail
            return N.Def(name, None, sp), tail
        if kind == "andor_cond":
            op = c[0].value
            subs = []
            for sc in c:
                if isinstance(sc, Tree) and sc.data == "subcond":
                    subs.append(self.subcond(sc, op))
            return N.AndOr(op, tuple(subs), sp), tail
        if kind == "forall_cond":
            name = c[0].value
            trees = [x for x in c[1:] if isinstance(x, Tree)]
            lst = self.arg(trees[0])
            j = c.index(trees[1])
            inner = self.full_cond(trees[1], list(c[j + 1:]), name)
            return N.ForAll(name, lst, inner, sp), tail
        if kind == "nested_cond":
            return N.Nested(c[0].value, tuple(self.arg(x) for x in c if isinstance(x, Tree)), sp), tail
        raise AssertionError(kind)  # pragma: no cover

    def full_cond(self, t: Tree, tail: list[Any], where: str) -> N.Cond:
        cond, rest = self.cond(t, tail, where)
        for x in rest:
            if isinstance(x, Tree):
                raise self.error(f'missing }} at end of condition inside "{where}"', x)
        return cond

    def subcond(self, t: Tree, op: str) -> N.Cond:
        c = [x for x in t.children if isinstance(x, Tree) or x.type != "LBRACE"]
        i = next(k for k, x in enumerate(c) if isinstance(x, Tree))
        return self.full_cond(c[i], c[i + 1:], op)


def _first_token(t: Tree) -> Any:
    for ch in t.children:
        if not isinstance(ch, Tree):
            return ch
        tok = _first_token(ch)
        if tok is not None:
            return tok
    return None


def header_node(text: str, sp: Span | None) -> N.Header:
    prefix, _, rest = text.partition("_")
    if rest.endswith(":"):
        rest = rest[:-1]
    return N.Header(_HEADER_KIND[prefix], rest, sp)


# ---- Lark errors -> Exim's messages


def _normalise(values: list[Any]) -> list[Any]:
    """Flatten Lark's helper trees and turn finished ``{content}`` runs that await
    reduction into ``arg`` trees, so that open braces are the only LBRACEs left."""
    flat: list[Any] = []
    for v in values:
        if isinstance(v, Tree) and str(v.data).startswith("_"):
            flat.extend(_normalise(v.children))
        else:
            flat.append(v)
    out: list[Any] = []
    for v in flat:
        if isinstance(v, Token) and v.type == "RBRACE":
            j = len(out) - 1
            if j >= 0 and isinstance(out[j], Tree) and out[j].data == "content":
                j -= 1
            if j >= 0 and isinstance(out[j], Token) and out[j].type == "LBRACE":
                out[j:] = [Tree("arg", out[j:])]
                continue
        if isinstance(v, Token) and v.type == "LITARG":
            v = Tree("arg", [v])
        elif isinstance(v, Tree) and v.data == "larg":
            v = Tree("arg", v.children)
        out.append(v)
    return out


def _translate(exc: UnexpectedInput, text: str, b: _Builder) -> ExpansionSyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream
        found = text[pos:pos + 1]
        at_end = False
    else:
        tok = exc.token if isinstance(exc, UnexpectedToken) else None
        pos = tok.start_pos if tok is not None and tok.type != "$END" else len(text)
        found = str(tok) if tok is not None else ""
        at_end = tok is None or tok.type == "$END"
    ip = getattr(exc, "interactive_parser", None)
    values: list[Any] = _normalise(list(ip.parser_state.value_stack)) if ip is not None else []
    span = b.span_at(getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1)
    allowed = getattr(exc, "allowed", None) or getattr(exc, "expected", None) or set()
    if text[pos:pos + 1] == "$" and "VAR" in allowed:
        if text[pos + 2:pos + 3].isdigit():
            msg = "} expected after number"
        elif text[pos + 1:pos + 2] == "{":
            msg = "letter or digit expected after ${"
        else:
            msg = "$ not followed by letter, digit, or {"
    else:
        msg = _message(values, text, pos, found, at_end)
    return ExpansionSyntaxError(msg, span)


_HEADS = frozenset({"IFHEAD", "LOOKUPHEAD", "FILTERHEAD", "ITEMHEAD"})


def _message(values: list[Any], text: str, pos: int, found: str, at_end: bool) -> str:
    if text[pos:pos + 1] == "\\" and pos == len(text) - 1:
        return "\\ at end of string"
    # the innermost open construct
    for i in range(len(values) - 1, -1, -1):
        v = values[i]
        if not isinstance(v, Token):
            continue
        if v.type == "OPHEAD" or (v.type == "LBRACE" and at_end and _opens_arg(values, i)):
            return "missing } at end of string"
        if v.type not in _HEADS:
            continue
        after = values[i + 1:]
        if v.type == "IFHEAD":
            return _if_message(after, text, pos, found, at_end)
        if v.type == "LOOKUPHEAD":
            if not any(isinstance(x, Token) and x.type == "LTYPE" for x in after):
                if at_end or found == "}":
                    return "missing lookup type"
            elif not any(isinstance(x, Tree) and x.data == "arg" for x in after):
                start = next(x for x in after if isinstance(x, Token) and x.type == "LTYPE").start_pos
                return f'unknown lookup type "{_read_type(text, start)}"'
            return _tail_message(text, pos, at_end)
        if v.type == "ITEMHEAD" and any(isinstance(x, Tree) for x in after):
            return _tail_message(text, pos, False)
        return f'"{v}" is not a known operator (or a }} is missing in a variable reference)'
    return "missing } at end of string" if at_end else f"syntax error at {found!r}"


_COND_TOKENS = frozenset({"CNAME", "NOT", "DEF", "AND", "OR", "ACL", "SASLAUTHD", "FORALL", "FORANY",
                          "FORALL_JSON", "FORANY_JSON", "FORALL_JSONS", "FORANY_JSONS"})


def _opens_arg(values: list[Any], i: int) -> bool:
    """Whether the open brace at ``values[i]`` starts a string (not a condition)."""
    nxt = next((x for x in values[i + 1:] if not (isinstance(x, Token) and x.type == "WS")), None)
    if nxt is not None:
        if isinstance(nxt, Token):
            return nxt.type not in _COND_TOKENS and nxt.type not in ("LBRACE", "RBRACE")
        return not (str(nxt.data).endswith("cond") or nxt.data == "subcond")
    before = [x for x in values[:i] if not (isinstance(x, Token) and x.type == "WS")]
    prev = before[-1] if before else None
    if isinstance(prev, Token):
        return prev.type not in ("AND", "OR", "LBRACE")
    if isinstance(prev, Tree) and prev.data == "subcond":
        return False
    if isinstance(prev, Tree) and prev.data == "arg" and len(before) >= 2:
        pp = before[-2]
        return not (isinstance(pp, Token) and pp.type.startswith("FOR"))
    return True


def _read_type(text: str, start: int) -> str:
    end = start
    while end < len(text) and text[end] not in "{ \t\n":
        end += 1
    return text[start:end]


def _tail_message(text: str, pos: int, at_end: bool) -> str:
    if at_end:
        return "missing } at end of string"
    return ("curly-bracket problem in conditional yes/no parsing: 'yes' part did not start with '{'\n"
            f" remaining string is '{text[pos:]}'")


def _if_message(after: list[Any], text: str, pos: int, found: str, at_end: bool) -> str:
    toks = [x for x in after if isinstance(x, Token) and x.type != "WS"]
    if toks and toks[-1].type == "DEF":
        return 'variable name omitted after "def:"'
    for j in range(len(after) - 1, -1, -1):
        x = after[j]
        if isinstance(x, Token) and x.type in ("AND", "OR"):
            rest = [y for y in after[j + 1:] if not (isinstance(y, Token) and y.type == "WS")]
            if not rest:
                return f'missing {{ after "{x}"'
            if all(isinstance(y, Tree) and y.data == "subcond" for y in rest[1:]):
                return f'each subcondition inside an "{x}{{...}}" condition must be in its own {{}}'
            break
        if isinstance(x, Token) and x.type.startswith("FOR"):
            rest = [y for y in after[j + 1:] if not (isinstance(y, Token) and y.type == "WS")]
            if len(rest) <= 1:
                return f'missing {{ after "{x}"'
            break
    trees = [x for x in after if isinstance(x, Tree)]
    if not trees or (toks and toks[-1].type in ("LBRACE", "NOT")):
        where = ""
        for x in reversed(toks):
            if x.type in ("AND", "OR"):
                where = f' inside "{x}{{...}}" condition'
                break
            if x.type.startswith("FOR"):
                where = f' inside "{x}" condition'
                break
        return f'condition name expected, but found "{"" if at_end else found[:1]}"{where}'
    cond = trees[0]
    nargs = sum(1 for x in trees[1:] if x.data == "arg")
    if cond.data == "simple_cond":
        name = str(cond.children[0])
        n = COND_ARGS.get(name)
        if n is None:
            return f'unknown condition "{name}"'
        if nargs < n:
            if nargs == 0:
                return f'missing {{ after "{name}"'
            return f'missing {ordinal(nargs + 1)} string in {{}} after "{name}"'
        nargs -= n
    remaining = "" if at_end else text[pos:]
    if nargs == 1:
        return 'syntax error in "if" item - "fail" expected'
    if nargs == 0:
        return ("curly-bracket problem in conditional yes/no parsing: 'yes' part did not start with '{'\n"
                f" remaining string is '{remaining}'")
    return ("curly-bracket problem in conditional yes/no parsing: did not close with '}'\n"
            f" remaining string is '{remaining}'")


def parse(text: str, *, origin: Span | None = None) -> N.Expansion:
    """Parse ``text`` into an :class:`~acl.expansion.nodes.Expansion`."""
    b = _Builder(text, origin)
    try:
        tree = _FAST.parse(text)
    except UnexpectedInput as exc:
        if _FAST is not _PY:
            try:
                _python_lark().parse(text)
            except UnexpectedInput as exc2:
                exc = exc2
        raise _translate(exc, text, b) from None
    try:
        return b.expansion(tree.children, text, b.span_at(1, 1))
    except RecursionError:
        raise ExpansionSyntaxError("expansion nesting too deep", b.span_at(1, 1)) from None
