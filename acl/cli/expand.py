"""``acl expand``: what ``exim -be`` is to Exim users.

Output matches ``exim -be`` byte for byte (results and ``Failed:`` lines on
standard output; with standard input, a ``> `` prompt before each logical line
read and one more at end of input). One deliberate difference: with strings as
arguments, the exit status is 1 if any expansion failed (Exim exits 0).
"""

from __future__ import annotations

import gc
import io
import re
import sys
from typing import IO, Any, Callable

from acl.cli.context_options import Abandoned, Options, UsageError, build_context, parse_args
from acl.errors import AclError, ConfigError

FGETS_SIZE = 1024  # Exim reads standard input with fgets() into a buffer this big
MAX_LOGICAL_LINES = 10_000_000  # bound on the input loop
MAX_CONTINUATIONS = 100_000  # bound on the physical lines joined into one
_WS = b" \t\n\r\x0b\x0c"  # what Exim strips from the ends of input lines
_WS_TEXT = _WS.decode()


class EngineMissing(AclError):
    """A module the command needs is not installed or not written yet."""


def _engine() -> Any:
    try:
        import acl.expansion as engine
    except ImportError as exc:
        raise EngineMissing(f"the expansion engine is not available ({exc})") from None
    return engine


def load_configuration(path: str | None, defines: dict[str, str], err: IO[str]) -> Any:
    """The configuration named by -C (None: the empty built-in one). Without a
    configuration reader installed, warns and goes on with no configuration."""
    if path is None:
        return None
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot open configuration file: {exc.strerror}") from None
    try:
        from acl.config import load_config
    except ImportError as exc:
        err.write(f"acl: warning: configuration reader not available, {path} ignored ({exc})\n")
        return None
    return load_config(path, defines=defines)


def read_logical_line(stdin: Any) -> bytes | None:
    """One logical line as Exim's get_stdinput() builds it: fgets-sized chunks,
    trailing white space removed, a final backslash joins the next chunk with its
    leading white space removed; a blank chunk ends the line. None at end of input.
    ``stdin`` needs only ``readline(limit)``."""
    parts: list[bytes] = []
    had_input = False
    for i in range(MAX_CONTINUATIONS):
        chunk = stdin.readline(FGETS_SIZE - 1)
        if not chunk:
            break
        had_input = True
        chunk = chunk.rstrip(_WS)
        if i > 0:
            chunk = chunk.lstrip(_WS)
        parts.append(chunk)
        if not chunk or not chunk.endswith(b"\\"):
            break
        parts[-1] = chunk[:-1]
    return b"".join(parts) if had_input else None


class _StdinChunks:
    """``readline(limit)`` over standard input read in large chunks. Output is
    flushed only when no further input is at hand (just before a read that may
    wait), so a program talking to us line by line still sees each answer as
    Exim's does, while a batch of lines costs no write per line."""

    READ_SIZE = 1 << 16

    def __init__(self, stdin: Any, before_wait: Callable[[], None]) -> None:
        self._read = getattr(stdin, "read1", None) or stdin.read
        self._before_wait = before_wait
        self._buf = b""
        self._pos = 0
        self._eof = False

    def readline(self, limit: int) -> bytes:
        while True:
            buf, pos = self._buf, self._pos
            nl = buf.find(b"\n", pos, pos + limit)
            if nl >= 0:
                end = nl + 1
            elif len(buf) - pos >= limit or (self._eof and pos < len(buf)):
                end = min(pos + limit, len(buf))
            elif self._eof:
                return b""
            else:
                self._before_wait()
                data = self._read(self.READ_SIZE)
                if not data:
                    self._eof = True
                self._buf, self._pos = buf[pos:] + data, 0
                continue
            self._pos = end
            return buf[pos:end]

    def simple_lines(self, limit: int) -> list[str]:
        """The complete lines at hand that form a logical line each (no
        continuation, shorter than one fgets() buffer), decoded, trailing white
        space removed, stopping before the first that is not so simple (at most
        ``limit``). Never waits."""
        buf, pos = self._buf, self._pos
        last = buf.rfind(b"\n", pos)
        if last < 0:
            return []
        out: list[str] = []
        start = pos
        # "\n" is never part of a UTF-8 sequence: decoding the lines together
        # gives what decoding each would
        for physical in buf[pos:last].decode("utf-8", "surrogateescape").split("\n", limit)[:limit]:
            size = len(physical) if physical.isascii() else len(physical.encode("utf-8", "surrogateescape"))
            if size >= FGETS_SIZE - 1:  # read in pieces: the general path
                break
            text = physical.rstrip(_WS_TEXT)
            if text.endswith("\\"):
                break
            out.append(text)
            start += size + 1
        self._pos = start
        return out


_PLAIN_MAX = 100_000
_KNOWN_MAX = 100_000


class BeSession:
    """State shared by the lines of one run: context, macros, the engine."""

    def __init__(self, opts: Options, out: IO[str], err: IO[str]) -> None:
        self.opts = opts
        self.out = out
        self.err = err
        self.config = load_configuration(opts.config, opts.defines, err)
        self.ctx = build_context(opts, self.config)
        self.engine = _engine()
        self.expand: Callable[[str, Any], str] = self.engine.expand
        # Lines expanded before: their compiled form (or literal value), so that
        # a line seen again skips the engine's entry checks and cache wrapper.
        self._known: dict[str, Any] = {}
        self.failures = 0
        self._macros = _MacroTable(opts.defines, self.config)
        self.plain: set[str] = set()  # lines seen to hold no macro (while none is defined)

    def line(self, text: str) -> None:
        """One line of input, as Exim's expansion_test_line() handles it."""
        plain = self.plain
        if text not in plain:
            try:
                substituted = self._macros.substitute(text)
                if substituted[:1].isupper() and substituted[:1].isascii():
                    name = self._macros.define(substituted)
                    plain.clear()  # the macros have changed
                    self.out.write(f"Defined macro '{name}'\n")
                    return
            except ConfigError as exc:
                self.err.write(f"acl: configuration error: {exc.message}\n")
                return
            if substituted != text:
                text = substituted
            elif len(plain) < _PLAIN_MAX:  # no macro in it: skip the check next time
                plain.add(text)
        self.out.write(self.result(text))

    def result(self, text: str) -> str:
        try:
            known = self._known.get(text)
            if known is None:
                known = self._compiled(text)
            value = known if type(known) is str else known(self.ctx)
        except AclError as exc:
            self.failures += 1
            return f"Failed: {exc.message}\n"
        except RecursionError:
            self.failures += 1
            return "Failed: expansion too deeply nested\n"
        except Exception as exc:  # an engine bug must not show a traceback
            self.failures += 1
            return f"Failed: internal error: {type(exc).__name__}: {exc}\n"
        return f"{value}\n"

    def _compiled(self, text: str) -> Any:
        """The literal value or compiled form of a line, kept for the next time.
        A syntax error goes through ``expand``, which raises the error Exim
        meets first (perhaps one in the text before it)."""
        known = self.engine.literal(text)
        if known is None:
            try:
                known = self.engine.compile_expansion(text)
            except AclError:
                self.expand(text, self.ctx)
                raise
        if len(self._known) >= _KNOWN_MAX:
            self._known.clear()
        self._known[text] = known
        return known


# Where a macro name can start: an ASCII capital, or "_" before one.
_MACRO_START = re.compile(r"[A-Z]|_[A-Z]")


class _MacroTable:
    """Macros in -be lines: substitution, and ``NAME = value`` definitions, with
    the configuration reader's rules when it is available."""

    def __init__(self, defines: dict[str, str], config: Any) -> None:
        self.defines = defines
        self.config = config
        self._pp: Any = False  # built on first need: the reader is slow to import
        self._names: tuple[int, tuple[str, ...]] | None = None

    @property
    def pp(self) -> Any:
        if self._pp is False:
            self._pp = None
            try:
                from acl.config.preprocess import Preprocessor
            except ImportError:
                return None
            from acl.config.preprocess import Macro

            pp = Preprocessor(defines=dict(self.defines))
            known = {m.name for m in pp.macros}
            macros = getattr(self.config, "macros", None) or {}
            for name, value in dict(macros).items():  # the configuration's own, in order
                if name not in known and not name.startswith("_"):
                    pp._create(Macro(name, value))
            self._pp = pp
        return self._pp

    def _user_names(self) -> tuple[str, ...]:
        """Names of the macros other than the built-ins (cached per count)."""
        pp = self._pp if self._pp is not False else None
        count = len(pp.macros) if pp is not None else -1
        if self._names is None or self._names[0] != count:
            if pp is not None:
                names = tuple(m.name for m in pp.macros if not m.builtin)
            else:  # what the preprocessor would hold, without importing it
                macros = getattr(self.config, "macros", None) or {}
                names = tuple(self.defines) + tuple(
                    n for n in dict(macros) if n not in self.defines and not n.startswith("_"))
            self._names = (count, names)
        return self._names[1]

    def substitute(self, text: str) -> str:
        start = 0
        if text[:1].isupper():  # skip the name of a definition, as Exim does
            j = 0
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            rest = text[j:].lstrip()
            if rest.startswith("="):
                start = len(text) - len(rest)
        # Macro names start with an upper-case letter: most lines have none.
        first = _MACRO_START.search(text, start)
        if first is None:
            return text
        # Built-ins are seen only when the first candidate is "_X" (as in Exim);
        # otherwise a line none of the user's macro names occurs in is unchanged.
        if first.group()[0] != "_" and not any(n in text for n in self._user_names()):
            return text
        if self.pp is None:
            return text
        origins = [("-be", 0, i + 1) for i in range(len(text))]
        return str(self.pp.substitute(text, origins, start)[0])

    def define(self, text: str) -> str:
        if self.pp is None:
            raise ConfigError("macros are not available (no configuration reader)")
        from acl.config.preprocess import LogicalLine

        origins = [("-be", 0, i + 1) for i in range(len(text))]
        self.pp.define(LogicalLine(text, origins, 0, "-be", "macro"), text)
        j = 0
        while j < len(text) and (text[j].isalnum() or text[j] == "_"):
            j += 1
        return text[:j]


def run_stdin(session: BeSession, stdin: IO[bytes]) -> None:
    out = session.out
    write, line, result, plain = out.write, session.line, session.result, session.plain
    source = _StdinChunks(stdin, out.flush)
    count = 0
    while count < MAX_LOGICAL_LINES:
        batch = source.simple_lines(MAX_LOGICAL_LINES - count)
        if batch:  # the common case, without the general reader's per-line work
            count += len(batch)
            answers: list[str] = []  # written together
            for text in batch:
                if text in plain:  # seen before and holds no macro
                    answers.append("> ")
                    answers.append(result(text))
                else:
                    if answers:
                        write("".join(answers))
                        answers.clear()
                    write("> ")
                    line(text)
            if answers:
                write("".join(answers))
            continue
        write("> ")
        raw = read_logical_line(source)
        if raw is None:
            write("\n")
            break
        count += 1
        line(raw.decode("utf-8", "surrogateescape"))
    out.flush()


def tune_gc() -> None:
    """For a whole process spent expanding: what start-up built is frozen out of
    the collector's sight, and young objects are collected less often. Each
    compiled string stays cached (dozens of objects), and with the default
    thresholds the collector walked them again and again: half the time of a
    fresh string went there. Garbage cycles are still collected."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def run(argv: list[str], stdin: IO[bytes], out: IO[str], err: IO[str], *, tty: bool = False,
        own_process: bool = False) -> int:
    """``acl expand ARGV``; returns the exit status. Never raises.
    ``own_process``: the process is ours alone (collector settings may change)."""
    try:
        opts = parse_args(argv)
        session = BeSession(opts, out, err)
        if own_process:
            tune_gc()
        if opts.strings:
            for s in opts.strings:
                session.line(s)
            return 1 if session.failures else 0
        if tty:
            from acl.cli.repl import run_repl

            return run_repl(session)
        run_stdin(session, stdin)
        return 0
    except UsageError as exc:
        err.write(exc.message if exc.message.endswith("\n") else f"acl expand: {exc.message}\n")
        return 0 if exc.message.startswith("usage:") else 2
    except Abandoned as exc:
        err.write(f"acl expand abandoned: {exc.message}\n")
        return 1
    except EngineMissing as exc:
        err.write(f"acl: {exc.message}\n")
        return 3
    except ConfigError as exc:
        err.write(format_config_error(exc, opts.config if "opts" in locals() else None))
        return 1
    except AclError as exc:
        err.write(f"acl: error: {exc}\n")
        return 1
    except ImportError as exc:  # a built-in module broken or missing
        err.write(f"acl: a module could not be loaded: {exc}\n")
        return 3
    except Exception as exc:  # never a traceback for the user
        err.write(f"acl: internal error: {type(exc).__name__}: {exc}\n")
        return 3


def format_config_error(exc: AclError, path: str | None) -> str:
    """``file:line:col: error: message`` (the span when the error has one)."""
    where = str(exc.span) if exc.span else f"{path or '-'}:0:0"
    hint = f" ({exc.hint})" if exc.hint else ""
    return f"{where}: error: {exc.message}{hint}\n"


def be_main(argv: list[str], stdin: str) -> tuple[str, str, int]:
    """Run ``acl expand ARGV < stdin`` in process: (stdout, stderr, exit status).
    Standard input is treated as not a terminal."""
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, io.BytesIO(stdin.encode("utf-8", "surrogateescape")), out, err)
    return out.getvalue(), err.getvalue(), code


class _AfterOut:
    """Standard error that first flushes the (buffered) standard output, so
    the two keep their relative order when they share a file."""

    def __init__(self, err: IO[str], out: IO[str]) -> None:
        self._err, self._out = err, out

    def write(self, s: str) -> int:
        self._out.flush()
        return self._err.write(s)

    def flush(self) -> None:
        self._err.flush()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[2:] if argv is None else argv
    try:
        tty = sys.stdin.isatty()
    except (AttributeError, ValueError):
        tty = False
    # Buffered unless interactive: run_stdin flushes whenever it waits for input.
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="surrogateescape",
                           write_through=tty)
    try:
        return run(args, sys.stdin.buffer, out, _AfterOut(sys.stderr, out), tty=tty,  # type: ignore[arg-type]
                   own_process=True)
    finally:
        out.flush()
        out.detach()
