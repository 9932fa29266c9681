"""Failure (forensic) reports: RFC 6591 ``auth-failure`` feedback reports with
RFC 7489 section 7.3's fields, written to the spool (acl.spool) for delivery.
Only when ``control = dmarc_enable_forensic`` was obeyed and the policy
record has ``ruf`` addresses whose ``fo`` options ask for this failure."""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Any

from acl.dmarc.evaluate import Outcome
from acl.dmarc.options import option
from acl.dmarc.psl import organizational_domain
from acl.dns import resolve

_MAX_TARGETS = 8
_MAX_HEADER_BYTES = 64 << 10


@dataclass(frozen=True)
class Facts:
    from_domain: str
    ip: str
    sender: str
    arrival: float
    spf_failed: bool  # the SPF check ran and did not pass
    dkim_failed: bool  # some DKIM signature did not verify
    ar_header: str  # the DMARC Authentication-Results line
    headers: list[tuple[str, str]]  # the message's header lines


def wanted(out: Outcome, f: Facts) -> bool:
    """The record's ``fo`` (RFC 7489 6.3): 0 every mechanism failed to give
    an aligned pass, 1 any did, d a DKIM signature failed, s SPF failed."""
    rec = out.record
    if rec is None or not rec.ruf or not out.checked:
        return False
    fo = rec.fo
    return (("0" in fo and not (out.spf_aligned or out.dkim_aligned))
            or ("1" in fo and not (out.spf_aligned and out.dkim_aligned))
            or ("d" in fo and f.dkim_failed) or ("s" in fo and f.spf_failed))


def _external_ok(ctx: Any, policy_domain: str, target: str) -> bool:
    """Section 7.1: a report to another organization's domain needs its consent,
    a v=DMARC1 TXT record at <policy domain>._report._dmarc.<target domain>."""
    if organizational_domain(ctx, target) == organizational_domain(ctx, policy_domain):
        return True
    ans = resolve(ctx, f"{policy_domain}._report._dmarc.{target}", "TXT")
    if not ans.found:
        return False
    return any(b"".join(getattr(r.rdata, "strings", ())).startswith(b"v=DMARC1")
               for r in ans.records[:16])


def targets(ctx: Any, out: Outcome) -> list[str]:
    """The mailto: addresses of ``ruf``, size limits (``!10m``) dropped."""
    found: list[str] = []
    for uri in (out.record.ruf if out.record else ())[:_MAX_TARGETS]:
        if not uri.lower().startswith("mailto:"):
            continue
        addr = uri[7:].split("!", 1)[0].strip()
        local, at, domain = addr.rpartition("@")
        if not at or not local or not domain or any(c in addr for c in "\r\n<>,"):
            continue
        if _external_ok(ctx, out.used_domain, domain) and addr not in found:
            found.append(addr)
    return found


def _headers_text(headers: list[tuple[str, str]]) -> str:
    text = "".join(f"{n}:{v}" + ("" if v.endswith("\n") else "\n") for n, v in headers)
    return text[:_MAX_HEADER_BYTES]


def build(*, report_from: str, to: list[str], reporter: str, out: Outcome, f: Facts,
          now: float, boundary: str) -> str:
    """The report message (LF line ends, as the spool keeps messages)."""
    date = email.utils.formatdate(now, localtime=True)
    arrival = email.utils.formatdate(f.arrival, localtime=True)
    align = ",".join(n for n, ok in (("dkim", out.dkim_aligned), ("spf", out.spf_aligned)) if ok)
    delivery = {"reject": "reject", "quarantine": "spam"}.get(out.status, "delivered")
    sender = f.sender or "<>"
    lines = [
        f"From: {report_from}", f"To: {', '.join(to)}",
        f"Subject: DMARC failure report for {out.used_domain} from {f.ip}",
        f"Date: {date}", f"Message-ID: <{boundary}@{reporter}>", "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=feedback-report;\n\tboundary="{boundary}"',
        "", f"--{boundary}", "Content-Type: text/plain; charset=us-ascii", "",
        f"A message claiming to be from {f.from_domain} failed DMARC at {reporter}.", "",
        f"Sender Domain: {out.used_domain}", f"Sender IP Address: {f.ip}",
        f"Received Date: {arrival}",
        f"SPF Alignment: {'yes' if out.spf_aligned else 'no'}",
        f"DKIM Alignment: {'yes' if out.dkim_aligned else 'no'}",
        f"DMARC Results: {out.text}", "",
        f"--{boundary}", "Content-Type: message/feedback-report", "",
        "Feedback-Type: auth-failure", "User-Agent: exim-acl", "Version: 1",
        f"Original-Mail-From: {sender}", f"Arrival-Date: {arrival}", f"Source-IP: {f.ip}",
        f"Reported-Domain: {f.from_domain}", f.ar_header, "Auth-Failure: dmarc",
        f"Identity-Alignment: {align or 'none'}", f"Delivery-Result: {delivery}", "",
        f"--{boundary}", "Content-Type: text/rfc822-headers", "",
    ]
    return "\n".join(lines) + "\n" + _headers_text(f.headers) + f"\n--{boundary}--\n"


def _report_from(ctx: Any) -> tuple[str, str]:
    """(From: line, envelope sender): dmarc_forensic_sender expanded (its
    address is the envelope sender), else dsn_from with a null sender."""
    from acl.builtins.operators.address import address
    from acl.expansion import expand

    spec = option(ctx, "dmarc_forensic_sender")
    if spec:
        text = expand(str(spec), ctx)
        return text, address(text)
    dsn = ctx.option("dsn_from", None) or "Mail Delivery System <Mailer-Daemon@$qualify_domain>"
    return expand(str(dsn), ctx), ""


def send(ctx: Any, out: Outcome, f: Facts) -> list[str]:
    """Spool one report for the ruf addresses; returns log lines (what was
    done, or why not)."""
    from acl.errors import AclError
    from acl.runtime.message import new_message_id
    from acl.spool import Envelope, Spool, SpoolError

    to = targets(ctx, out)
    if not to:
        return []
    spool_dir = ctx.option("spool_directory", None)
    if not spool_dir:
        return ["DMARC forensic report not sent: no spool_directory"]
    try:
        head, env_from = _report_from(ctx)
    except AclError as e:
        return [f"DMARC forensic report not sent: dmarc_forensic_sender: {e}"]
    from acl.expansion import expand

    reporter = expand("$primary_hostname", ctx)
    spool = Spool(str(spool_dir))
    now = ctx.clock() if callable(getattr(ctx, "clock", None)) else time.time()
    for step in range(20):  # ids have a 1/2000 s resolution: step past a taken one
        mid = new_message_id(now + step / 2000)
        msg = build(report_from=head, to=to, reporter=reporter, out=out, f=f, now=now,
                    boundary=f"{mid}=_dmarc")
        try:
            spool.create()
            if spool.exists(mid):
                continue
            spool.store(Envelope(id=mid, sender=env_from, recipients=to, received=now),
                        msg.encode("utf-8", "surrogateescape"))
        except (SpoolError, OSError) as e:
            return [f"failure to send DMARC forensic report to {', '.join(to)}: {e}"]
        return [f"DMARC forensic report {mid} to {', '.join(to)}"]
    return [f"failure to send DMARC forensic report to {', '.join(to)}: no free message id"]
