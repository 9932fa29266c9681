"""The ``dmarc_status`` ACL condition (DATA ACL only): the first use in a
message runs the check (Exim's dmarc_process()) and sets the $dmarc_*
variables; the condition then matches the status word against its list."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Callable

from acl.dmarc import state
from acl.dmarc.authres_header import ar_header, authresults_part
from acl.dmarc.evaluate import Inputs, Outcome, evaluate
from acl.dmarc.fromdomain import header_from
from acl.dmarc.psl import TldFileError
from acl.runtime.values import TaintedStr

if TYPE_CHECKING:
    from acl.engine.verdict import LogLine, Result

DKIM_INPUT = "dmarc.dkim"  # optional: [(domain, result), ...] from another verifier
RANDOM = "dmarc.random"  # optional: a callable giving [0, 1) for pct sampling (tests)
_MAX_SIGS = 50

# Outcomes without a check (Exim leaves $dmarc_status at "none" then).
OFF = Outcome("off", "", "", "", "", 0, 2)
SKIPPED = Outcome("none", "", "", "", "", 0, 2)


def _line(text: str, logs: tuple[str, ...] = ("main",)) -> LogLine:
    from acl.engine.verdict import LogLine

    return LogLine(text, logs)


def _dkim(ctx: Any) -> list[tuple[str, str, str]]:
    """(domain, selector, result) of each DKIM signature of the message."""
    given = ctx.extra.get(DKIM_INPUT)
    if given is not None:
        return [(str(d), "", str(r).lower()) for d, r in list(given)[:_MAX_SIGS]]
    from acl.dkim.acl import SIGS

    out = []
    for sig in list(ctx.extra.get(SIGS, ()))[:_MAX_SIGS]:
        if sig.domain:
            out.append((sig.domain, sig.selector or "", sig.status.name.lower()))
    return out


def _spf(ctx: Any, logs: list[LogLine]) -> tuple[str, str | None]:
    """(domain checked, result or None when no spf condition ran)."""
    v = ctx.variables
    domain = v.get("sender_address_domain") or ""
    if not domain and v.get("sender_address"):
        domain = v["sender_address"].rpartition("@")[2]
    if not state.spf_ran(ctx):
        if not domain:  # Exim's fallback: the HELO name stands in
            domain = v.get("sender_helo_name") or ""
            logs.append(_line(f"DMARC using synthesized SPF sender domain = {domain}"))
        return domain, None
    return domain or (v.get("sender_helo_name") or ""), str(v.get("spf_result"))


def _publish(ctx: Any, out: Outcome, from_domain: str) -> None:
    from acl.expansion import expand

    t = TaintedStr
    v = ctx.variables
    v["dmarc_status"], v["dmarc_status_text"] = t(out.status), t(out.text)
    v["dmarc_used_domain"], v["dmarc_domain_policy"] = t(out.used_domain), t(out.domain_policy)
    if out.status in ("off",) or (out is SKIPPED):
        v["dmarc_ar_header"] = ""
        return
    v["dmarc_ar_header"] = t(ar_header(expand("$primary_hostname", ctx), out, from_domain))
    ctx.extra["authres_dmarc"] = t(authresults_part(out, from_domain))


def process(ctx: Any, logs: list[LogLine]) -> Outcome:
    """Check the message once; later calls give the same outcome."""
    mid = ctx.variables.get("message_exim_id") or ctx.variables.get("message_id") or ""
    held = ctx.extra.get(state.OUTCOME)
    if held is not None and held[0] == mid:
        return held[1]  # type: ignore[no-any-return]
    out = _check(ctx, logs)
    ctx.extra[state.OUTCOME] = (mid, out)
    return out


def _check(ctx: Any, logs: list[LogLine]) -> Outcome:
    v = ctx.variables
    if state.disabled(ctx):
        _publish(ctx, OFF, "")
        return OFF
    if not v.get("sender_host_address") or v.get("sender_host_authenticated"):
        _publish(ctx, SKIPPED, "")  # local messages and SMTP AUTH clients are not checked
        return SKIPPED
    from_domain = header_from(ctx)
    spf_domain, spf_result = _spf(ctx, logs)
    dkim = _dkim(ctx)
    rand: Callable[[], float] = ctx.extra.get(RANDOM) or random.random
    try:
        out = evaluate(ctx, Inputs(from_domain, spf_domain, spf_result or "",
                                   tuple((d, r) for d, _, r in dkim)), rand=rand)
    except TldFileError as e:
        logs.append(_line(e.message, ("main", "panic")))
        _publish(ctx, SKIPPED, "")
        return SKIPPED
    _publish(ctx, out, from_domain)
    if out.checked:
        logs.append(_line(
            f"DMARC results: spf_domain={spf_domain} dmarc_domain={out.used_domain} "
            f"spf_align={'yes' if out.spf_aligned else 'no'} "
            f"dkim_align={'yes' if out.dkim_aligned else 'no'} enforcement='{out.text}'"))
        _after(ctx, out, from_domain, spf_domain, spf_result, dkim, logs)
    return out


def _after(ctx: Any, out: Outcome, from_domain: str, spf_domain: str, spf_result: str | None,
           dkim: list[tuple[str, str, str]], logs: list[LogLine]) -> None:
    """History entry and failure report of a checked message."""
    from acl.dmarc import forensic, history
    from acl.expansion import expand

    v = ctx.variables
    now = ctx.clock()
    err = history.write(ctx, out, job=v.get("message_exim_id") or "", reporter=expand(
        "$primary_hostname", ctx), received=int(now), ip=v.get("sender_host_address") or "",
        from_domain=from_domain, mfrom=spf_domain if v.get("sender_address") else "",
        spf=spf_result, dkim=dkim)
    if err:
        logs.append(_line(err, ("main", "panic")))
    if not state.forensic_enabled(ctx):
        return
    facts = forensic.Facts(from_domain, v.get("sender_host_address") or "",
                           v.get("sender_address") or "", now,
                           spf_result not in (None, "pass"),
                           any(r != "pass" for _, _, r in dkim),
                           str(v.get("dmarc_ar_header") or ""), list(ctx.headers))
    if forensic.wanted(out, facts):
        logs.extend(_line(line) for line in forensic.send(ctx, out, facts))


def matches(frame: Any, status: str, arg: str) -> Result:
    from acl.engine.conditions import _list_match
    from acl.runtime.lists import match_domain

    ctx = frame.state.ctx
    return _list_match(frame, lambda: match_domain(ctx, status, arg, data_var=None))


def dmarc_status(frame: Any, cb: Any, arg: str) -> Result:
    ctx = frame.state.ctx
    out = process(ctx, frame.state.effects.logs)
    return matches(frame, out.status, arg)

