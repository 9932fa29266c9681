"""What the SMTP dialogue calls once a message is in: verification, the DKIM
ACL once per signer (dkim_verify_signers, default $dkim_signers) with the
$dkim_* variables of the signature at hand, and the DKIM part of
${authresults}. Exim keeps this state in globals; here it lives in
``ctx.variables`` (the variables) and ``ctx.extra["dkim.*"]``."""

from __future__ import annotations

from typing import Any, Callable, Iterator

from acl.dkim.signature import UNLIMITED, Ext, Signature, Status
from acl.dkim.verify import verify
from acl.engine.verdict import Effects, LogLine, Result, Verdict
from acl.errors import ExpansionError
from acl.runtime.lists_split import iter_list
from acl.runtime.values import TaintedStr, like

SIGS = "dkim.signatures"
DISABLED = "dkim.disabled"
MAX_SIGNERS = 1000  # items of dkim_verify_signers run at most

# Exim's values when there is no current signature (dkim_exim_expand_defaults).
DEFAULTS = {
    "dkim_algo": "", "dkim_bodylength": UNLIMITED, "dkim_canon_body": "", "dkim_canon_headers": "",
    "dkim_copiedheaders": "", "dkim_created": "0", "dkim_expires": UNLIMITED, "dkim_headernames": "",
    "dkim_identity": "", "dkim_key_granularity": "*", "dkim_key_srvtype": "*", "dkim_key_notes": "",
    "dkim_key_testing": "0", "dkim_key_nosubdomains": "0",
}
_MESSAGE_VARS = ("dkim_signers", "dkim_verify_status", "dkim_verify_reason", "dkim_cur_signer",
                 "dkim_domain", "dkim_selector", "dkim_key_length", *DEFAULTS)


def _t(s: str | None) -> str:
    return TaintedStr(s) if s else ""


def signature_values(sig: Signature | None) -> dict[str, str]:
    """The $dkim_* variables Exim reads from the current signature."""
    if sig is None:
        return dict(DEFAULTS)
    pub = sig.pubkey
    return {
        "dkim_algo": sig.algo,
        "dkim_bodylength": str(sig.bodylength) if sig.bodylength >= 0 else UNLIMITED,
        "dkim_canon_body": sig.canon_body, "dkim_canon_headers": sig.canon_headers,
        "dkim_copiedheaders": _t(sig.copiedheaders),
        "dkim_created": str(sig.created) if sig.created > 0 else "0",
        "dkim_expires": str(sig.expires) if sig.expires > 0 else UNLIMITED,
        "dkim_headernames": _t(sig.headernames), "dkim_identity": _t(sig.identity),
        "dkim_key_granularity": _t(pub.granularity) if pub else "*",
        "dkim_key_srvtype": _t(pub.srvtype) if pub else "*",
        "dkim_key_notes": _t(pub.notes) if pub else "",
        "dkim_key_testing": "1" if pub and pub.testing else "0",
        "dkim_key_nosubdomains": "1" if pub and pub.no_subdomaining else "0",
    }


def disabled(ctx: Any, controls: Any = ()) -> bool:
    """True once ``control = dkim_disable_verify`` was obeyed for this message
    (``controls``: the Control objects the dialogue collected so far)."""
    if any(getattr(c, "name", "") == "dkim_disable_verify" for c in controls):
        ctx.extra[DISABLED] = True
    return bool(ctx.extra.get(DISABLED))


def reset(ctx: Any) -> None:
    """Forget the previous message's DKIM state (Exim resets it per message)."""
    for name in _MESSAGE_VARS:
        ctx.variables.pop(name, None)
    for key in (SIGS, DISABLED, "dkim.logs", "dkim.overall", "authres_dkim"):
        ctx.extra.pop(key, None)


def verify_message(ctx: Any, raw: bytes, *, controls: Any = ()) -> list[Signature]:
    """Verify every DKIM-Signature of ``raw`` (the message as received, dot-
    stuffing removed); sets $dkim_signers and the ${authresults} part. Nothing
    is verified when ``control = dkim_disable_verify`` is among ``controls``
    (or was noted with :func:`disabled`). Exim's log lines are left in
    ``ctx.extra["dkim.logs"]`` (see :func:`log_lines`)."""
    off = disabled(ctx, controls)
    reset(ctx)
    if off:
        ctx.extra[DISABLED] = True
        return []
    sigs, logs = verify(ctx, raw)
    ctx.extra[SIGS], ctx.extra["dkim.logs"] = sigs, logs
    signers = [s for sig in sigs for s in (sig.domain, sig.identity) if s]
    if signers:
        ctx.variables["dkim_signers"] = TaintedStr(":".join(signers))
    ctx.extra["authres_dkim"] = AuthResults(ctx)
    return sigs


def log_lines(ctx: Any) -> list[str]:
    """The main-log lines verification produced ("DKIM: ... [failed key import]",
    "DKIM: validation error: ..."), to be written with the message id."""
    return list(ctx.extra.get("dkim.logs", ()))


def overall_domain(ctx: Any) -> str | None:
    """The domain of the first passing signature: Exim's ``DKIM=`` on the ``<=`` line."""
    if "dkim.overall" in ctx.extra:
        return ctx.extra["dkim.overall"]  # type: ignore[no-any-return]
    return next((s.domain for s in ctx.extra.get(SIGS, ()) if s.status is Status.PASS), None)


# ---- the DKIM ACL


Runner = Callable[[], Verdict]


def _merge(into: Effects, eff: Effects) -> None:
    into.headers_added += eff.headers_added
    into.headers_removed += eff.headers_removed
    into.controls += eff.controls
    into.delays += eff.delays
    into.logs += eff.logs
    into.udp_sent += eff.udp_sent
    into.log_reject_target = eff.log_reject_target
    into.queue = eff.queue if eff.queue is not None else into.queue


class _Run:
    """One message's DKIM ACL calls (Exim's receive.c loop and dkim_exim_acl_run)."""

    def __init__(self, ctx: Any, sigs: list[Signature], run: Runner) -> None:
        self.ctx, self.sigs, self.run = ctx, sigs, run
        self.results: list[str] = []
        self.effects = Effects()
        self.last: Verdict | None = None

    def call(self, sig: Signature | None) -> Result:
        v = self.ctx.variables
        v.update(signature_values(sig))
        if sig is not None:
            v["dkim_domain"], v["dkim_selector"] = _t(sig.domain), _t(sig.selector)
            v["dkim_key_length"] = str(sig.keybits)
            # Fresh objects: a "set" in the ACL is told apart by identity.
            v["dkim_verify_status"], v["dkim_verify_reason"] = sig.status_text, sig.reason
        status, reason = v["dkim_verify_status"], v["dkim_verify_reason"]
        verdict = self.run()
        self.last = verdict
        _merge(self.effects, verdict.effects)
        disabled(self.ctx, verdict.effects.controls)  # later signers are then skipped
        if sig is not None:
            self._note(sig, status, reason)
        self.results.append(v.get("dkim_verify_status") or "")
        return verdict.result

    def _note(self, sig: Signature, status: str, reason: str) -> None:
        """dkim_exim_verify_log_sig(): an ACL that set dkim_verify_status or
        _reason turns the signature's result into a policy result."""
        v = self.ctx.variables
        now = v.get("dkim_verify_status")
        if "dkim.overall" not in self.ctx.extra and (now if now is not None else sig.status_text) == "pass":
            self.ctx.extra["dkim.overall"] = sig.domain
        if self.ctx.extra.get(DISABLED):  # Exim then compares with the defaults
            sig.policy = (now, v.get("dkim_verify_reason")) != ("none", "")
        elif now is not status or v.get("dkim_verify_reason") is not reason:
            sig.policy = True

    def signer(self, item: str) -> Result:
        v = self.ctx.variables
        v["dkim_verify_status"], v["dkim_verify_reason"] = "none", ""
        v["dkim_cur_signer"] = item
        if self.ctx.extra.get(DISABLED):
            return Result.OK
        rc: Result | None = None
        at = "@" in item
        for sig in self.sigs:
            value = sig.identity if at else sig.domain
            if value and value.lower() == item.lower():
                rc = self.call(sig)
                if rc is not Result.OK:
                    return rc
        return rc if rc is not None else self.call(None)


def run_dkim_acl(engine: Any, ctx: Any, signatures: list[Signature],
                 run: Runner | None = None) -> Verdict | None:
    """Run acl_smtp_dkim once per item of dkim_verify_signers (each item once),
    and for an item once per matching signature; stop at the first result
    that is not accept. Afterwards $dkim_verify_status is the list of the
    statuses left by each run. Returns None when the ACL is not run at all
    (verification disabled, no ACL, empty option), else the last verdict with
    the effects of every run. ``run`` runs the ACL (the dialogue can pass its
    own, which applies effects as they come); by default ``engine.run_acl``."""
    acl = engine.acl_for("dkim")
    option = ctx.option("dkim_verify_signers", "$dkim_signers")
    if ctx.extra.get(DISABLED) or not acl or not option:
        return None
    runner: Runner = run or (lambda: engine.run_acl(acl, ctx, where="dkim"))
    state = _Run(ctx, signatures, runner)
    from acl.expansion import expand

    try:
        expanded = expand(option, ctx)
    except ExpansionError as e:
        state.effects.logs.append(LogLine(f"expansion of dkim_verify_signers option failed: {e.message}",
                                          ("main", "panic")))
        expanded = ""
    rc, seen = Result.OK, []
    for item in list(iter_list(expanded))[:MAX_SIGNERS]:
        if not item or item in seen:
            continue
        seen.append(item)
        rc = state.signer(like(item, expanded))
        if rc is not Result.OK:
            break
    ctx.variables["dkim_verify_status"] = like(":".join(state.results), *state.results)
    if ctx.extra.get(DISABLED):  # the signature's own variables read as unset now
        ctx.variables.update(DEFAULTS)
    last = state.last or Verdict(rc, where="dkim")
    last.effects = state.effects
    return last


# ---- ${authresults}


_INVALID = {
    Ext.PUBKEY_UNAVAILABLE: "tmperror (pubkey unavailable)",
    Ext.BUFFER_SIZE: "permerror (overlong public key record)",
    Ext.PUBKEY_DNSRECORD: "neutral (public key record import problem)",
    Ext.PUBKEY_IMPORT: "neutral (public key record import problem)",
    Ext.SIGNATURE_ERROR: "neutral (signature tag missing or invalid)",
    Ext.DKIM_VERSION: "neutral (unsupported DKIM version)",
}
_FAIL = {
    Ext.FAIL_BODY: "fail (body hash mismatch; body probably modified in transit)",
    Ext.FAIL_MESSAGE: "fail (signature did not verify; headers probably modified in transit)",
}


def _method(ctx: Any, sig: Signature) -> str:
    if sig.policy:
        v = ctx.variables
        return f"policy ({v.get('dkim_verify_status') or ''} - {v.get('dkim_verify_reason') or ''})"
    if sig.status is Status.NONE:
        return "none"
    if sig.status is Status.PASS:
        return "pass"
    if sig.status is Status.INVALID:
        return _INVALID.get(sig.ext, "permerror (unspecified problem)") + "\n\t\t"
    if sig.ext is Ext.PUBKEY_KEYSIZE:
        return f"fail (public key too short: {sig.keybits} bits)\n\t\t"
    return _FAIL.get(sig.ext, "fail (unspecified reason)") + "\n\t\t"


class AuthResults:
    """The ``dkim=`` parts of ${authresults}, built when the item is expanded
    (they show later changes made by the DKIM ACL)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx

    def __iter__(self) -> Iterator[str]:
        for sig in self.ctx.extra.get(SIGS, ()):
            out = ";\n\tdkim=" + _method(self.ctx, sig)
            for tag, value in (("d", sig.domain), ("i", sig.identity), ("s", sig.selector)):
                if value:
                    out += f" header.{tag}={value}"
            yield TaintedStr(out + f" header.a={sig.algo}")
