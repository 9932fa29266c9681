"""The AUTH command as smtp_in.c runs it: the checks before the exchange,
the AUTH ACL, the mechanism, the 334 challenges, and the outcome (reply,
log line, variables). Sans-IO: the dialogue sends :attr:`AuthExchange.challenge`
and feeds each response line to :meth:`AuthExchange.respond`."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Callable

from acl.auth.drivers import SERVERS, AuthData, Rc, Server
from acl.auth.instances import Authenticator, authenticators
from acl.errors import AclError
from acl.runtime.values import TaintedStr

STATE_KEY = "auth_state"
_AUTH_VAR_NAMES = ("auth1", "auth2", "auth3", "auth4")
_C_SPACE = " \t\n\v\f\r"


@dataclass
class AuthState:
    """Per connection (ctx.extra[STATE_KEY])."""

    auth_advertised: bool = False  # the last HELO/EHLO advertised AUTH
    advertised: set[str] = field(default_factory=set)  # instance names in that line
    authenticated_by: Authenticator | None = None
    auth_commands: int = 0  # only the first AUTH is a "mail" command


def state(ctx: Any) -> AuthState:
    st = ctx.extra.get(STATE_KEY)
    if st is None:
        st = ctx.extra[STATE_KEY] = AuthState()
    return st  # type: ignore[no-any-return]


def _expand(text: str, ctx: Any) -> str:
    from acl.expansion import expand

    return expand(text, ctx)


@dataclass
class SynprotError:
    """A reply that Exim gives through synprot_error(): it counts towards
    smtp_max_synprot_errors and is logged with the smtp_protocol_error or
    smtp_syntax_error selector (``kind``)."""

    code: int
    text: str
    kind: str  # "protocol" or "syntax"


class AuthExchange:
    """One AUTH command. Exactly one of these ends it: ``acl_verdict`` (the
    AUTH ACL refused), ``error`` (a synprot error), or ``reply`` with
    ``log_lines`` once ``challenge`` is None."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.challenge: str | None = None  # the "334 ..." line to send next
        self.reply: str | None = None
        self.log_lines: list[str] = []
        self.error: SynprotError | None = None
        self.acl_verdict: Any = None
        self.acl_what = ""  # for Policy.fail("auth", verdict, what=...)
        self.rc: Rc | None = None
        self.authenticator: Authenticator | None = None
        self._server: Server | None = None
        self._data = AuthData()
        self._saved_bindings: dict[str, str] = {}

    @property
    def done(self) -> bool:
        return self.challenge is None

    @property
    def succeeded(self) -> bool:
        return self.rc is Rc.OK and self.reply is not None and self.reply.startswith("235")

    # -- driving ---------------------------------------------------------

    def _start(self, au: Authenticator, data: str) -> None:
        self.authenticator = au
        b = self.ctx.bindings
        self._saved_bindings = {k: b[k] for k in list(b) if k.isdigit()}
        for k in self._saved_bindings:
            del b[k]
        self._publish()
        self._server = SERVERS[au.driver](self.ctx, au, data, self._data, self._expanding)
        self._step(None)

    def respond(self, line: str | None) -> None:
        """The client's line to the last challenge, without its line end
        (one trailing CR is dropped here). At end of input pass None: Exim
        then reads an empty response."""
        if self.challenge is None:
            raise ValueError("no challenge is outstanding")
        line = "" if line is None else line
        if line.endswith("\r"):
            line = line[:-1]
        self._step(TaintedStr(line))

    def _step(self, line: str | None) -> None:
        assert self._server is not None
        try:
            prompt = self._server.send(line) if line is not None else next(self._server)
        except StopIteration as stop:
            self.challenge = None
            self._finish(stop.value)
            return
        raw = prompt.encode("utf-8", "surrogateescape")
        self.challenge = "334 " + base64.b64encode(raw).decode("ascii")

    def _expanding(self, text: str, ctx: Any) -> str:
        self._publish()
        return _expand(text, ctx)

    def _publish(self) -> None:
        """$auth1..$auth4 and $0, $1.. as the client's items so far."""
        v, b, d = self.ctx.variables, self.ctx.bindings, self._data
        for i, name in enumerate(_AUTH_VAR_NAMES):
            if i < len(d.auth_vars):
                v[name] = d.auth_vars[i]
            else:
                v.pop(name, None)
        for k in [k for k in b if k.isdigit()]:
            del b[k]
        b["0"] = ""
        for i, item in enumerate(d.numeric[:9], start=1):
            b[str(i)] = item

    def _unpublish(self) -> None:
        v, b = self.ctx.variables, self.ctx.bindings
        for name in _AUTH_VAR_NAMES:
            v.pop(name, None)
        for k in [k for k in b if k.isdigit()]:
            del b[k]
        b.update(self._saved_bindings)

    # -- the outcome (smtp_in_auth) -----------------------------------------

    def _finish(self, rc: Rc) -> None:
        from acl.engine.modifiers import printing
        from acl.smtp.logs import host_and_ident

        au, d, v = self.authenticator, self._data, self.ctx.variables
        assert au is not None
        raw_id = au.opt("server_set_id")
        set_id: str | None = None
        if raw_id is not None:
            try:
                set_id = self._expanding(raw_id, self.ctx)
            except AclError:
                set_id = None  # Exim tries it even after a failure, for the log
        self._unpublish()
        if set_id is not None:
            set_id = printing(set_id)
        self.rc = rc
        if rc is Rc.OK:
            if raw_id is None or set_id is not None:
                if set_id is not None:
                    v["authenticated_id"] = TaintedStr(set_id)
                v["sender_host_authenticated"] = au.name
                v["authentication_failed"] = "0"
                v.pop("authenticated_fail_id", None)
                tls = bool(v.get("tls_in_cipher"))
                v["received_protocol"] = "esmtpa" if not tls else "esmtpsa"
                state(self.ctx).authenticated_by = au
                self.reply = "235 Authentication succeeded"
                return
            # server_set_id did not expand: Exim answers 435 and logs nothing.
            self.rc = Rc.DEFER
            self.reply = "435 Unable to authenticate at present"
            return
        shown = f" (set_id={set_id})" if set_id else ""
        if rc in (Rc.DEFER, Rc.FAIL) and set_id is not None:
            # Exim copies the decorated text, as recorded.
            v["authenticated_fail_id"] = TaintedStr(shown)
        if rc is Rc.DEFER:
            self.reply = "435 Unable to authenticate at present" + d.defer_user_msg
            errmsg = f"435 Unable to authenticate at present{shown}: {d.defer_msg}"
        elif rc is Rc.FAIL:
            self.reply = "535 Incorrect authentication data"
            errmsg = self.reply + shown
        else:
            self.reply = errmsg = {Rc.BAD64: "501 Invalid base64 data",
                                   Rc.CANCELLED: "501 Authentication cancelled",
                                   Rc.UNEXPECTED: "553 Initial data not expected"}[rc]
        self.log_lines.append(f"{au.name} authenticator failed for "
                              f"{host_and_ident(v, False)}: {errmsg}")


def acl_what(argument: str) -> str:
    """How a refusal by the AUTH ACL names the command in its log line:
    Exim shows only the mechanism (the argument's first word)."""
    word = argument
    for i, c in enumerate(argument):
        if c in _C_SPACE:
            word = argument[:i]
            break
    return f"AUTH {word}"


def begin_auth(ctx: Any, engine: Any, argument: str, *, in_transaction: bool,
               allow_unadvertised: bool = False,
               run: Callable[[], Any] | None = None) -> AuthExchange:
    """Start the AUTH command whose argument (after ``AUTH`` and its blanks)
    is ``argument``. ``in_transaction``: a MAIL command was accepted and the
    message is not finished. ``allow_unadvertised``: the connect or HELO ACL
    obeyed ``control = allow_auth_unadvertised``. ``run`` runs the AUTH ACL
    and returns its Verdict (default: ``engine.run_acl``); it is called only
    when ``acl_smtp_auth`` is set."""
    from acl.engine import Result

    ex = AuthExchange(ctx)
    st = state(ctx)
    st.auth_commands += 1
    ctx.variables["authentication_failed"] = "1"
    if not st.auth_advertised and not allow_unadvertised:
        ex.error = SynprotError(503, "AUTH command used when not advertised", "protocol")
        return ex
    if ctx.variables.get("sender_host_authenticated"):
        ex.error = SynprotError(503, "already authenticated", "protocol")
        return ex
    if in_transaction:
        ex.error = SynprotError(503, "not permitted in mail transaction", "protocol")
        return ex
    acl = engine.acl_for("auth") if engine is not None else None
    if acl:
        verdict = run() if run is not None else engine.run_acl(acl, ctx, where="auth")
        if verdict.result != Result.OK:
            ex.acl_verdict, ex.acl_what = verdict, acl_what(argument)
            return ex
    mech = argument
    for i, c in enumerate(argument):
        if c in _C_SPACE:
            mech = argument[:i]
            break
        if not (c.isascii() and c.isalnum()) and c not in "-_":
            ex.error = SynprotError(501, "invalid character in authentication mechanism name",
                                    "syntax")
            return ex
    data = argument[len(mech):].lstrip(_C_SPACE)
    for au in authenticators(ctx.config):
        if (au.public_name.lower() == mech.lower() and au.server
                and au.driver in SERVERS
                and (au.name in st.advertised or allow_unadvertised)):
            ex._start(au, data)
            return ex
    ex.error = SynprotError(504, f"{mech} authentication mechanism not supported", "protocol")
    return ex


def counts_as_mail_command(ctx: Any) -> bool:
    """Exim counts the first AUTH of a connection as a mail command and the
    later ones against smtp_accept_max_nonmail. Ask before begin_auth."""
    return state(ctx).auth_commands == 0
