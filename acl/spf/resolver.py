"""pyspf's DNS questions answered by acl.dns (the configured servers, never
pyspf's own resolver).

pyspf asks through its module-level ``DNSLookup`` function; it is replaced
once by a dispatcher that answers for the context of the check running in
this thread or task (a context variable), so concurrent sessions with
different servers do not mix. Outside a check every question is a temporary
failure."""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator

import dns.rdatatype
import spf

from acl.dns import Status, resolve

_CTX: contextvars.ContextVar[Any] = contextvars.ContextVar("acl_spf_ctx", default=None)
_ADDRESS_TYPES = ("A", "AAAA")


def _name(target: Any) -> str:
    return str(target.to_text(omit_final_dot=True))


def _value(qtype: str, rdata: Any) -> Any:
    """The value in the shape pyspf's dnspython driver gives it."""
    if qtype in _ADDRESS_TYPES:
        return rdata.address
    if qtype == "MX":
        return (rdata.preference, _name(rdata.exchange))
    if qtype == "PTR":
        return _name(rdata.target)
    return tuple(rdata.strings)  # TXT: the character-strings, as bytes


def lookup(name: str, qtype: str, strict: Any = True, timeout: Any = None) -> list[tuple[Any, Any]]:
    """pyspf's ``DNSLookup`` interface: ``[((name, type), value), ...]``."""
    ctx = _CTX.get()
    if ctx is None:
        raise spf.TempError("DNS lookup outside an SPF check")
    try:
        rtype = dns.rdatatype.from_text(qtype)
    except dns.rdatatype.UnknownRdatatype:
        return []
    ans = resolve(ctx, name, rtype)
    if ans.status is Status.AGAIN:
        raise spf.TempError(f"DNS temporary failure for {name} {qtype}")
    if ans.status is not Status.SUCCEED:
        return []
    return [((name, qtype), _value(qtype, r.rdata)) for r in ans.records if r.rtype == rtype]


spf.DNSLookup = lookup


@contextlib.contextmanager
def resolving_for(ctx: Any) -> Iterator[None]:
    """Answer pyspf's questions with ``ctx``'s DNS settings meanwhile."""
    token = _CTX.set(ctx)
    try:
        yield
    finally:
        _CTX.reset(token)
