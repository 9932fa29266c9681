"""OCSP stapling seen by openssl s_client: a valid proof is stapled, an
invalid one is not (and the reason is logged), and a proof file replaced by
rename takes effect on the next connection."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.tls.clients import s_client
from tests.tls.conftest import server_conf
from tests.tls.miniserver import MiniServer
from tests.tls.pki import Pki


def _serve(pki: Pki, tmp_path, proof: bytes | None) -> MiniServer:
    extra = []
    if proof is not None:
        path = tmp_path / "server.ocsp"
        path.write_bytes(proof)
        extra.append(f"tls_ocsp_file = {path}")
    return MiniServer(server_conf(pki, *extra), tmp_path)


def test_valid_proof_is_stapled(pki: Pki, tmp_path) -> None:
    with _serve(pki, tmp_path, pki.proof()) as srv:
        out = s_client(srv.port, pki, "-status", "-servername", "a.test")
    assert "OCSP Response Status: successful (0x0)" in out
    assert "Cert Status: good" in out
    assert "Verify return code: 0 (ok)" in out
    assert srv.sessions[-1].ctx.variables["tls_in_ocsp"] == "2"  # sent, not verified by us
    assert srv.log == []


def test_delegated_responder_proof_is_stapled(pki: Pki, tmp_path) -> None:
    with _serve(pki, tmp_path, pki.proof(signer="responder")) as srv:
        out = s_client(srv.port, pki, "-status")
    assert "OCSP Response Status: successful (0x0)" in out
    assert "Cert Status: good" in out


@pytest.mark.parametrize("kind, kwargs, reason", [
    ("revoked", {"status": "revoked"}, "OCSP response bad cert status: revoked (key_compromise)"),
    ("expired", {"this_update": dt.timedelta(days=-3), "next_update": dt.timedelta(days=-2)},
     "OCSP status invalid times."),
    ("wrong certificate", {"label": "b"}, "OCSP response does not cover the server certificate"),
    ("bad signature", {"tamper": True}, "OCSP response verify failure: signature failure"),
    ("no nextUpdate", {"next_update": None}, "OCSP response has no nextUpdate"),
    ("undelegated signer", {"signer": "plain"}, "OCSP response verify failure: missing ocspsigning usage"),
])
def test_invalid_proof_is_not_stapled(pki: Pki, tmp_path, kind: str, kwargs: dict, reason: str) -> None:
    with _serve(pki, tmp_path, pki.proof(**kwargs)) as srv:
        out = s_client(srv.port, pki, "-status")
    assert "OCSP response: no response sent" in out, kind
    assert "Verify return code: 0 (ok)" in out  # the session itself goes on
    assert srv.log == [f"OCSP proof {tmp_path / 'server.ocsp'} not stapled: {reason}"]
    assert srv.sessions[-1].ctx.variables["tls_in_ocsp"] == "1"  # asked for, none sent


def test_not_requested(pki: Pki, tmp_path) -> None:
    with _serve(pki, tmp_path, pki.proof()) as srv:
        out = s_client(srv.port, pki)
    assert "OCSP response" not in out
    assert srv.sessions[-1].ctx.variables.get("tls_in_ocsp", "0") == "0"


def test_replaced_file_takes_effect_on_next_connection(pki: Pki, tmp_path) -> None:
    expired = pki.proof(this_update=dt.timedelta(days=-3), next_update=dt.timedelta(days=-2))
    with _serve(pki, tmp_path, expired) as srv:
        assert "OCSP response: no response sent" in s_client(srv.port, pki, "-status")
        new = tmp_path / "server.ocsp.new"
        new.write_bytes(pki.proof())
        os.replace(new, tmp_path / "server.ocsp")  # the atomic replacement the seed asks for
        out = s_client(srv.port, pki, "-status")
    assert "Cert Status: good" in out


def test_unreadable_proof_file(pki: Pki, tmp_path) -> None:
    conf = server_conf(pki, f"tls_ocsp_file = {tmp_path}/missing.der")
    with MiniServer(conf, tmp_path) as srv:
        out = s_client(srv.port, pki, "-status")
    assert "OCSP response: no response sent" in out
    assert srv.log == [f'OCSP proof {tmp_path}/missing.der not stapled: '
                       f'Failed to open OCSP response file "{tmp_path}/missing.der"']
