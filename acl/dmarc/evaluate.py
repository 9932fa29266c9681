"""The DMARC verdict (RFC 7489 sections 3.1 and 6.6): identifier alignment of
the SPF-checked domain and of each verified DKIM signature with the From:
domain, then the policy of the record found (``p``, or ``sp`` for a
subdomain of the organizational domain), sampled by ``pct``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable

from acl.dmarc.psl import organizational_domain
from acl.dmarc.record import NAMES, Discovery, Found, Record, discover

# libopendmarc's codes, which Exim writes into the history file.
POLICY_ABSENT, POLICY_PASS, POLICY_REJECT, POLICY_QUARANTINE, POLICY_NONE = 14, 15, 16, 17, 18
ALIGN_PASS, ALIGN_FAIL = 4, 5
ACTION_REJECT, ACTION_ACCEPT, ACTION_TEMPFAIL, ACTION_QUARANTINE = 0, 2, 3, 4

# status, status text, result word of the Authentication-Results header
_STATUS = {
    POLICY_ABSENT: ("norecord", "No DMARC record", "none", ACTION_ACCEPT),
    POLICY_NONE: ("none", "None, Accept", "none", ACTION_ACCEPT),
    POLICY_PASS: ("accept", "Accept", "pass", ACTION_ACCEPT),
    POLICY_REJECT: ("reject", "Reject", "fail", ACTION_REJECT),
    POLICY_QUARANTINE: ("quarantine", "Quarantine", "fail", ACTION_QUARANTINE),
}
_CODE = {"n": POLICY_NONE, "q": POLICY_QUARANTINE, "r": POLICY_REJECT}
# pct sampling that leaves a message out applies the next weaker policy (6.6.4)
_WEAKER = {"r": "q", "q": "n", "n": "n"}


@dataclass(frozen=True)
class Inputs:
    from_domain: str  # "" when there is no usable From: domain
    spf_domain: str  # MAIL FROM domain, or the HELO name for a null sender
    spf_result: str  # the spf condition's result ("" when none ran)
    dkim: tuple[tuple[str, str], ...]  # (d= domain, "pass"/"fail"/...) per signature


@dataclass(frozen=True)
class Outcome:
    status: str  # the dmarc_status word
    text: str  # $dmarc_status_text
    result: str  # pass, fail, none, temperror (Authentication-Results)
    used_domain: str
    domain_policy: str  # none, quarantine, reject or "" ($dmarc_domain_policy)
    policy: int  # libopendmarc's POLICY_* code
    action: int
    spf_aligned: bool = False
    dkim_aligned: bool = False
    record: Record | None = None
    checked: bool = False  # a record was found and applied (logs, history, reports)
    sampled_out: bool = False


NOFROM = Outcome("nofrom", "No From: domain found", "temperror", "", "", 0, ACTION_ACCEPT)


def aligned(a: str, b: str, mode: str, ctx: Any) -> bool:
    """Strict: the same name; relaxed: the same organizational domain."""
    a, b = a.strip(".").lower(), b.strip(".").lower()
    if not a or not b:
        return False
    if a == b:
        return True
    return mode != "s" and organizational_domain(ctx, a) == organizational_domain(ctx, b)


def evaluate(ctx: Any, inp: Inputs, *, rand: Callable[[], float] = random.random) -> Outcome:
    if not inp.from_domain:
        return NOFROM
    org = organizational_domain(ctx, inp.from_domain)
    disc: Discovery = discover(ctx, inp.from_domain, org)
    if disc.found is Found.TEMPERROR:
        return Outcome("temperror", "Internal Policy Error", "temperror", disc.domain, "", 0,
                       ACTION_TEMPFAIL)
    rec = disc.record
    if disc.found is Found.NONE or rec is None:
        s, t, r, a = _STATUS[POLICY_ABSENT]
        return Outcome(s, t, r, disc.domain, "", POLICY_ABSENT, a)
    spf_ok = inp.spf_result == "pass" and aligned(inp.spf_domain, inp.from_domain, rec.aspf, ctx)
    dkim_ok = any(res == "pass" and aligned(d, inp.from_domain, rec.adkim, ctx)
                  for d, res in inp.dkim)
    # sp applies when the record came from the organizational domain for a subdomain
    p = rec.subdomain_policy() if disc.domain != inp.from_domain.lower() else rec.p
    if spf_ok or dkim_ok:
        code = POLICY_PASS
        sampled_out = False
    else:
        sampled_out = rec.pct < 100 and rand() * 100 >= rec.pct
        code = _CODE[_WEAKER[p] if sampled_out else p]
    s, t, _, a = _STATUS[code]
    # RFC 7489 11.2: a message that fails alignment is "fail" whatever the policy
    r = "pass" if code == POLICY_PASS else "fail"
    return Outcome(s, t, r, disc.domain, NAMES[p], code, a, spf_ok, dkim_ok, rec, True,
                   sampled_out)
