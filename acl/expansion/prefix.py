"""Exim reads and evaluates an expansion in one pass, so an error in the text
before a syntax error is the one it reports (``${if eq{$x`` fails with the
unknown variable). On a syntax error we take the finished pieces of the text
before it from the parser's stack, in order, and run them: evaluated where Exim
would have evaluated them already, otherwise only checked for unknown names."""

from __future__ import annotations

from typing import Any

from lark import Token, Tree

from acl.expansion.syntax import COND_ARGS, SUBS_ITEMS

# items whose later arguments Exim reads without evaluating: how many it evaluates
_EVALUATED_ARGS = {"map": 1, "filter": 1, "reduce": 2, "sort": 2, "extract": 3, "listextract": 2,
                   "run": 0, "env": 1, "certextract": 2}


def _span_text(t: Any, text: str) -> tuple[int, int] | None:
    toks = list(_leaves(t))
    if not toks:
        return None
    return toks[0].start_pos, toks[-1].end_pos


def _leaves(t: Any) -> Any:
    if isinstance(t, Tree):
        for c in t.children:
            yield from _leaves(c)
    else:
        yield t


_BODY_ITEMS = frozenset({"map", "filter", "reduce"})  # sort adds no note


def pieces(values: list[Any], text: str) -> list[tuple[str, bool, str]]:
    """(expansion text, evaluate?, note for its errors) for each finished piece
    on the stack, in text order."""
    out: list[tuple[str, bool, str]] = []
    # [kind, name, args seen, cond args, and/or name, len(out) at the open, start offset]
    opens: list[list[Any]] = []
    for v in values:
        if isinstance(v, Token):
            t = v.type
            if t in ("OPHEAD", "IFHEAD", "LOOKUPHEAD", "FILTERHEAD", "ITEMHEAD"):
                opens.append([t, str(v)[2:], 0, None, "", len(out), v.start_pos])
            elif t in ("CNAME", "LISTCOND") and opens and opens[-1][0] == "IFHEAD":
                opens[-1][3] = COND_ARGS.get(str(v)) or 0
            elif t in ("AND", "OR") and opens and opens[-1][0] == "IFHEAD":
                opens[-1][4] = str(v)
            elif t == "DEFNAME" and not str(v).endswith(":"):
                out.append(("${if def:" + str(v) + "}", True, _note(opens)))  # only the name is checked
            elif t == "LTYPE" and opens and opens[-1][0] == "LOOKUPHEAD" and opens[-1][4] == "key":
                # single-key lookups only: a query (DNS, SQL) is not run for an error message
                opens[-1][3] = "ltype"
            elif t == "RAWARG" and opens:
                opens[-1][2] += 1
            elif t == "LBRACE":
                opens.append(["LBRACE", "", 0, None, "", len(out), v.start_pos])
            elif t == "RBRACE" and opens:
                closed = opens.pop()
                if closed[0] == "LBRACE":
                    if opens:
                        opens[-1][2] += 1
                else:  # a finished item that was not reduced yet: it is one piece
                    del out[closed[5]:]
                    out.append((text[closed[6]:v.end_pos], _evaluating(opens), _note(opens)))
            elif t in ("VAR", "DVAR", "HVAR", "NVAR", "BNVAR", "OPLIT"):
                out.append((str(v), _evaluating(opens), _note(opens)))
            continue
        if not isinstance(v, Tree):
            continue
        if v.data == "def_cond":
            name = str(v.children[-1])
            if opens and opens[-1][0] == "IFHEAD":
                opens[-1][3] = 0
            if not name.endswith(":"):
                out.append(("${if def:" + name + "}", True, _note(opens)))
            continue
        if v.data == "list_cond" and opens and opens[-1][0] == "IFHEAD":
            opens[-1][3] = 0  # complete: what follows is the yes/no strings
            continue
        if v.data == "simple_cond" and opens and opens[-1][0] == "IFHEAD":
            opens[-1][3] = COND_ARGS.get(str(v.children[0])) or 0
            continue
        span = _span_text(v, text)
        if span is None:
            continue
        if v.data in ("arg", "larg", "lcarg", "key"):
            body = v.children[0]
            raw = str(body)[1:-1] if body.type in ("LITARG", "VARARG") else text[body.end_pos:_close(v, span)]
            out.append((raw, _evaluating(opens), _note(opens)))
            if v.data == "key" and opens and opens[-1][0] == "LOOKUPHEAD":
                opens[-1][4] = "key"
            elif opens and opens[-1][0] == "LOOKUPHEAD" and opens[-1][3] == "ltype":
                # the source: Exim does the lookup before it reads the yes/no strings
                opens[-1][3] = "done"
                del out[opens[-1][5]:]
                out.append((text[opens[-1][6]:span[1]] + "}", _evaluating(opens[:-1]), _note(opens[:-1])))
            if opens:
                opens[-1][2] += 1
        elif v.data in ("operator", "item", "if_item", "lookup_item", "filter_item", "content"):
            out.append((text[span[0]:_closing(v.data, text, span[1])], _evaluating(opens), _note(opens)))
    return [x for x in out if x[0]]


def _closing(rule: str, text: str, end: int) -> int:
    """The end of a reduced item including its closing brace(s), which the tree
    leaves out (anonymous tokens)."""
    if rule in ("item", "if_item", "lookup_item", "filter_item") and text.startswith("}", end):
        end += 1
        if rule == "filter_item":
            while end < len(text) and text[end] in " \t\r\n":
                end += 1
            end += text.startswith("}", end)
    return end


def _note(opens: list[list[Any]]) -> str:
    """Exim's " inside ..." for errors in a piece: the innermost body or group."""
    for kind, name, nargs, _cond, andor, *_ in reversed(opens):
        if kind == "ITEMHEAD" and name in _BODY_ITEMS and nargs >= _EVALUATED_ARGS[name]:
            return f' inside "{name}" item'
        if kind == "IFHEAD" and andor:
            return f' inside "{andor}{{...}}" condition'
    return ""


def _close(v: Tree, span: tuple[int, int]) -> int:
    last = list(_leaves(v))[-1]
    return last.start_pos if last.type == "RBRACE" else span[1]


def _evaluating(opens: list[list[Any]]) -> bool:
    """Whether Exim has evaluated what stands here (not only read it)."""
    for kind, name, nargs, cond_args, andor, *_ in opens:
        if kind in ("OPHEAD", "LBRACE"):
            continue
        if kind == "IFHEAD":
            if andor or cond_args is None or nargs >= cond_args:
                return False
        elif kind == "ITEMHEAD":
            limit = SUBS_ITEMS[name][0] if name in SUBS_ITEMS else _EVALUATED_ARGS.get(name, 0)
            if nargs >= limit:
                return False
        else:
            return False
    return True


def first_error(exc: Any, ctx: Any) -> None:
    """Raise the error Exim meets before syntax error ``exc``, if any."""
    from acl.expansion import static_check
    from acl.expansion.compiler import compile_expansion
    from acl.expansion.parser import parse

    from acl.errors import ExpansionError

    for raw, evaluate, note in getattr(exc, "prefix", None) or ():
        try:
            if evaluate:
                compile_expansion(raw)(ctx)
            else:
                static_check.check(ctx, parse(raw))
        except ExpansionError as err:
            if note:
                raise type(err)(err.message + note, err.span) from None
            raise
