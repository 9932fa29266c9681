"""$dmarc_ar_header: an RFC 8601 Authentication-Results header line for the
DMARC result, built by the authres package."""

from __future__ import annotations

import authres
import authres.dmarc

from acl.dmarc.evaluate import Outcome


def ar_header(servid: str, out: Outcome, from_domain: str) -> str:
    comment = None
    if out.record is not None:
        p = out.domain_policy or "none"
        comment = f"p={p} dis={out.status if out.status != 'accept' else 'none'}"
    elif out.status == "nofrom":
        comment = "no From: domain"
    res = authres.dmarc.DMARCAuthenticationResult(
        result=out.result, result_comment=comment, header_from=from_domain or None)
    return str(authres.AuthenticationResultsHeader(authserv_id=servid or "localhost",
                                                   results=[res]))


def authresults_part(out: Outcome, from_domain: str) -> str:
    """The part ${authresults} would append (Exim's authres_dmarc())."""
    part = f";\n\tdmarc={out.result}"
    return part + (f" header.from={from_domain}" if from_domain else "")
