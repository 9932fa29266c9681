"""Tainted data reaching a file name, a command, a regular expression or an
unquoted query, found in the expansion tree without running it."""

from __future__ import annotations

from typing import Any, Iterator

from acl.expansion import nodes as N
from acl.lint.base import Diagnostic, Value, diag, list_lookups, parsed, values, walk, where

_ALWAYS_TAINTED_VARS = frozenset({"message_body", "message_body_end", "message_headers",
                                  "message_headers_raw"})
_REGEX_CONDITIONS = frozenset({"match", "regex", "mime_regex"})
_DETAINT = ("de-taint it first: check it against fixed values and use $value "
            "(${if inlist{$x}{a : b}{$value}}), or look it up in a trusted file and use "
            "the result (${lookup{$x}lsearch,ret=key{/file}})")
_RXQUOTE = "escape it with ${rxquote:...} to match it literally"


def tainted_var(name: str) -> bool:
    from acl.lint.names import _registry

    spec = _registry().variables.get(name)
    return (spec is not None and spec.tainted) or name in _ALWAYS_TAINTED_VARS


def _direct_taint(e: N.Expansion | None, quoting: str = "quote") -> Any:
    """The first tainted variable or header written directly in ``e`` (not
    hidden behind a lookup, which de-taints, or an operator that quotes it for
    this sink: names starting with ``quoting``)."""
    if e is None:
        return None
    for p in e.parts:
        if isinstance(p, N.Header):
            return p
        if isinstance(p, N.Var) and tainted_var(p.name):
            return p
        if isinstance(p, N.Operator) and not p.name.startswith(quoting):
            hit = _direct_taint(p.subject, quoting)
            if hit is not None:
                return hit
    return None


def _fix(label: str, advice: str) -> str:
    """The idiom of ``advice`` with the tainted value filled in."""
    if advice is _RXQUOTE:
        return f"${{rxquote:{label}}}"
    if advice is _DETAINT:
        return f"${{if inlist{{{label}}}{{...}}{{$value}}}}"
    return advice.split("with ", 1)[1].replace("...", label)


def _label(node: Any) -> str:
    return f"${node.kind}_{node.name}:" if isinstance(node, N.Header) else f"${node.name}"


def _sinks(tree: N.Expansion) -> Iterator[tuple[N.Expansion | None, str, str, str]]:
    """(argument, what it is, how to fix, severity): Exim refuses tainted file
    names and commands; a tainted regex or unquoted query is a risk, not an error."""
    from acl.lookups import is_query_style

    from acl.lint.names import lookup_type

    for node in walk(tree):
        if isinstance(node, N.Item) and node.name == "readfile" and node.args:
            yield node.args[0], "a file name (${readfile})", _DETAINT, "error"
        elif isinstance(node, N.Item) and node.name == "run" and node.args:
            yield node.args[0], "a command (${run})", _DETAINT, "error"
        elif isinstance(node, N.Item) and node.name == "sg" and len(node.args) > 1:
            yield node.args[1], "a regular expression (${sg})", _RXQUOTE, "warning"
        elif isinstance(node, N.Simple) and node.name in _REGEX_CONDITIONS and len(node.args) > 1:
            yield node.args[1], "a regular expression (match)", _RXQUOTE, "warning"
        elif isinstance(node, N.Lookup):
            ltype = lookup_type(node.type)
            try:
                query = is_query_style(ltype)
            except Exception:
                query = node.key is None
            if query:
                yield node.source, f"an unquoted {ltype} query", \
                    f"quote it with ${{quote_{ltype}:...}}", "warning"
            else:
                yield node.source, f"a {ltype} file name", _DETAINT, "error"


def rule_taint(cfg: Any, path: str) -> Iterator[Diagnostic]:
    for v in values(cfg):
        tree = parsed(v)
        if tree is None:
            continue
        sinks = list(_sinks(tree))
        if v.cond is not None and v.cond.name in ("regex", "mime_regex"):
            sinks.append((tree, f"a regular expression ({v.cond.name})", _RXQUOTE, "warning"))
        for arg, what, advice, severity in sinks:
            hit = _direct_taint(arg, "rxquote" if advice is _RXQUOTE else "quote")
            if hit is not None:
                label = _label(hit)
                yield diag(where(v, hit), path, f"tainted {label} used in {what}: {advice}",
                           "taint", severity, _fix(label, advice))


def rule_taint_in_lists(cfg: Any, path: str) -> Iterator[Diagnostic]:
    """``type;file`` and ``type;query`` list items: the list is expanded first,
    so a tainted variable there is a tainted file name or an unquoted query."""
    from acl.errors import AclError
    from acl.expansion import parse
    from acl.lookups import is_query_style

    from acl.lint.names import lookup_type

    for ltype, rest, span in list_lookups(cfg):
        try:
            hit = _direct_taint(parse(rest)) if "$" in rest else None
            query = is_query_style(lookup_type(ltype))
        except (AclError, RecursionError, KeyError, ValueError):
            continue
        if hit is None:
            continue
        label, name = _label(hit), lookup_type(ltype)
        if query:
            advice = f"quote it with ${{quote_{name}:...}}"
            yield diag(span, path, f"tainted {label} used in an unquoted {name} query in a list: "
                       f"{advice}", "taint", "warning", _fix(label, advice))
        else:
            yield diag(span, path, f"tainted {label} used in a {name} file name in a list: "
                       f"{_DETAINT}", "taint", "error", _fix(label, _DETAINT))
