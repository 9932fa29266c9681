"""host_lookup in `acl session`: the client's name is found through the DNS
(``--dns-server`` pointing at NSD serving tests/dnslists/zones.py) and shows
in $sender_host_name, $sender_fullhost, the Received: header and the log
lines, as Exim 4.96 showed it (data/hostlookup.json, record_hostlookup.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from acl.cli.session import session_main
from acl.dns import clear_cache
from tests.dnslists.conftest import zones_server as nsd  # noqa: F401  (the same NSD and zones)
from tests.dnsserver import DnsServer
from tests.session.normalize import normalize
from tests.session.scenarios import log_entries
from tests.smtp.hostlookup_cases import CASES, STDIN, conf as case_conf

GOLDENS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "hostlookup.json").read_text(encoding="utf-8"))
_DATE = re.compile(r"\w{3}, \d+ \w{3} \d{4} \d\d:\d\d:\d\d [-+]\d{4}")


def _norm(lines: list[str]) -> list[str]:
    return [_DATE.sub("<DATE>", normalize(x)) for x in lines]


@pytest.mark.parametrize("cid", sorted(CASES))
def test_host_lookup(cid: str, nsd: DnsServer, tmp_path: Path) -> None:
    ip = CASES[cid][1]
    conf = tmp_path / "exim.conf"
    conf.write_text(case_conf(cid))
    clear_cache()
    out, err, rc = session_main(["-C", str(conf), "--host", ip,
                                 "--dns-server", f"{nsd.host}:{nsd.port}"], STDIN)
    want = GOLDENS[cid]
    assert (_norm(normalize(out).splitlines()), rc) == (_norm(want["stdout"].splitlines()), want["rc"])
    assert _norm(log_entries(err)) == _norm(want["log"])


def test_dns_server_option_is_checked() -> None:
    out, err, rc = session_main(["--host", "192.0.2.1", "--dns-server", "not-an-ip"], b"")
    assert rc == 2 and "--dns-server expects an IP address" in err


def test_acl_expand_dns_server(nsd: DnsServer) -> None:
    """acl expand --dns-server asks NSD (the zone gives good.hosts.test one A record)."""
    from acl.cli.expand import be_main

    clear_cache()
    out, err, rc = be_main(["--dns-server", f"{nsd.host}:{nsd.port}",
                            "${lookup dnsdb{a=good.hosts.test}{$value}{none}}"], "")
    assert (out, rc) == ("192.0.2.1\n", 0), err
