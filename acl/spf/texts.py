"""The texts libspf2 (the SPF library of Exim 4.96) writes for a result:
the header comment, the Received-SPF: header and the SMTP comment. Recorded
from Exim (tests/spf/goldens.json), not from pyspf, whose wording differs."""

from __future__ import annotations

# libspf2's messages for the permanent errors pyspf reports in its own words.
_PERMERROR_TEXTS = {
    "Two or more type TXT spf records found.": "Multiple SPF or TXT records for domain.",
    "No valid SPF record for included domain": "Could not find a valid SPF record",
    "redirect domain has no SPF record": "Could not find a valid SPF record",
}
SMTP_COMMENT_RESULTS = frozenset({"fail", "softfail", "neutral"})


def permerror_text(problem: str) -> str:
    for pyspf_text, libspf2_text in _PERMERROR_TEXTS.items():
        if problem.startswith(pyspf_text):
            return libspf2_text
    return problem


_COMMENTS = {
    "pass": "domain of {domain} designates {ip} as permitted sender",
    "fail": "domain of {domain} does not designate {ip} as permitted sender",
    "softfail": "transitioning domain of {domain} does not designate {ip} as permitted sender",
    "neutral": "{ip} is neither permitted nor denied by domain of {domain}",
    "none": "domain of {domain} does not provide an SPF record",
    "permerror": "error in processing during lookup of domain of {domain}: {problem}",
    "temperror": "encountered temporary error during SPF processing of domain of {domain}",
}


def header_comment(result: str, receiver: str, domain: str, ip: str, problem: str = "") -> str:
    text = _COMMENTS.get(result, "internal error")
    return f"{receiver}: " + text.format(domain=domain, ip=ip, problem=permerror_text(problem))


def received_spf(result: str, comment: str, ip: str, envelope_from: str, helo: str) -> str:
    return (f"Received-SPF: {result} ({comment}) client-ip={ip}; "
            f"envelope-from={envelope_from}; helo={helo};")


def smtp_comment(result: str, explanation: str, matched_mechanism: bool) -> str:
    """Only for results a client may want explained; empty otherwise."""
    if result not in SMTP_COMMENT_RESULTS:
        return ""
    return f"{explanation} : Reason: {'mechanism' if matched_mechanism else 'default'}"
