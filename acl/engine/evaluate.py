"""The ACL interpreter: Exim's acl_check_internal() (statements and verbs) and
acl_check_condition() (conditions and modifiers strictly in order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from acl.config.model import AclDef, Condition, Config, Statement
from acl.engine.verdict import Effects, LogLine, Result
from acl.errors import AclError, ConfigError, ExpansionError, ForcedFail, LookupDefer
from acl.expansion import expand, literal
from acl.runtime.values import is_tainted, like

# Enum members read through their class cost a descriptor call each (Python
# 3.11), several per statement: the interpreter reads these names instead.
_OK, _FAIL, _DEFER, _ERROR, _FAIL_DROP, _DISCARD = (
    Result.OK, Result.FAIL, Result.DEFER, Result.ERROR, Result.FAIL_DROP, Result.DISCARD)

MAX_LEVEL = 20  # nesting limit of the acl condition (acl.c)
_PLANS_MAX = 10_000  # ACLs whose plans an interpreter keeps
_CONDITIONS: dict[str, Any] | None = None  # acl.engine.conditions.CONDITIONS, once loaded
_WARN_EFFECTS: Any = None  # acl.engine.modifiers.warn_effects, once loaded

# For which results of a statement's conditions "message"/"log_message" apply
# (acl.c msgcond). Tuples: membership is an identity test, where a set would
# call Enum.__hash__ (Python code) for every statement.
_MSGCOND = {
    "accept": (_OK, _FAIL, _FAIL_DROP),
    "discard": (_OK, _FAIL, _FAIL_DROP),
    "defer": (_OK,), "deny": (_OK,), "drop": (_OK,),
    "require": (_FAIL, _FAIL_DROP), "warn": (_OK,),
}
# What a step of a statement is (the markers act when the loop reaches them).
_TEST, _MESSAGE, _LOG_MESSAGE, _ENDPASS, _UNSUPPORTED = range(5)


class UnsupportedError(ConfigError):
    """An ACL condition or modifier this version of exim-acl does not implement."""


@dataclass(slots=True)
class RunState:
    """Shared by a top-level ACL run and the ACLs it nests (Exim's globals and
    the user_msgptr/log_msgptr pointers passed down)."""

    where: str
    ctx: Any
    effects: Effects = field(default_factory=Effects)
    user_msg: str | None = None
    log_msg: str | None = None
    temp_details: bool = False
    statement: Statement | None = None  # top-level statement being processed
    condition: Condition | None = None  # top-level condition that stopped it
    acl_name: str = ""


@dataclass(slots=True)
class Frame:
    """One statement being evaluated (what acl_check_condition keeps locally)."""

    state: RunState
    verb: str
    level: int
    cond: Condition | None = None
    endpass: bool = False


def snapshot(state: RunState) -> tuple[int, ...]:
    """Lengths of the effect lists, to tell a tracer what a modifier added."""
    e = state.effects
    return (len(e.headers_added), len(e.headers_removed), len(e.controls), len(e.delays),
            len(e.logs), len(e.udp_sent))


def expand_arg(frame: Frame, text: str) -> str | None:
    """Expand a condition's argument; None when the expansion is forced to fail
    (the condition is then ignored). Other failures raise CondError."""
    try:
        return expand(text, frame.state.ctx)
    except ForcedFail:
        return None
    except ExpansionError as e:
        rc = _DEFER if isinstance(e, LookupDefer) else _ERROR
        raise CondError(rc, f'failed to expand ACL string "{text}": {e.message}') from None


class CondError(Exception):
    """A condition ends with DEFER or ERROR and sets the log message."""

    def __init__(self, rc: Result, log_message: str | None) -> None:
        super().__init__(log_message)
        self.rc = rc
        self.log_message = log_message


class Interpreter:
    """Runs ACLs of one configuration. Inline ACL texts are parsed once and kept."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._inline: dict[str, AclDef] = {}
        # id(ACL) -> (the ACL, its statements with their steps). The entry holds
        # the ACL, so an id is never that of a dead object.
        self._plans: dict[int, tuple[AclDef, tuple[tuple[Statement, tuple[Any, ...]], ...]]] = {}

    def _plan(self, acl: AclDef) -> tuple[tuple[Statement, tuple[Any, ...]], ...]:
        """Each statement's steps, worked out once per ACL: which conditions are
        markers, their specs, and the arguments that are the same on every run."""
        hit = self._plans.get(id(acl))
        if hit is not None and hit[0] is acl:
            return hit[1]
        plan = tuple((stmt, tuple(_step(cb) for cb in stmt.conditions)) for stmt in acl.statements)
        if len(self._plans) >= _PLANS_MAX:  # inline ACLs made by expansions
            self._plans.clear()
        self._plans[id(acl)] = (acl, plan)
        return plan

    # -- finding the ACL ---------------------------------------------------

    def find(self, text: str) -> tuple[AclDef | None, str | None]:
        """The ACL named by (already expanded) ``text``, or parsed from it as an
        inline ACL or file; (None, error message) when it cannot be read."""
        text = text.lstrip()
        if text.startswith("/"):
            try:
                with open(text, encoding="utf-8", errors="surrogateescape") as f:
                    body = f.read()
            except OSError as e:
                return None, f'failed to open ACL file "{text}": {e.strerror}'
            return self._parse_inline(body, text)
        if " " not in text and text in self.config.acls:
            return self.config.acls[text], None
        return self._parse_inline(text, None)

    def _parse_inline(self, body: str, filename: str | None) -> tuple[AclDef | None, str | None]:
        key = (filename or "") + "\0" + body
        if key in self._inline:
            return self._inline[key], None
        from acl.config import parse_config_text

        name = filename or "inline"
        try:
            cfg = parse_config_text("begin acl\ninline_acl:\n" + body + "\n", filename=name)
        except ConfigError as e:
            msg = e.message.removeprefix("error in ACL: ")
            return None, msg
        acl = AclDef(body if filename is None else filename, cfg.acls["inline_acl"].statements,
                     cfg.acls["inline_acl"].span)
        self._inline[key] = acl
        return acl, None

    # -- acl_check_internal ------------------------------------------------

    def check(self, state: RunState, text: str, level: int) -> Result:
        extra = state.ctx.extra
        saved = extra.get("acl_level"), extra.get("acl_state")
        extra["acl_level"], extra["acl_state"] = level, state
        tracer = extra.get("acl_tracer")
        try:
            rc = self._check_acl(state, text, level, tracer)
        finally:
            extra["acl_level"], extra["acl_state"] = saved
        if tracer is not None:
            from acl.engine.verdict import VERB_OF
            tracer.leave(state.acl_name, VERB_OF[rc], level, state.user_msg, state.log_msg)
        return rc

    def _check_acl(self, state: RunState, text: str, level: int, tracer: Any) -> Result:
        if level > MAX_LEVEL:
            state.log_msg = "ACL nested too deep: possible loop"
            return _ERROR
        if not text:
            return _OK
        try:
            if "$" in text or "\\" in text:
                name = like(expand(text, state.ctx), text)  # expanding tainted text stays tainted
            else:
                name = text  # expands to itself
        except ForcedFail:
            return _OK
        except ExpansionError as e:
            state.log_msg = f'failed to expand ACL string "{text}": {e.message}'
            return _ERROR
        if is_tainted(name):
            state.effects.logs.append(LogLine(f'attempt to use tainted ACL text "{name}"',
                                              ("main", "panic")))
            state.log_msg = "internal configuration error"
            return _ERROR
        acl = self.config.acls.get(name)  # what find() gives for a plain name
        if acl is None:
            acl, err = self.find(name)
            if acl is None:
                state.log_msg = err
                return _ERROR
        if level == 0:
            state.acl_name = acl.name
        if tracer is not None:
            tracer.enter(acl.name, state.where, level)
        quit_check = level == 0 and state.where in ("quit", "notquit")
        frame = Frame(state, "", level)  # one for all statements: nothing keeps it
        for stmt, steps in self._plan(acl):
            verb = frame.verb = stmt.verb
            frame.cond, frame.endpass = None, False
            # Messages left by an earlier statement that did not end the ACL are
            # dropped (exim -bh: a failed "accept message = x" leaves none for a
            # following deny, while the implicit deny at the end keeps them).
            state.user_msg = state.log_msg = None
            if level == 0:
                state.statement, state.condition = stmt, None
            if tracer is not None:
                tracer.statement(stmt, level)
            rc = self._conditions(frame, steps, tracer)
            if level == 0 and rc is not _OK:
                state.condition = frame.cond
            if rc is _DEFER:
                if verb != "warn":
                    return _DEFER
            elif rc is _ERROR:
                return _ERROR
            out: Result | None = None
            if verb == "accept" or verb == "discard":
                if rc is _OK or rc is _DISCARD:
                    out = rc if verb == "accept" else _DISCARD
                elif frame.endpass:
                    out = rc
            elif verb == "warn":
                if rc is _FAIL:
                    state.user_msg = state.log_msg = None
                else:
                    self._warn(state, rc, acl.name)
            elif rc is _OK:
                if verb == "deny":
                    out = _FAIL
                elif verb == "defer":
                    state.temp_details = True
                    out = _DEFER
                elif verb == "drop":
                    out = _FAIL_DROP
            elif verb == "require":
                out = rc
            if out is not None:
                if quit_check and verb != "accept":
                    state.log_msg = (f"QUIT or not-QUIT toplevel ACL may not fail "
                                     f"('{verb}' verb used incorrectly)")
                    return _ERROR
                return out
        if level == 0:
            state.statement = state.condition = None
        return _FAIL

    def _warn(self, state: RunState, rc: Result, acl_name: str) -> None:
        global _WARN_EFFECTS
        if rc is _OK:
            if _WARN_EFFECTS is None:  # imported late: modifiers imports this module
                from acl.engine.modifiers import warn_effects as _WARN_EFFECTS
            _WARN_EFFECTS(state)
        elif rc == _DEFER:
            # Exim 4.96 names the verb where the ACL name is meant.
            tail = f": {state.log_msg}" if state.log_msg is not None else ""
            state.effects.logs.append(LogLine(
                f'Warning: ACL "warn" statement skipped: condition test deferred{tail}',
                host_prefix=True))
        state.user_msg = state.log_msg = None

    # -- acl_check_condition -------------------------------------------------

    def _conditions(self, frame: Frame, steps: tuple[Any, ...], tracer: Any) -> Result:
        state = frame.state
        user_message: Condition | None = None
        log_message: Condition | None = None
        rc = _OK
        snap: Any = None
        for code, cb, spec, text, fixed, negate in steps:
            if code:
                if code == _MESSAGE:
                    user_message = cb
                elif code == _LOG_MESSAGE:
                    log_message = cb
                elif code == _ENDPASS:
                    frame.endpass = True
                else:
                    raise UnsupportedError(
                        f'the "{cb.name}" ACL {"modifier" if spec and spec.modifier else "condition"}'
                        " is not yet supported by exim-acl", cb.span)
                continue
            frame.cond = cb
            if tracer:
                snap = snapshot(state)
            arg: str | None = fixed
            try:
                if arg is None:
                    arg = expand_arg(frame, text)
                    if arg is None:
                        if tracer:
                            tracer.condition(cb, None, "ignored", None, frame.level)
                        continue
                if state.where in spec.forbids:
                    from acl.engine.messages import WHERE_NAMES
                    # Exim says "condition" for modifiers too.
                    kind = "use" if spec.modifier else "test"
                    raise CondError(_ERROR, f"cannot {kind} {cb.name} condition in "
                                    f"{WHERE_NAMES.get(state.where, state.where)} ACL")
                rc = spec.func(frame, cb, arg)
            except CondError as e:
                state.log_msg = e.log_message
                rc = e.rc
            except ExpansionError as e:
                if spec.on_error is None:
                    raise
                err = spec.on_error(frame, e)
                state.log_msg, rc = err.log_message, err.rc
            if negate:
                if rc is _OK:
                    rc = _FAIL
                elif rc is _FAIL or rc is _FAIL_DROP:
                    rc = _OK
            if tracer:
                from acl.engine.trace import report
                report(tracer, frame, cb, spec.modifier, arg, rc, snap)
            if rc is not _OK:
                break
        else:
            frame.cond = None
        if frame.endpass and rc is _OK:
            user_message = None
        if rc in _MSGCOND[frame.verb]:
            if user_message is None and log_message is None:
                # _messages with nothing to expand
                if frame.verb == "warn" or (rc is _OK and frame.verb in ("accept", "discard")):
                    state.user_msg = state.log_msg = None
                elif state.log_msg is None:
                    state.log_msg = state.user_msg
            else:
                self._messages(frame, rc, user_message, log_message)
                if tracer:
                    from acl.engine.trace import report_messages
                    report_messages(tracer, frame, user_message, log_message)
        state.ctx.variables.pop("acl_verify_message", None)
        return rc

    def _messages(self, frame: Frame, rc: Result, user: Condition | None,
                  log: Condition | None) -> None:
        state = frame.state
        old_user = state.user_msg
        old_log = state.log_msg if state.log_msg is not None else old_user
        if frame.verb == "warn" or (rc == _OK and frame.verb in ("accept", "discard")):
            state.user_msg = state.log_msg = None
        if user is not None:
            text = self._expand_message(state, user, old_user)
            if text:
                state.user_msg = text
        if log is not None:
            text = self._expand_message(state, log, old_log)
            if text:
                state.log_msg = text if state.log_msg is None else f"{text}: {state.log_msg}"
        if state.log_msg is None:
            state.log_msg = state.user_msg

    @staticmethod
    def _expand_message(state: RunState, cb: Condition, verify_message: str | None) -> str | None:
        ctx = state.ctx
        if verify_message is None:
            ctx.variables.pop("acl_verify_message", None)
        else:
            ctx.variables["acl_verify_message"] = verify_message
        try:
            return expand(cb.value or "", ctx)
        except ForcedFail:
            return None
        except AclError as e:
            state.effects.logs.append(LogLine(
                f'failed to expand ACL message "{cb.value}": {e.message}', ("main", "panic")))
            return None


def _step(cb: Condition) -> tuple[Any, ...]:
    """(code, condition, spec, argument text, the argument when it needs no
    expanding, whether the result is turned round) for one condition."""
    global _CONDITIONS
    if _CONDITIONS is None:  # imported late: conditions imports this module
        from acl.engine.conditions import CONDITIONS as _CONDITIONS
    if cb.name in _MARKERS:
        return (_MARKERS[cb.name], cb, None, "", None, False)
    spec = _CONDITIONS.get(cb.name)
    if spec is None or spec.func is None:
        return (_UNSUPPORTED, cb, spec, "", None, False)
    text = cb.value or ""
    fixed = literal(text) if spec.expand else text
    return (_TEST, cb, spec, text, fixed, cb.negated and not spec.modifier)


_MARKERS = {"message": _MESSAGE, "log_message": _LOG_MESSAGE, "endpass": _ENDPASS}


_ARG_NAMES = tuple(f"acl_arg{i}" for i in range(1, 10))


def call_with_args(state: RunState, name: str, args: list[str], level: int) -> Result:
    """Run a nested ACL with $acl_arg1..9 and $acl_narg set, restoring the
    caller's values afterwards (acl_check_wargs / eval_acl)."""
    from acl.engine import _interpreter_of

    variables = state.ctx.variables
    saved = {n: variables.get(n) for n in (*_ARG_NAMES, "acl_narg")}
    args = args[:9]
    for i, n in enumerate(_ARG_NAMES):
        if i < len(args):
            variables[n] = args[i]
        else:
            variables.pop(n, None)
    variables["acl_narg"] = str(len(args))
    try:
        return _interpreter_of(state).check(state, name, level)
    finally:
        for n, v in saved.items():
            if v is None:
                variables.pop(n, None)
            else:
                variables[n] = v
