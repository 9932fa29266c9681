"""Syntax errors: a failure of the pure-Python Lark parser is translated into
Exim's message by looking at what was open on the parser's stack (Exim reports
the first thing it could not read, in its own words)."""

from __future__ import annotations

from typing import Any, Callable

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from acl.errors import ExpansionSyntaxError
from acl.expansion.error_notes import add_notes
from acl.expansion.syntax import COND_ARGS, ITEM_NAMES, item_error, ordinal
from acl.source import Span


_SEQUENCES = frozenset({"tparts", "cparts", "tail"})  # the grammar's list rules: flattened like helpers


def _normalise(values: list[Any]) -> list[Any]:
    """Flatten Lark's helper trees and turn finished ``{content}`` runs that await
    reduction into ``arg`` trees, so that open braces are the only LBRACEs left."""
    flat: list[Any] = []
    for v in values:
        if isinstance(v, Tree) and (str(v.data).startswith("_") or v.data in _SEQUENCES):
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
                out[j:] = [Tree("arg", out[j:] + [v])]
                continue
        if isinstance(v, Token) and v.type in ("LITARG", "VARARG", "RAWARG"):
            v = Tree("arg", [v])
        elif isinstance(v, Tree) and v.data in ("larg", "lcarg"):
            v = Tree("arg", v.children)
        out.append(v)
    return out


def translate(exc: UnexpectedInput, text: str, span_at: Callable[[int, int], Span]) -> ExpansionSyntaxError:
    """Exim's message for a Lark failure of the pure-Python parser."""
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
    span = span_at(getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1)
    allowed = getattr(exc, "allowed", None) or getattr(exc, "expected", None) or set()
    if text[pos:pos + 1] == "$" and "VAR" in allowed:
        if text[pos + 2:pos + 3].isdigit():
            msg = "} expected after number"
        elif text[pos + 1:pos + 2] == "{":
            msg = "letter or digit expected after ${"
        else:
            msg = "$ not followed by letter, digit, or {"
        msg += _where(values)
    elif found == "{" and "RAWARG" in allowed:  # a list (read as plain text) never closed
        msg = "missing } at end of string"
    elif at_end and _unterminated_header(values):
        msg = "missing or misplaced { or } - could be header name not terminated by colon"
    else:
        msg = _prefix_message(values) or _message(values, text, pos, found, at_end)
    msg = add_notes(msg, values)
    if msg == "missing } at end of string" and _braced_header(values):
        msg += " - could be header name not terminated by colon"
    err = ExpansionSyntaxError(msg, span)
    try:
        from acl.expansion.prefix import pieces

        err.prefix = pieces(values, text)  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - the prefix is a refinement; never hide the error
        err.prefix = []  # type: ignore[attr-defined]
    return err


def _where(values: list[Any]) -> str:
    """Exim's note of the condition an error happened in (" inside ...")."""
    for i in range(len(values) - 1, -1, -1):
        v = values[i]
        if isinstance(v, Token) and v.type == "IFHEAD":
            scanned = _scan(values[i + 1:])
            return "" if isinstance(scanned, str) else scanned[0][-1].where()
    return ""


def _unterminated_header(values: list[Any]) -> bool:
    """``def:h_name`` ran to the end of the string: no colon ended the name."""
    for t in _tokens(values):
        if t.type == "DEFNAME" and "_" in t and t.split("_", 1)[0] in _HEADER_PREFIXES and not t.endswith(":"):
            return True
    return False


def _braced_header(values: list[Any]) -> bool:
    """A header variable read a "}" into its name (Exim then suspects a missing colon)."""
    return any(t.type == "HVAR" and "}" in t for t in _tokens(values))


_HEADER_PREFIXES = frozenset({"h", "header", "rh", "rheader", "bh", "bheader", "lh", "lheader"})


def _tokens(values: list[Any]) -> Any:
    for v in values:
        if isinstance(v, Tree):
            yield from _tokens(v.children)
        else:
            yield v


def _prefix_message(values: list[Any]) -> str | None:
    """An error Exim meets in the text before the syntax error: it reads and
    checks as it goes, so those come first."""
    for t in _tokens(values):
        if t.type == "DVAR" and t[2:-1] in ITEM_NAMES:
            return item_error(t[2:-1], 0, "}") or ""
        if t.type == "OPHEAD" and t[2:-1] in ITEM_NAMES:
            return item_error(t[2:-1], 0, ":") or ""
    return None


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
            ltype = next((x for x in after if isinstance(x, Token) and x.type == "LTYPE"), None)
            if ltype is None:
                return "missing lookup type"
            nargs = sum(1 for x in after if isinstance(x, Tree) and x.data == "arg")
            if not nargs:
                return f'unknown lookup type "{_read_type(text, ltype.start_pos)}"'
            msg = item_error("extract", nargs + 1, found[:1], "" if at_end else text[pos:], 2)
            return msg.replace('"extract"', '"lookup"') if msg else _tail_message(text, pos, at_end)
        stop = "" if at_end else text[pos:pos + 1]
        name = v[2:]
        nargs = sum(1 for x in after if isinstance(x, Tree) and x.data in ("arg", "larg"))
        if v.type == "FILTERHEAD" and nargs and any(isinstance(x, Token) and x.type == "LBRACE" for x in after):
            depth = sum(1 if x.type == "LBRACE" else -1 for x in after
                        if isinstance(x, Token) and x.type in ("LBRACE", "RBRACE"))
            bad = _unknown_cond(Tree("filter", [x for x in after if isinstance(x, Tree)]))
            if bad is not None:  # Exim reads the condition before the closing brace
                return f'unknown condition "{bad}" inside "filter" item'
            if depth <= 0:
                return 'missing } at end of "filter"'
            last = next((x for x in reversed(after) if not (isinstance(x, Token) and x.type == "WS")), None)
            if isinstance(last, Token) and last.type == "LBRACE":  # no condition name
                return f'condition name expected, but found "{text[pos:pos + 16]}" inside "filter" item'
            return ('missing } at end of condition or expression inside "filter"; '
                    "could be an unquoted } in the content")
        bad = _listextract_first(after) if name == "listextract" and nargs else None
        if bad is not None:
            return bad  # checked before the rest is read
        if name in ITEM_NAMES:
            required = None
            if name == "extract" and nargs:
                first = next(x for x in after if isinstance(x, Tree))
                raw = first.children[0][1:-1] if first.children[0].type == "LITARG" else ""
                required = 3 if raw.strip().lstrip("+-").isdigit() else 2
            msg = item_error(name, nargs, stop, "" if at_end else text[pos:], required)
            if msg is not None:
                return msg.replace('"extract" item', f'"{name}" item')
        if v.type == "ITEMHEAD" and nargs:
            return _tail_message(text, pos, False)
        return f'"{v}" is not a known operator (or a }} is missing in a variable reference)'
    return "missing } at end of string" if at_end else f"syntax error at {found!r}"


_COND_TOKENS = frozenset({"CNAME", "LISTCOND", "NOT", "DEF", "AND", "OR", "ACL", "SASLAUTHD", "FORALL", "FORANY",
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
        return not (isinstance(pp, Token) and (pp.type.startswith("FOR") or pp.type == "FILTERHEAD"))
    return True


def _listextract_first(after: list[Any]) -> str | None:
    first = next(x for x in after if isinstance(x, Tree) and x.data in ("arg", "larg"))
    tok = first.children[0]
    if tok.type != "LITARG":
        return None
    from acl.expansion.items_core import listextract_index_error

    return listextract_index_error(tok[1:-1])


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


class _Level:
    """One open condition context while re-reading an ``${if`` prefix."""

    __slots__ = ("kind", "name", "cond", "nargs")

    def __init__(self, kind: str, name: str = "") -> None:
        self.kind = kind  # "if", "andor" (the list), "sub" (one subcondition), "for"
        self.name = name
        self.cond: str | None = None  # "" for a condition that needs no strings
        self.nargs = 0

    def where(self) -> str:
        if self.name.endswith("?"):  # the list of a forall: no note
            return ""
        if self.kind in ("andor", "sub"):
            return f' inside "{self.name}{{...}}" condition'
        return f' inside "{self.name}" condition' if self.kind == "for" else ""


_COMPLETE_CONDS = frozenset({"list_cond", "subcond", "andor_cond", "forall_cond", "not_cond", "def_cond", "nested_cond"})


def _unknown_cond(t: Tree) -> str | None:
    """The first unknown condition name inside a finished condition."""
    for x in t.children:
        if isinstance(x, Tree):
            if x.data == "simple_cond" and COND_ARGS.get(str(x.children[0])) is None:
                return str(x.children[0])
            if x.data in _COMPLETE_CONDS:
                bad = _unknown_cond(x)
                if bad is not None:
                    return bad
    return None


def _scan(after: list[Any]) -> tuple[list[_Level], str, str] | str:
    """Re-read the stack of an open ``${if``: its open condition contexts, or
    the message of an error Exim meets on the way."""
    levels = [_Level("if")]
    pending = ""  # "and"/"or" awaiting "{", "for" awaiting its list or "{", "def" awaiting a name
    pending_name = ""
    for x in after:
        top = levels[-1]
        if isinstance(x, Tree):
            while x.data == "not_cond":  # "!" binds to the condition whose strings follow
                x = next(y for y in reversed(x.children) if isinstance(y, Tree))
            if x.data == "simple_cond":
                x = x.children[0]
            elif x.data in _COMPLETE_CONDS:
                bad = _unknown_cond(x)
                if bad is not None:
                    where = top.where() if top.kind != "andor" else f' inside "{top.name}{{...}}" condition'
                    return f'unknown condition "{bad}"{where}'
                top.cond = ""
                continue
            elif x.data == "arg":
                if pending == "for" and pending_name.endswith("?"):
                    pending_name = pending_name[:-1]
                else:
                    top.nargs += 1
                continue
            else:
                continue
        t = x.type
        if t == "WS" or t == "NOT":
            continue
        if t in ("AND", "OR"):
            pending, pending_name = "andor", str(x)
        elif t.startswith("FOR"):
            pending, pending_name = "for", str(x) + "?"
        elif t in ("ACL", "SASLAUTHD"):
            pending, pending_name = "nested", str(x)
        elif t == "DEF":
            pending = "def"
        elif t == "DEFNAME":
            pending, top.cond = "", ""
        elif t == "CNAME" or t == "LISTCOND":
            name = str(x)
            if name == "def":
                return '":" expected after "def"'
            if COND_ARGS.get(name) is None:
                where = top.where() if top.kind != "for" else f' inside "{top.name}" condition'
                return f'unknown condition "{name}"{where}'
            top.cond, top.nargs = name, 0
        elif t == "LBRACE":
            if pending == "andor" or pending == "for":
                levels.append(_Level(pending, pending_name))
                pending = ""
            elif pending == "nested":
                levels.append(_Level("nested", pending_name))
                pending = ""
            elif top.kind == "andor":
                levels.append(_Level("sub", top.name))
        elif t == "RBRACE":
            if len(levels) > 1:
                levels.pop()
                levels[-1].cond, levels[-1].nargs = "", 0
    return levels, pending, pending_name


def _if_message(after: list[Any], text: str, pos: int, found: str, at_end: bool) -> str:
    rem16 = "" if at_end else text[pos:pos + 16]
    scanned = _scan(after)
    if isinstance(scanned, str):
        return scanned
    levels, pending, pending_name = scanned
    top = levels[-1]
    where = top.where()
    if top.kind == "nested":
        return "missing } at end of string" if at_end else f'syntax error at {found!r}'
    if top.kind == "andor":
        return f'each subcondition inside an "{top.name}{{...}}" condition must be in its own {{}}'
    if top.cond is None:
        if pending == "def":
            return 'variable name omitted after "def:"'
        if pending in ("andor", "for"):
            return f'missing {{ after "{pending_name.rstrip("?")}"'
        return f'condition name expected, but found "{rem16}"{where}'
    need = COND_ARGS.get(top.cond) or 0 if top.cond else 0
    if top.nargs < need:
        if top.nargs == 0:
            return f'missing {{ after "{top.cond}"{where}'
        return f'missing {ordinal(top.nargs + 1)} string in {{}} after "{top.cond}"{where}'
    if top.kind == "sub":
        return f'missing }} at end of condition inside "{top.name}" group'
    if top.kind == "for":
        return f'missing }} at end of condition inside "{top.name}"'
    extra = top.nargs - need
    remaining = "" if at_end else text[pos:]
    if extra == 1:
        return 'syntax error in "if" item - "fail" expected'
    if extra == 0:
        return ("curly-bracket problem in conditional yes/no parsing: 'yes' part did not start with '{'\n"
                f" remaining string is '{remaining}'")
    return ("curly-bracket problem in conditional yes/no parsing: did not close with '}'\n"
            f" remaining string is '{remaining}'")
