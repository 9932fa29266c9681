"""Physical lines -> logical lines, the way Exim's readconf.c reads them.

Per physical line, in Exim's order: macro substitution, comment test, conditional
directives (.ifdef ...), skipping, .include; then continuation (trailing backslash)
joins lines into a logical line. Macro definitions are logical lines, recognised
according to the section being read, so this module tracks ``begin`` lines too.
Every character of a logical line remembers its physical file:line:col.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from acl.config.option_table import BUILTIN_MACROS
from acl.errors import ConfigError
from acl.source import Span

# Feature macros kept from the oracle's list: what this project implements. The
# _OPT_/_DRIVER_/_ACL_/_LOG_ families describe syntax, which is accepted in full.
SUPPORTED_HAVE = frozenset({
    "_HAVE_IPV6", "_HAVE_PRDR", "_HAVE_PROXY", "_HAVE_SPF", "_HAVE_DNSSEC",
    "_HAVE_EVENT", "_HAVE_CRYPTEQ", "_HAVE_ICONV", "_HAVE_I18N", "_HAVE_TLS",
    "_HAVE_LOOKUP_LSEARCH", "_HAVE_LOOKUP_DSEARCH", "_HAVE_LOOKUP_DNSDB",
    "_HAVE_LOOKUP_CDB", "_HAVE_LOOKUP_JSON", "_HAVE_LOOKUP_SQLITE",
    "_HAVE_LOOKUP_PASSWD",
})

MAX_INCLUDE_DEPTH = 40
MAX_COND_DEPTH = 10  # Exim's CSTATE_STACK_SIZE
MAX_MACRO_NAME = 63
MAX_LINE = 1 << 20  # bound on one logical line (bytes), against runaway macros

_COND_NAMES = ("ifdef", "ifndef", "elifdef", "elifndef", "else", "endif")
SECTION_NAMES = ("acls", "authenticators", "local_scans", "retrys", "rewrites",
                 "routers", "transports")

Origin = tuple[str, int, int]  # file, line, col (1-based)


@dataclass
class Macro:
    name: str
    value: str
    command_line: bool = False
    builtin: bool = False
    span: Span | None = None


@dataclass
class LogicalLine:
    """One logical line; ``origins[i]`` is where character ``i`` came from."""

    text: str
    origins: list[Origin]
    last_line: int  # physical line number Exim reports errors against
    file: str
    kind: str = "line"  # "line", "begin" or "macro" (already handled here)

    def span(self, offset: int = 0) -> Span:
        if not self.origins:
            return Span(self.file, self.last_line, 1)
        f, ln, col = self.origins[min(max(offset, 0), len(self.origins) - 1)]
        if offset >= len(self.origins):
            col += offset - len(self.origins) + 1
        return Span(f, ln, col)


def _is_macro_start(text: str, i: int) -> bool:
    c = text[i]
    return c.isupper() and c.isascii() or (
        c == "_" and i + 1 < len(text) and text[i + 1].isupper() and text[i + 1].isascii())


def _skip_to_macro(text: str, i: int) -> int:
    n = len(text)
    while i < n and not _is_macro_start(text, i):
        i += 1
    return i


def _isname(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c == "_")


@dataclass
class _Frame:
    path: str
    directory: str
    lines: list[str]
    index: int = 0


@dataclass
class Preprocessor:
    """Yields logical lines; ``section`` follows the ``begin`` lines it has seen."""

    defines: Mapping[str, str] = field(default_factory=dict)
    macros: list[Macro] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    section: str = "main"

    def __post_init__(self) -> None:
        for name, value in BUILTIN_MACROS:
            if not name.startswith("_HAVE_") or name in SUPPORTED_HAVE:
                self.macros.append(Macro(name, value, builtin=True))
        # Defined by exim-acl only, so that one file can serve Exim and us.
        self.macros.append(Macro("_EXIM_ACL", "1", builtin=True))
        self._by_name = {m.name: m for m in self.macros}
        for name, value in self.defines.items():
            self._create(Macro(name, value, command_line=True))

    # -- macros -------------------------------------------------------------

    def _create(self, m: Macro) -> None:
        self.macros.append(m)
        self._by_name[m.name] = m

    def user_macros(self) -> dict[str, str]:
        return {m.name: m.value for m in self.macros}

    def substitute(self, text: str, origins: list[Origin], start: int) -> tuple[str, list[Origin], bool]:
        """Exim's scan: each macro in definition order, no rescan of its own
        replacement; lines whose first candidate is ``_X`` also see built-ins."""
        s = _skip_to_macro(text, start)
        if s >= len(text):
            return text, origins, False
        found = False
        pool = self.macros if text[s] == "_" else [m for m in self.macros if not m.builtin]
        for m in pool:
            s = _skip_to_macro(text, s)
            if s >= len(text):
                break
            t = s
            while (p := text.find(m.name, t)) >= 0:
                here = origins[p]
                text = text[:p] + m.value + text[p + len(m.name):]
                origins = origins[:p] + [here] * len(m.value) + origins[p + len(m.name):]
                if len(text) > MAX_LINE:
                    raise ConfigError("line too long after macro expansion", Span(*here))
                t = _skip_to_macro(text, p + len(m.value))
                found = True
        return text, origins, found

    def define(self, line: LogicalLine, text: str) -> None:
        """A macro definition line (``NAME = value`` or ``NAME == value``)."""
        i = 0
        while i < len(text) and _isname(text[i]):
            i += 1
        name = text[:i]
        span = line.span(0)
        if len(name) > MAX_MACRO_NAME:
            raise ConfigError(f"macro name too long (maximum is {MAX_MACRO_NAME} characters)", span)
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text) or text[i] != "=":
            raise ConfigError("malformed macro definition", span)
        i += 1
        redef = i < len(text) and text[i] == "="
        i += redef
        value = text[i:].lstrip()
        existing = None
        for m in self.macros:
            if m.name == name:
                if not m.command_line and not redef:
                    raise ConfigError(f'macro "{name}" is already defined (use "==" if you '
                                      'want to redefine it)', span)
                existing = m
                break
            if len(m.name) < len(name) and m.name in name:
                raise ConfigError(f'"{name}" cannot be defined as a macro because previously '
                                  f'defined macro "{m.name}" is a substring', span)
        if existing is not None and existing.command_line:
            return
        if redef:
            if existing is None:
                raise ConfigError(f'can\'t redefine an undefined macro "{name}"', span)
            existing.value = value
        else:
            self._create(Macro(name, value, span=span))

    def is_definition(self, text: str) -> bool:
        """Whether this logical line defines a macro in the current section."""
        if self.section == "main":
            return text[:1].isupper() and text[:1].isascii()
        if self.section in ("acls", "routers", "transports", "authenticators"):
            i = 0
            while i < len(text) and _isname(text[i]):
                i += 1
            return bool(text[:1].isupper() and text[:1].isascii()) and text[i:].lstrip()[:1] == "="
        return False

    # -- files --------------------------------------------------------------

    def _open(self, path: str, span: Span | None, stack: list[_Frame]) -> _Frame:
        real = os.path.realpath(path)
        chain = [f.path for f in stack]
        if any(os.path.realpath(p) == real for p in chain):
            loop = " -> ".join(chain + [path])
            raise ConfigError(f"include loop: configuration file {path} includes itself ({loop})",
                              span)
        if len(stack) >= MAX_INCLUDE_DEPTH:
            raise ConfigError(f".include nested too deeply (maximum depth is {MAX_INCLUDE_DEPTH})", span)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            raise ConfigError(f"failed to open included configuration file {path}", span) from None
        self.files.append(path)
        return _Frame(path, os.path.dirname(path), data.decode("utf-8", "surrogateescape").splitlines())

    def read(self, text: str, filename: str) -> Iterator[LogicalLine]:
        directory = os.path.dirname(filename) if filename.startswith("/") or os.sep in filename \
            else os.getcwd()
        if not filename.startswith("<"):
            self.files.append(filename)
        stack = [_Frame(filename, directory or ".", text.splitlines())]
        yield from self._lines(stack)

    def _lines(self, stack: list[_Frame]) -> Iterator[LogicalLine]:
        cstate = 0  # 0 reading, 1 skipping to a later branch, 2 skipping the rest
        cstack: list[int] = []
        buf = ""
        origins: list[Origin] = []
        last = (stack[-1].path, 0)
        while True:
            frame = stack[-1]
            if frame.index >= len(frame.lines):
                if len(stack) > 1:
                    stack.pop()
                    continue
                if cstack:
                    raise ConfigError("Unexpected end of configuration file: .endif missing",
                                      Span(frame.path, max(frame.index, 1), 1))
                if buf:
                    yield self._finish(buf, origins, last)
                return
            raw = frame.lines[frame.index]
            frame.index += 1
            lineno = frame.index
            last = (frame.path, lineno)
            orig: list[Origin] = [(frame.path, lineno, c + 1) for c in range(len(raw))]
            ss = len(raw) - len(raw.lstrip())
            s = ss
            if not buf and raw[ss:ss + 1].isupper():
                j = ss
                while j < len(raw) and _isname(raw[j]):
                    j += 1
                k = j
                while k < len(raw) and raw[k].isspace():
                    k += 1
                s = k if k < len(raw) and raw[k] == "=" else ss
            line, orig, found = self.substitute(raw, orig, s)
            ss = len(line) - len(line.lstrip())
            body = line[ss:]
            here = Span(frame.path, lineno, ss + 1)
            if body.startswith("#"):
                continue
            if body.startswith("."):
                handled, cstate = self._conditional(body, found, cstate, cstack, here)
                if handled:
                    continue
            if cstate != 0:
                continue
            inc = self._include_target(body)
            if inc is not None:
                path, if_exists = inc
                if not path.startswith("/"):
                    if if_exists:
                        raise ConfigError(f'.include specifies a non-absolute path "{path}"', here)
                    path = f"{frame.directory}/{path}"
                if if_exists and not os.path.exists(path):
                    continue
                stack.append(self._open(path, here, stack))
                continue
            buf += body
            origins += orig[ss:]
            stripped = buf.rstrip()
            del origins[len(stripped):]
            buf = stripped
            if buf:
                if not buf.endswith("\\"):
                    yield self._finish(buf, origins, last)
                    buf, origins = "", []
                else:
                    buf = buf[:-1]
                    del origins[-1]
            if len(buf) > MAX_LINE:
                raise ConfigError("logical line too long", here)

    def _finish(self, text: str, origins: list[Origin], last: tuple[str, int]) -> LogicalLine:
        ll = LogicalLine(text, origins, last[1], last[0])
        low = text[:6].lower()
        if low == "begin ":
            name = text[6:].strip().lower()
            self.section = name if name.endswith("s") else name + "s"
            ll.kind = "begin"
        elif self.is_definition(text):
            ll.kind = "macro"
        return ll

    @staticmethod
    def _include_target(body: str) -> tuple[str, bool] | None:
        if not body.startswith(".include"):
            return None
        rest = body[8:]
        if_exists = rest.startswith("_if_exists")
        if if_exists:
            rest = rest[10:]
        if rest and not rest[0].isspace():
            return None
        name = rest.strip()
        if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
            name = name[1:-1]
        return name, if_exists

    @staticmethod
    def _conditional(body: str, found: bool, cstate: int, cstack: list[int],
                     here: Span) -> tuple[bool, int]:
        """Handle .ifdef & co; returns (handled, new state)."""
        for name in _COND_NAMES:
            if not body.startswith(name, 1):
                continue
            nxt = body[1 + len(name):2 + len(name)]
            # Exim accepts space, newline, end - and a literal 't' (its typo for tab);
            # anything else makes the whole line vanish silently.
            if nxt not in ("", " ", "t"):
                return True, cstate
            if name in ("ifdef", "ifndef"):
                if len(cstack) >= MAX_COND_DEPTH - 1:
                    raise ConfigError(f".{name} nested too deeply", here)
                cstack.append(cstate)
                want = found if name == "ifdef" else not found
                return True, (0 if want else 1) if cstate == 0 else 2
            if not cstack:
                raise ConfigError(f".{name} without matching .ifdef", here)
            if name == "endif":
                return True, cstack.pop()
            if cstate != 1:
                return True, 2
            if name == "else":
                return True, 0
            want = found if name == "elifdef" else not found
            return True, 0 if want else 1
        return False, cstate
