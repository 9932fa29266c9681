"""MAIL and RCPT arguments: ESMTP parameters taken off the end of the line as
Exim's extract_option() does, then the address parsed as parse.c does (RFC
2821 mailbox in angle brackets or bare), with Exim's error texts."""

from __future__ import annotations

from dataclasses import dataclass, field

from acl.builtins.items._util import from_bytes, to_bytes
from acl.builtins.operators.address import AddressParser, _Fail

MAX_PARAMS = 64  # bound on the parameters taken from one command


class SyntaxFail(Exception):
    """A 501 synprot error: ``text`` is what follows the code."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class AddressFail(SyntaxFail):
    """The address itself is bad: Exim puts the argument before the text."""


def extract_option(data: str) -> tuple[str, str, str] | None:
    """The last ``NAME=VALUE`` (or bare ``NAME``) of ``data``: (the data
    before it, name, value). None when there is no parameter to take. A bare
    name gives the name as its value too, as in Exim."""
    v = len(data.rstrip()) - 1
    data = data[: v + 1]
    if v <= 0:
        return None
    while v > 0 and data[v] != "=" and not data[v].isspace():
        if data[v] == '"':  # a space inside a quoted local part does not count
            v -= 1
            while v > 0 and data[v] != '"':
                v -= 1
            if v <= 0:
                return None
        v -= 1
    if v <= 0:
        return None
    if data[v] == "=":
        n = v
        while n > 0 and data[n - 1].isascii() and data[n - 1].isalpha():
            n -= 1
        if n == 0 or not data[n - 1].isspace():
            return None
        return data[: n - 1], data[n:v], data[v + 1:]
    name = data[v + 1:]
    return data[:v], name, name


@dataclass
class MailParams:
    size: int | None = None
    body: str | None = None  # "7BIT" / "8BITMIME"
    ret: str | None = None
    envid: str | None = None
    prdr: bool = False
    smtputf8: bool = False
    auth: str | None = None


@dataclass
class RcptParams:
    orcpt: str | None = None  # as given: addr-type;xtext (decoded only for reports)
    notify: set[str] = field(default_factory=set)


_MAIL_NAMES = ("SIZE", "BODY", "AUTH", "PRDR", "RET", "ENVID", "SMTPUTF8")
_NEED_VALUE = ("SIZE", "BODY", "AUTH", "RET", "ENVID")


def mail_params(data: str, *, dsn: bool, prdr_enable: bool,
                smtputf8: bool) -> tuple[str, MailParams]:
    """Take the ESMTP parameters off a MAIL argument; returns what is left for
    the address. Raises SyntaxFail for a bad value."""
    p = MailParams()
    for _ in range(MAX_PARAMS):
        got = extract_option(data)
        if got is None:
            break
        rest, name, value = got
        uname = name.upper()
        if uname not in _MAIL_NAMES:
            break  # left in place: the address parser will complain
        data = rest
        if uname in _NEED_VALUE and value == "":
            break
        if uname == "SIZE":
            if value.isdigit():
                p.size = min(int(value), 2**31 - 1)
        elif uname == "BODY":
            if value.upper() not in ("8BITMIME", "7BIT"):
                raise SyntaxFail("invalid data for BODY")
            p.body = value.upper()
        elif uname == "RET" and dsn:
            if p.ret is not None:
                raise SyntaxFail("RET can be specified once only")
            if value.upper() not in ("HDRS", "FULL"):
                raise SyntaxFail("Value for RET is invalid")
            p.ret = value.upper()
        elif uname == "ENVID" and dsn:
            if p.envid is not None:
                raise SyntaxFail("ENVID can be specified once only")
            p.envid = value
        elif uname == "AUTH":
            p.auth = value
        elif uname == "PRDR":
            p.prdr = prdr_enable
        elif uname == "SMTPUTF8":
            if not smtputf8:
                raise SyntaxFail("SMTPUTF8 used when not advertised")
            p.smtputf8 = True
    return data, p


def rcpt_params(data: str) -> tuple[str, RcptParams]:
    """Take ORCPT and NOTIFY off a RCPT argument (only when DSN was advertised)."""
    p = RcptParams()
    for _ in range(MAX_PARAMS):
        got = extract_option(data)
        if got is None:
            break
        rest, name, value = got
        uname = name.upper()
        if uname == "ORCPT":
            if p.orcpt is not None:
                raise SyntaxFail("ORCPT can be specified once only")
            p.orcpt = value
        elif uname == "NOTIFY":
            if p.notify:  # Exim looks at the flags: an empty NOTIFY= sets none
                raise SyntaxFail("NOTIFY can be specified once only")
            if value.upper() == "NEVER":
                p.notify.add("NEVER")
            else:
                # As Exim's loop: an empty value and a trailing comma pass.
                items = value.split(",")
                if items[-1] == "":
                    items.pop()
                for item in items:
                    if item.upper() not in ("SUCCESS", "FAILURE", "DELAY"):
                        raise SyntaxFail("Invalid value for NOTIFY parameter")
                    p.notify.add(item.upper())
        else:
            break
        data = rest
    return data, p


def parse_address(data: str, allow_null: bool,
                  allow_literals: bool = False) -> tuple[str, bool]:
    """Exim's parse_extract_address() on a MAIL/RCPT argument: (address,
    has a domain). Raises SyntaxFail with parse.c's message; a domain literal
    is refused unless ``allow_domain_literals`` is set, and must then hold an
    IP address."""
    if allow_null:
        lead = len(data) - len(data.lstrip())
        if data[lead:lead + 2] == "<>":
            after = data[lead + 2:]
            p = lead + 2 + len(after) - len(after.lstrip())
            if p < len(data):
                raise AddressFail(f"malformed address: {data[p:p + 32]} may not follow {data[:p]}")
            return "", False
    parser = AddressParser()
    b = to_bytes(data)
    parser.s = b + b"\0"
    try:
        x = parser._extract()
    except _Fail as e:
        msg = str(e)
        if msg == "malformed address":
            p = parser._fail_pos
            tail = from_bytes(b[p:p + 32])
            msg = f"malformed address: {tail} may not follow {from_bytes(b[:p])}"
        raise AddressFail(msg) from None
    if x is None:  # parse.c's length limit
        shown = data.lstrip().lstrip("<")
        raise AddressFail(f"address is ridiculously long: {shown[:64]}...")
    address = from_bytes(x.address)
    if x.domain > 0:
        _check_literal(address.rpartition("@")[2], allow_literals)
    return address, x.domain > 0


def _check_literal(domain: str, allowed: bool) -> None:
    from acl.runtime.lists import is_ip

    if not domain.startswith("["):
        return
    if not allowed:
        raise AddressFail("domain literals not allowed")
    inner = domain[1:-1]
    ok = is_ip(inner[5:], 6) if inner[:5].lower() == "ipv6:" else is_ip(inner, 4)
    if not ok:
        raise AddressFail("malformed domain literal")
