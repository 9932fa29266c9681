"""The ACL engine: ``Engine(config).run_acl(name_or_text, ctx, where=...)``
evaluates an ACL as Exim does and returns a :class:`Verdict` (the result,
messages, the deciding statement, and side effects for the caller)."""

from __future__ import annotations

from typing import Any

from acl.config.model import Config
from acl.engine import hooks, ratelimit
from acl.engine.evaluate import Interpreter, RunState, UnsupportedError
from acl.engine.messages import accept_reply, failure_reply, split_message
from acl.engine.verdict import Control, Effects, HeaderAdd, LogLine, Result, Verdict

__all__ = ["Engine", "Verdict", "Result", "Effects", "HeaderAdd", "Control", "LogLine",
           "UnsupportedError", "PHASES", "accept_reply", "failure_reply"]

# The phases ("where") an ACL can run in, with the option that names their ACL.
PHASES = {
    "connect": "acl_smtp_connect", "helo": "acl_smtp_helo", "mail": "acl_smtp_mail",
    "rcpt": "acl_smtp_rcpt", "predata": "acl_smtp_predata", "data": "acl_smtp_data",
    "mime": "acl_smtp_mime", "dkim": "acl_smtp_dkim", "prdr": "acl_smtp_data_prdr",
    "quit": "acl_smtp_quit", "notquit": "acl_smtp_notquit", "vrfy": "acl_smtp_vrfy",
    "expn": "acl_smtp_expn", "etrn": "acl_smtp_etrn", "starttls": "acl_smtp_starttls",
    "auth": "acl_smtp_auth", "mailauth": "acl_smtp_mailauth", "not_smtp": "acl_not_smtp",
    "not_smtp_start": "acl_not_smtp_start", "not_smtp_mime": "acl_not_smtp_mime",
    "delivery": "", "unknown": "",
}
_ALIASES = {"ehlo": "helo", "data_prdr": "prdr", "notsmtp": "not_smtp", "non_smtp": "not_smtp",
            "not-smtp": "not_smtp", "not_quit": "notquit", "mail_auth": "mailauth"}
# What happens when the option for a phase is unset (not when the ACL denies).
_UNSET_DENIES = frozenset({"etrn", "expn", "rcpt", "vrfy"})
# Phases where "discard" makes sense (others turn it into an error).
_DISCARD_OK = frozenset({"mail", "rcpt", "data", "not_smtp", "mime", "not_smtp_mime", "dkim",
                         "prdr"})


_DISCARD = Result.DISCARD  # read through the class, a member costs a descriptor call
_MESSAGE_VARIABLES = ("sender_rate", "sender_rate_limit", "sender_rate_period")
_MESSAGE_EXTRA = ("acl_added_headers", "acl_removed_headers", "acl_warn_logged", hooks.MESSAGE_CONTROLS)


def _drop_vars(ctx: Any, prefix: str) -> None:
    for name in [n for n in ctx.acl_vars if n.startswith(prefix)]:
        del ctx.acl_vars[name]


def _interpreter_of(state: RunState) -> Interpreter:
    return state.ctx.extra["acl_engine"]._interp  # type: ignore[no-any-return]


def normalize_where(where: str) -> str:
    w = _WHERE.get(where)
    if w is not None:
        return w
    w = where.strip().lower()
    w = w.removeprefix("acl_smtp_").removeprefix("acl_")
    w = _ALIASES.get(w, w)
    if w not in PHASES:
        raise ValueError(f"unknown ACL phase {where!r}")
    if len(_WHERE) < 1000:  # names as callers write them; few, but bound the table
        _WHERE[where] = w
    return w


_WHERE: dict[str, str] = {}


class _Runner:
    """What ``${acl{...}}`` calls: an ACL of ``engine`` run in ``ctx`` (kept
    on the context, and reused while the same engine serves it)."""

    __slots__ = ("engine", "ctx")

    def __init__(self, engine: "Engine", ctx: Any) -> None:
        self.engine, self.ctx = engine, ctx

    def __call__(self, name: str, args: list[str]) -> tuple[str, str | None]:
        from acl.engine.evaluate import call_with_args

        ctx = self.ctx
        where = ctx.extra.get("acl_where") or "unknown"
        outer = ctx.extra.get("acl_state")
        state = RunState(where, ctx, outer.effects if outer else Effects())
        level = ctx.extra.get("acl_level")
        rc = call_with_args(state, name, list(args), 0 if level is None else level + 1)
        return rc.value, state.user_msg


class Engine:
    """Evaluates the ACLs of one configuration; stateless between runs apart
    from caches, so one Engine serves many sessions (one ExpansionContext each)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._interp = Interpreter(config)

    def unsupported(self) -> list[UnsupportedError]:
        """Conditions in the configuration this version cannot evaluate yet."""
        from acl.engine.conditions import UNSUPPORTED

        out = []
        for acl in self.config.acls.values():
            for stmt in acl.statements:
                for c in stmt.conditions:
                    if c.name in UNSUPPORTED:
                        out.append(UnsupportedError(
                            f'the "{c.name}" ACL condition is not yet supported by exim-acl',
                            c.span))
        return out

    def acl_for(self, where: str) -> str | None:
        """The (unexpanded) ACL option value for a phase, None when unset."""
        opt = PHASES[normalize_where(where)]
        v = self.config.options.get(opt) if opt else None
        return v if v else None

    def attach(self, ctx: Any, where: str) -> None:
        """Make ``${acl{...}}`` and the ``acl`` expansion condition run ACLs of
        this engine in ``ctx`` (phase: the ACL running at the time, else
        ``where``)."""
        self._attach(ctx, normalize_where(where))

    def _attach(self, ctx: Any, where: str) -> None:
        if ctx.config is None:
            ctx.config = self.config
        ctx.extra["acl_engine"] = self
        ctx.extra.setdefault("acl_where", where)
        runner = ctx.acl_runner
        if type(runner) is not _Runner or runner.engine is not self or runner.ctx is not ctx:
            ctx.acl_runner = _Runner(self, ctx)

    # -- lifetimes (the SMTP dialogue calls these, as smtp_in.c resets state)

    def begin_connection(self, ctx: Any) -> None:
        """A new SMTP connection (or non-SMTP message) in ``ctx``: $acl_c* and
        $acl_m* start empty, and the rate limiter starts with empty
        per-connection caches. Also does what :meth:`begin_message` does."""
        _drop_vars(ctx, "acl_c")
        ratelimit.new_connection(ctx)
        self.begin_message(ctx)

    def begin_message(self, ctx: Any) -> None:
        """A new message transaction: Exim's smtp_reset(), called on MAIL,
        RSET, HELO/EHLO and after a message is accepted. $acl_m* are emptied,
        as are $sender_rate*, the pending headers added or removed by ACLs, the
        warn log lines already written, and the per-message rate caches."""
        _drop_vars(ctx, "acl_m")
        for name in _MESSAGE_VARIABLES:
            ctx.variables.pop(name, None)
        for key in _MESSAGE_EXTRA:
            ctx.extra.pop(key, None)
        ratelimit.new_message(ctx)
        hooks.new_message(ctx)

    def begin_command(self, ctx: Any) -> None:
        """A new SMTP command: rates remembered per command (per_cmd,
        per_rcpt in RCPT, readonly checks) are computed afresh."""
        ratelimit.new_command(ctx)

    def run_acl(self, name_or_text: str | None, ctx: Any, *, where: str) -> Verdict:
        """Run an ACL given by name, inline text, file name (``/...``) or an
        expansion giving one of those. None means "the option is unset": the
        phase's default applies (accept, or deny for RCPT/VRFY/EXPN/ETRN)."""
        w = normalize_where(where)
        if name_or_text is None:
            res = Result.FAIL if w in _UNSET_DENIES else Result.OK
            return Verdict(res, where=w)
        self._attach(ctx, w)
        outer_where = ctx.extra.get("acl_where")
        ctx.extra["acl_where"] = w
        state = RunState(w, ctx)
        try:
            rc = self._interp.check(state, name_or_text, 0)
        finally:
            ctx.extra["acl_where"] = outer_where
        if rc is _DISCARD and w not in _DISCARD_OK:
            from acl.engine.messages import WHERE_NAMES
            state.effects.logs.append(LogLine(
                f'"discard" verb not allowed in {WHERE_NAMES[w]} ACL', ("main", "panic")))
            rc = Result.ERROR  # the log message is kept (exim -bh)
        return Verdict(rc, split_message(state.user_msg), state.log_msg, state.acl_name,
                       state.statement, state.condition, state.temp_details, state.effects, w)
