"""PRDR (per-recipient data responses, draft-hall-prdr-00) as Exim 4.96's
receive.c runs it: after the message (and DKIM/MIME), when the client asked
for PRDR and there is more than one recipient, acl_smtp_data_prdr runs once
per recipient in RCPT order; each gets its own reply after a 353, and the
recipients it does not accept are dropped before the DATA ACL. The final
reply (sent when the DATA ACL accepts) sums the outcomes up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from acl.engine import Result, Verdict
from acl.runtime.values import TaintedStr

if TYPE_CHECKING:
    from acl.smtp.server import EximSMTP

# Exim's numeric return codes: the summary is computed on them bitwise
# (all_pass |= rc, all_fail &= rc), so DISCARD and DROP count as refusals.
_RC = {Result.OK: 0, Result.DEFER: 1, Result.FAIL: 2, Result.ERROR: 3,
       Result.DISCARD: 7, Result.FAIL_DROP: 15}
_FAIL = 2


def wanted(smtp: "EximSMTP") -> bool:
    """PRDR runs for a message: asked for at MAIL, and more than one recipient
    (Exim falls back to the plain DATA dialogue for a single one)."""
    return bool(smtp.params and smtp.params.prdr) and len(smtp.recipients) > 1


async def run(smtp: "EximSMTP") -> str:
    """The 353, one reply per recipient, the refused ones removed; returns
    the final reply (code, id and summary) for when the DATA ACL accepts."""
    from acl.engine.messages import accept_reply

    policy, v = smtp.policy, smtp.v
    await smtp.say("353 PRDR content analysis beginning")
    all_pass, all_fail = 0, _FAIL
    for address in list(smtp.recipients):
        local, _, domain = address.rpartition("@")
        v.update(local_part=TaintedStr(local.lower()), domain=TaintedStr(domain.lower()),
                 recipients=TaintedStr(", ".join(smtp.recipients)))
        if policy.acl_option("prdr") is None:  # unset: Exim's default is accept
            verdict = Verdict(Result.OK, where="prdr")
        else:
            verdict = await smtp.run_phase("prdr")
        rc = _RC.get(verdict.result, 3)
        all_pass |= rc
        all_fail &= rc
        code = "250" if rc in (0, 7) else "450" if rc == 1 else "550"
        word = "acceptance" if rc in (0, 7) else "temporary refusal" if rc == 1 else "refusal"
        text = f"PRDR R=<{address}> {word}"
        if verdict.user_message:
            await smtp.write(accept_reply("prdr", verdict.user_message, code).lines)
        else:
            await smtp.say(f"{code} {text}")
        if verdict.log_message or verdict.user_message:
            policy.log(f"PRDR {address} {verdict.log_message or verdict.user_message}")
        else:
            policy.log(text)
        if rc != 0:
            smtp.recipients.remove(address)
    for name in ("local_part", "domain"):
        v.pop(name, None)
    smtp.ctx.extra["recipients_list"] = list(smtp.recipients)
    if all_fail == _FAIL:
        summary = ("550", "rejected for all recipients")
    else:
        summary = ("250", "accepted" if all_pass == 0 else "accepted for some recipients")
    return f"{summary[0]} id={policy.message_id} message {summary[1]}"
