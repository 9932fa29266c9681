"""Server code of the plaintext and cram_md5 drivers (auths/plaintext.c,
auths/cram_md5.c, auths/get_data.c). Each driver is a generator: it yields
a challenge (raw text, base64-encoded by the exchange into a 334 line),
is sent the client's response line, and returns an :class:`Rc`."""

from __future__ import annotations

import enum
import hmac
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Generator

from acl.auth.instances import Authenticator
from acl.builtins.operators.encoding import b64decode
from acl.errors import AclError, ForcedFail
from acl.runtime.values import TaintedStr

EXPAND_MAXN = 20  # numbered items Exim keeps ($1..)
AUTH_VARS = 4  # $auth1..$auth4
BIG_BUFFER = 16384  # a response line this long (with its NUL) is bad base64
CHALLENGE_KEY = "auth_cram_challenge"  # ctx.extra: fixed CRAM-MD5 challenge (tests)
_C_SPACE = " \t\n\v\f\r"


class Rc(enum.Enum):
    OK = "ok"
    FAIL = "fail"
    DEFER = "defer"
    BAD64 = "bad64"
    CANCELLED = "cancelled"
    UNEXPECTED = "unexpected"


@dataclass
class AuthData:
    """What the client sent so far: $auth1.. and the numbered $1.. (they
    differ only in cram_md5), and the texts of a deferral."""

    auth_vars: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)
    defer_msg: str = ""
    defer_user_msg: str = ""

    def add(self, item: str) -> None:
        if len(self.numeric) < AUTH_VARS:
            self.auth_vars.append(item)
        self.numeric.append(item)


Server = Generator[str, str, Rc]


def _text(b: bytes) -> str:
    return TaintedStr(b.decode("utf-8", "surrogateescape"))


def _split_into(st: AuthData, clear: bytes, at_least_one: bool) -> None:
    """Items separated by NULs (auth_read_input / auth_prompt): a prompt's
    response always gives one item, even when empty."""
    pos, end = 0, len(clear)
    while True:
        if not at_least_one and not (pos < end and len(st.numeric) < EXPAND_MAXN):
            return
        at_least_one = False
        nul = clear.find(b"\0", pos)
        nul = end if nul < 0 else nul
        st.add(_text(clear[pos:nul]))
        pos = nul + 1
        if not (pos < end and len(st.numeric) < EXPAND_MAXN):
            return


def read_input(st: AuthData, data: str) -> Rc:
    """Initial data on the AUTH command; ``=`` is one empty item."""
    if data == "=":
        st.add(TaintedStr(""))
        return Rc.OK
    clear = b64decode(data.encode("utf-8", "surrogateescape"))
    if clear is None:
        return Rc.BAD64
    _split_into(st, clear, at_least_one=False)
    return Rc.OK


def decode_response(line: str) -> bytes | Rc:
    """auth_get_data() and the decoding: a cancel, an over-long line or bad
    base64 give their Rc."""
    raw = line.encode("utf-8", "surrogateescape")
    if len(raw) >= BIG_BUFFER - 1:
        return Rc.BAD64
    if line == "*":
        return Rc.CANCELLED
    clear = b64decode(raw)
    return Rc.BAD64 if clear is None else clear


def check_condition(ctx: Any, text: str | None, st: AuthData, unset: Rc,
                    expand: Callable[[str, Any], str]) -> Rc:
    """auth_check_some_cond(): a boolean word decides, any other text defers
    with that text, a forced failure fails, an expansion error defers."""
    if text is None:
        return unset
    try:
        cond = expand(text, ctx)
    except ForcedFail:
        return Rc.FAIL
    except AclError as e:
        st.defer_msg = e.message
        return Rc.DEFER
    if cond in ("", "0") or cond.lower() in ("no", "false"):
        return Rc.FAIL
    if cond == "1" or cond.lower() in ("yes", "true"):
        return Rc.OK
    st.defer_msg = cond
    st.defer_user_msg = f": {cond}"
    return Rc.DEFER


def plaintext(ctx: Any, au: Authenticator, data: str, st: AuthData,
              expand: Callable[[str, Any], str]) -> Server:
    from acl.runtime.lists import iter_list

    prompts = ""
    raw = au.opt("server_prompts")
    if raw is not None:
        try:
            prompts = expand(raw, ctx)
        except AclError as e:
            st.defer_msg = e.message
            return Rc.DEFER
    if data:
        rc = read_input(st, data)
        if rc is not Rc.OK:
            return rc
    number = 1
    for prompt in iter_list(prompts):
        if len(st.numeric) >= EXPAND_MAXN:
            break
        if number > len(st.numeric):
            got = decode_response((yield prompt))
            if isinstance(got, Rc):
                return got
            _split_into(st, got, at_least_one=True)
        number += 1
    return check_condition(ctx, au.opt("server_condition"), st, Rc.OK, expand)


def _hexval(c: int) -> int:
    # Exim reads the digest with lower-case arithmetic only, as here.
    return c - ord("a") + 10 if c >= ord("a") else c - ord("0")


def cram_challenge(ctx: Any) -> str:
    fixed = ctx.extra.get(CHALLENGE_KEY)
    if fixed:
        return str(fixed)
    host = ctx.registry.variables["primary_hostname"].getter(ctx) or ""
    return f"<{os.getpid()}.{int(ctx.clock())}@{host}>"


def cram_md5(ctx: Any, au: Authenticator, data: str, st: AuthData,
             expand: Callable[[str, Any], str]) -> Server:
    challenge = cram_challenge(ctx)
    if data:
        return Rc.UNEXPECTED
    clear = decode_response((yield challenge))
    if isinstance(clear, Rc):
        return clear
    n = 0
    while n < len(clear) and clear[n] != 0 and chr(clear[n]) not in _C_SPACE:
        n += 1
    st.auth_vars = [_text(clear[:n])]  # $auth1 before the checks (set_id may use it)
    if n >= len(clear) or chr(clear[n]) not in _C_SPACE:
        return Rc.FAIL
    if len(clear) - n - 1 != 32:
        return Rc.FAIL
    st.numeric = [st.auth_vars[0]]
    try:
        secret = expand(au.opt("server_secret") or "", ctx)
    except ForcedFail:
        return Rc.FAIL  # no secret for this user
    except AclError as e:
        st.defer_msg = e.message
        return Rc.DEFER
    digest = hmac.new(secret.encode("utf-8", "surrogateescape"),
                      challenge.encode("utf-8", "surrogateescape"), "md5").digest()
    hexpart = clear[n + 1:]
    for i in range(16):
        if (_hexval(hexpart[2 * i]) << 4) + _hexval(hexpart[2 * i + 1]) != digest[i]:
            return Rc.FAIL
    return check_condition(ctx, au.opt("server_condition"), st, Rc.OK, expand)


SERVERS: dict[str, Callable[..., Server]] = {"plaintext": plaintext, "cram_md5": cram_md5}
