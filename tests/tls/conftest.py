from __future__ import annotations

import pytest

pytest.importorskip("OpenSSL")

from tests.tls.pki import Pki  # noqa: E402


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


def server_conf(pki: Pki, *extra: str, cert: str = "a") -> str:
    return "\n".join([
        "primary_hostname = mini.test",
        f"tls_certificate = {pki.path(cert + '.crt')}",
        f"tls_privatekey = {pki.path(cert + '.key')}",
        *extra, ""])
