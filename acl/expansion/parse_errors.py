"""Syntax errors: a failure of the pure-Python Lark parser is translated into
Exim's message by looking at what was open on the parser's stack (Exim reports
the first thing it could not read, in its own words)."""

from __future__ import annotations

from typing import Any, Callable

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from acl.errors import ExpansionSyntaxError
from acl.expansion.syntax import COND_ARGS, ordinal
from acl.source import Span


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
