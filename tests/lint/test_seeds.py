"""What the linter reports on the seed documents' example ACLs (examples/seed/)
and on the stock configurations: exact lines, positions included."""

from __future__ import annotations

from pathlib import Path

import pytest

from acl.lint import check_file

ROOT = Path(__file__).resolve().parents[2]


def _report(rel: str) -> list[str]:
    return [d.text().replace(str(ROOT / rel), rel) for d in check_file(str(ROOT / rel))]


SEEDS = {
    'examples/seed/bmi-spf.conf': [
        'examples/seed/bmi-spf.conf:15:17: warning: SPF result "err_perm" is deprecated: use "permerror" [deprecated]',
        'examples/seed/bmi-spf.conf:15:17: warning: SPF result "err_temp" is deprecated: use "temperror" [deprecated]',
        'examples/seed/bmi-spf.conf:17:11: note: "endpass" is discouraged: split the statement, or use a nested ACL (acl = name) [deprecated]',
        'examples/seed/bmi-spf.conf:19:27: error: unknown ACL control "bmi_run" [unknown-name]',
        'examples/seed/bmi-spf.conf:22:11: note: "endpass" is discouraged: split the statement, or use a nested ACL (acl = name) [deprecated]',
        'examples/seed/bmi-spf.conf:24:11: error: error in ACL: unknown ACL condition/modifier in "bmi_optin     = ${lookup{$local_part@$domain}lsearch{/etc/exim/bmi_optin_data}}" [config]',
        'examples/seed/bmi-spf.conf:25:27: error: unknown ACL control "bmi_run" [unknown-name]',
    ],
    'examples/seed/dmarc-forensic.conf': [
        'examples/seed/dmarc-forensic.conf:9:21: warning: control "dmarc_forensic_enable" is spelt "dmarc_enable_forensic" [deprecated]',
    ],
    'examples/seed/dmarc.conf': [
        'examples/seed/dmarc.conf:41:11: error: error in ACL: invalid variable name after "set" in ACL modifier "set $acl_m_quarantine = 1" (must start "acl_c" or "acl_m") [config]',
        'examples/seed/dmarc.conf:50:41: error: unknown variable name "domain_used_domain" (did you mean "dmarc_used_domain"?) [unknown-name]',
    ],
    'examples/seed/proxy.conf': [
        'examples/seed/proxy.conf:6:1: error: option "proxy_required_hosts" was renamed "hosts_proxy"; Exim 4.96 refuses the old name [deprecated]',
        'examples/seed/proxy.conf:15:42: warning: $proxy_host_address is the Exim 4.83 name: use $proxy_external_address [deprecated]',
        'examples/seed/proxy.conf:20:43: warning: $proxy_host_address is the Exim 4.83 name: use $proxy_external_address [deprecated]',
        'examples/seed/proxy.conf:22:36: warning: $proxy_host_address is the Exim 4.83 name: use $proxy_external_address [deprecated]',
        'examples/seed/proxy.conf:26:33: warning: $proxy_host_address is the Exim 4.83 name: use $proxy_external_address [deprecated]',
        'examples/seed/proxy.conf:30:41: warning: $proxy_target_address is the Exim 4.83 name: use $proxy_local_address [deprecated]',
        'examples/seed/proxy.conf:30:63: warning: $proxy_target_port is the Exim 4.83 name: use $proxy_local_port [deprecated]',
        'examples/seed/proxy.conf:31:43: warning: $proxy_host_address is the Exim 4.83 name: use $proxy_external_address [deprecated]',
        'examples/seed/proxy.conf:31:63: warning: $proxy_host_port is the Exim 4.83 name: use $proxy_external_port [deprecated]',
    ],
}


@pytest.mark.parametrize("rel", sorted(SEEDS))
def test_seed_reports(rel: str) -> None:
    assert _report(rel) == SEEDS[rel]


@pytest.mark.parametrize("rel", ["tests/config/data/exim-default.conf",
                                 "tests/config/data/debian-template.conf",
                                 "tests/config/data/debian-split.conf"])
def test_stock_configurations_are_clean(rel: str) -> None:
    """No errors; warnings only for options this project ignores."""
    diags = check_file(str(ROOT / rel))
    assert not [d for d in diags if d.severity == "error"]
    assert {d.rule for d in diags if d.severity == "warning"} <= {"no-effect"}
