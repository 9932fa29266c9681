"""check_proof() on proofs made at test time."""

from __future__ import annotations

import datetime as dt

from acl.tls import check_proof
from tests.tls.pki import NOW, Pki


def test_good_and_delegated(pki: Pki) -> None:
    assert check_proof(pki.proof(), pki.certs["a"], [pki.ca]) is None
    assert check_proof(pki.proof(signer="responder"), pki.certs["a"], [pki.ca]) is None


def test_issuer_needed(pki: Pki) -> None:
    assert check_proof(pki.proof(), pki.certs["a"], []) == \
        "OCSP response verify failure: unable to get issuer certificate"


def test_skew_allowed(pki: Pki) -> None:
    """300 s either side, as EXIM_OCSP_SKEW_SECONDS."""
    proof = pki.proof(this_update=dt.timedelta(minutes=4), next_update=dt.timedelta(hours=1))
    assert check_proof(proof, pki.certs["a"], [pki.ca]) is None
    late = NOW + dt.timedelta(days=1, minutes=4)
    assert check_proof(pki.proof(), pki.certs["a"], [pki.ca], now=late) is None
    later = NOW + dt.timedelta(days=1, minutes=6)
    assert check_proof(pki.proof(), pki.certs["a"], [pki.ca], now=later) == "OCSP status invalid times."


def test_garbage(pki: Pki) -> None:
    assert check_proof(b"\x30\x03\x0a\x01\x01", pki.certs["a"], [pki.ca]) == \
        "OCSP response status: malformed_request"
    assert check_proof(b"junk", pki.certs["a"], [pki.ca]).startswith("OCSP response parse error: ")
