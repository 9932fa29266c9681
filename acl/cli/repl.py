"""The interactive ``acl expand`` (standard input is a terminal): prompt_toolkit
with history, completion of built-in names and named lists, highlighting of the
expansion language, and ``:`` commands to change the context."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.styles import Style

from acl.runtime.values import TaintedStr

if TYPE_CHECKING:
    from acl.cli.expand import BeSession

HELP = """Type an expansion string to see its value; end a line with \\ to continue it.
Commands:
  :set NAME=VALUE        set a variable ($NAME); acl_c*/acl_m* set ACL variables
  :unset NAME            forget a variable set with :set
  :header Name: value    add a header line ($h_name)
  :headers-clear         remove all header lines
  :show                  show the variables, ACL variables and headers set so far
  :help                  this text
  :quit                  leave (also Ctrl-D)
"""

STYLE = Style.from_dict({
    "variable": "ansicyan",
    "brace": "ansiyellow bold",
    "keyword": "ansimagenta bold",
    "escape": "ansired",
    "listref": "ansigreen",
    "command": "ansiblue bold",
})


def history_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "exim-acl" / "history"


def _history() -> History:
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileHistory(str(path))
    except OSError:
        return InMemoryHistory()


# --- highlighting ------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<escape>\\.)"
    r"|(?P<keyword>(?<=\$\{)[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<brace>\$\{|[{}])"
    r"|(?P<variable>\$[A-Za-z_][A-Za-z0-9_]*|\$\d)"
    r"|(?P<listref>\+[A-Za-z_][A-Za-z0-9_]*)"
)


def highlight(line: str) -> list[tuple[str, str]]:
    """Style fragments for one line of the expansion language."""
    if line.startswith(":"):
        return [("class:command", line)]
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(line):
        if m.start() > pos:
            out.append(("", line[pos : m.start()]))
        out.append((f"class:{m.lastgroup}", m.group()))
        pos = m.end()
    if pos < len(line):
        out.append(("", line[pos:]))
    return out


class ExpansionLexer(Lexer):
    def lex_document(self, document: Document) -> Any:
        lines = document.lines
        return lambda i: highlight(lines[i]) if i < len(lines) else []


# --- completion ----------------------------------------------------------------

_IF_COND = re.compile(r"\$\{if\s+!?([A-Za-z_]*)$")
_ITEM = re.compile(r"\$\{([A-Za-z_0-9]*)$")
_VAR = re.compile(r"\$([A-Za-z_0-9]*)$")
_LIST = re.compile(r"\+([A-Za-z_0-9]*)$")
_CMD = re.compile(r"^:([a-z-]*)$")
_COMMANDS = ("set", "unset", "header", "headers-clear", "show", "help", "quit")


class ExpansionCompleter(Completer):
    """Names from the built-in tables (``acl.builtins.registry``) and the
    configuration's named lists."""

    def __init__(self, registry: Any, config: Any) -> None:
        self.registry = registry
        self.config = config

    def _named_lists(self) -> list[str]:
        lists = getattr(self.config, "named_lists", None) or {}
        names: set[str] = set()
        for kind in lists.values():
            names.update(kind)
        return sorted(names)

    def candidates(self, before: str) -> tuple[str, list[str]]:
        """(the word being completed, candidate names) for the text before the cursor."""
        r = self.registry
        if m := _CMD.search(before):
            return m.group(1), list(_COMMANDS)
        if m := _IF_COND.search(before):
            return m.group(1), sorted(set(r.conditions) | {"and", "or", "def", "forall", "forany",
                                                            "bool", "bool_lax"})
        if m := _ITEM.search(before):
            ops = [f"{n}:" for n in r.operators]
            return m.group(1), sorted(set(r.items) | {"if", "lookup"} | set(ops))
        if m := _VAR.search(before):
            return m.group(1), sorted(n for n, s in r.variables.items() if not s.prefix)
        if m := _LIST.search(before):
            return m.group(1), self._named_lists()
        return "", []

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        word, names = self.candidates(document.text_before_cursor)
        if not names:
            return
        for name in names:
            if name.startswith(word):
                yield Completion(name, start_position=-len(word))


# --- the loop --------------------------------------------------------------------


def command(session: "BeSession", line: str) -> bool:
    """Run a ``:`` command; False means quit."""
    ctx = session.ctx
    out = session.out
    cmd, _, arg = line[1:].partition(" ")
    arg = arg.strip()
    if cmd in ("quit", "q", "exit"):
        return False
    if cmd == "help":
        out.write(HELP)
    elif cmd == "set":
        name, eq, value = arg.partition("=")
        name = name.strip().lstrip("$")
        if not eq or not name:
            out.write("usage: :set NAME=VALUE\n")
        elif name.startswith(("acl_c", "acl_m")):
            ctx.acl_vars[name] = value
        else:
            spec = ctx.registry.variables.get(name)
            ctx.variables[name] = TaintedStr(value) if spec is not None and spec.tainted else value
    elif cmd == "unset":
        ctx.variables.pop(arg.lstrip("$"), None)
        ctx.acl_vars.pop(arg.lstrip("$"), None)
    elif cmd == "header":
        name, colon, value = arg.partition(":")
        if not colon or not name.strip():
            out.write("usage: :header Name: value\n")
        else:
            ctx.headers.append((name.strip(), TaintedStr(value)))
    elif cmd == "headers-clear":
        ctx.headers.clear()
    elif cmd == "show":
        for k in sorted(ctx.variables):
            v = ctx.variables[k]
            out.write(f"${k} = {v!s}{'  (tainted)' if isinstance(v, TaintedStr) else ''}\n")
        for k in sorted(ctx.acl_vars):
            out.write(f"${k} = {ctx.acl_vars[k]!s}\n")
        for n, v in ctx.headers:
            out.write(f"{n}:{v}\n")
    else:
        out.write(f"unknown command :{cmd} (try :help)\n")
    return True


def run_repl(session: "BeSession", *, input: Any = None, output: Any = None,
             history: History | None = None) -> int:
    """Read lines until end of input or ``:quit``; each is expanded as
    ``acl expand`` does, macros and all."""
    prompt: PromptSession[str] = PromptSession(
        history=history if history is not None else _history(),
        completer=ExpansionCompleter(session.ctx.registry, session.config),
        lexer=ExpansionLexer(),
        style=STYLE,
        complete_while_typing=False,
        input=input,
        output=output,
    )
    pending = ""
    for _ in range(10_000_000):  # bounded; ends at Ctrl-D or :quit
        try:
            text = prompt.prompt("> " if not pending else "  ")
        except KeyboardInterrupt:
            pending = ""
            continue
        except EOFError:
            break
        text = text.rstrip()
        if pending:
            text = pending + text.lstrip()
            pending = ""
        if text.endswith("\\"):
            pending = text[:-1]
            continue
        if text.startswith(":"):
            if not command(session, text):
                break
        else:
            session.line(text)
        session.out.flush()
    return 0
