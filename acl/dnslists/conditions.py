"""The ACL engine's entry points for the DNS conditions: ``dnslists`` and the
DNS-dependent kinds of ``verify`` (reverse_host_lookup, helo, csa). They
return engine results and leave log lines in the running ACL's effects."""

from __future__ import annotations

from typing import Any

from acl.engine.evaluate import CondError, Frame
from acl.engine.verdict import LogLine, Result

_RESULTS = {"ok": Result.OK, "fail": Result.FAIL, "defer": Result.DEFER}


def _logger(frame: Frame) -> Any:
    def log(text: str, logs: tuple[str, ...]) -> None:
        frame.state.effects.logs.append(LogLine(text, logs))
    return log


def dnslists(frame: Frame, cb: Any, arg: str) -> Result:
    from acl.dnslists.dnsbl import check_dnsbl

    return _RESULTS[check_dnsbl(frame.state.ctx, arg, _logger(frame))]


def verify_reverse_host_lookup(frame: Frame, options: list[str]) -> Result:
    from acl.dnslists.hostlookup import verify_reverse

    ctx = frame.state.ctx
    if not ctx.variables.get("sender_host_address"):
        return Result.OK
    rc, msg = verify_reverse(ctx, _logger(frame))
    if rc == "defer" and any(o.strip().lower() == "defer_ok" for o in options):
        return Result.OK
    if msg is not None:
        frame.state.log_msg = msg
    return _RESULTS[rc]


def verify_helo(frame: Frame) -> Result:
    from acl.dnslists.hostlookup import verify_helo as check

    return Result.OK if check(frame.state.ctx, _logger(frame)) else Result.FAIL


def verify_csa(frame: Frame, domain: str) -> Result:
    from acl.dnslists.csa import verify_csa as check

    ok, msg = check(frame.state.ctx, domain)
    frame.state.user_msg = frame.state.log_msg = msg
    return Result.OK if ok else Result.FAIL


def verify_dns(frame: Frame, vtype: str, options: str) -> Result:
    """The DNS kinds of ``verify``; ``options`` is the text after the first slash."""
    if vtype == "reverse_host_lookup":
        return verify_reverse_host_lookup(frame, options.split("/") if options else [])
    if vtype == "helo":
        return verify_helo(frame)
    if vtype == "csa":
        return verify_csa(frame, options)
    raise CondError(Result.ERROR, f"unknown DNS verification {vtype}")
