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
        'examples/seed/bmi-spf.conf:17:11: info: "endpass" is discouraged: split the statement, or use a nested ACL (acl = name) [deprecated]',
        'examples/seed/bmi-spf.conf:19:27: error: unknown ACL control "bmi_run" [unknown-name]',
        'examples/seed/bmi-spf.conf:22:11: info: "endpass" is discouraged: split the statement, or use a nested ACL (acl = name) [deprecated]',
        'examples/seed/bmi-spf.conf:24:11: error: error in ACL: unknown ACL condition/modifier in "bmi_optin     = ${lookup{$local_part@$domain}lsearch{/etc/exim/bmi_optin_data}}" [config]',
        'examples/seed/bmi-spf.conf:25:27: error: unknown ACL control "bmi_run" [unknown-name]',
    ],
    'examples/seed/dmarc-forensic.conf': [
        'examples/seed/dmarc-forensic.conf:9:21: warning: control "dmarc_forensic_enable" is spelt '
        '"dmarc_enable_forensic"; exim-acl accepts the seed\'s spelling, Exim 4.96 refuses it [deprecated]',
    ],
    'examples/seed/dmarc.conf': [
        'examples/seed/dmarc.conf:41:11: error: error in ACL: invalid variable name after "set" in ACL modifier "set $acl_m_quarantine = 1" (must start "acl_c" or "acl_m") (write "set acl_m_quarantine": set takes the name without "$") [config]',
        'examples/seed/dmarc.conf:50:41: error: unknown variable name "domain_used_domain" (did you mean "dmarc_used_domain"?) [unknown-name]',
    ],
    'examples/seed/proxy.conf': [
        'examples/seed/proxy.conf:6:1: warning: option "proxy_required_hosts" was renamed "hosts_proxy"; '
        'exim-acl accepts the seed\'s name, Exim 4.96 refuses it [deprecated]',
        'examples/seed/proxy.conf:15:42: warning: $proxy_host_address is the Exim 4.83 name of $proxy_local_address; exim-acl accepts it, Exim 4.96 fails on it (unknown variable name) [deprecated]',
        'examples/seed/proxy.conf:20:43: warning: $proxy_host_address is the Exim 4.83 name of $proxy_local_address; exim-acl accepts it, Exim 4.96 fails on it (unknown variable name) [deprecated]',
        'examples/seed/proxy.conf:22:36: warning: $proxy_host_address is the Exim 4.83 name of $proxy_local_address; exim-acl accepts it, Exim 4.96 fails on it (unknown variable name) [deprecated]',
        'examples/seed/proxy.conf:26:33: warning: $proxy_host_address is the Exim 4.83 name of $proxy_local_address; exim-acl accepts it, Exim 4.96 fails on it (unknown variable name) [deprecated]',
        'examples/seed/proxy.conf:30:41: warning: $proxy_target_address is the Exim 4.83 name of $proxy_external_address; exim-acl accepts it, Exim 4.96 fails on it (unknown variable name) [deprecated]',
        'examples/seed/proxy.conf:30:63: warning: $proxy_target_port is the Exim 4.83 name of $proxy_external_port; exim-acl accepts it, Exim 4.96 fails on it (unknown variable name) [deprecated]',
        'examples/seed/proxy.conf:31:43: warning: $proxy_host_address is the Exim 4.83 name of $proxy_local_address; exim-acl accepts it, Exim 4.96 fails on it (unknown variable name) [deprecated]',
        'examples/seed/proxy.conf:31:63: warning: $proxy_host_port is the Exim 4.83 name of $proxy_local_port; exim-acl accepts it, Exim 4.96 fails on it (unknown variable name) [deprecated]',
    ],
}


@pytest.mark.parametrize("rel", sorted(SEEDS))
def test_seed_reports(rel: str) -> None:
    assert _report(rel) == SEEDS[rel]


# Copies of Exim's example.conf (its default configuration) and of Debian's
# exim4-config: the template and the split conf.d files concatenated in order.
STOCK = ["tests/lint/data/exim-default.conf", "tests/lint/data/debian-template.conf",
         "tests/lint/data/debian-split.conf"]


@pytest.mark.parametrize("rel", STOCK)
def test_stock_configurations_are_clean(rel: str) -> None:
    """No errors and no warnings: only information (ignored options, endpass,
    Debian's marker macro)."""
    diags = check_file(str(ROOT / rel))
    assert [d.text() for d in diags if d.severity != "info"] == []
    assert {d.rule for d in diags} <= {"no-effect", "deprecated", "unused-macro"}


DEBIAN_SWITCHES = {
    "CHECK_RCPT_VERIFY_SENDER": "true", "CHECK_RCPT_REVERSE_DNS": "true", "CHECK_RCPT_SPF": "true",
    "_HAVE_SPF": "1", "CHECK_RCPT_IP_DNSBLS": "zen.example.org",
    "CHECK_RCPT_DOMAIN_DNSBLS": "rhsbl.example.org/$sender_address_domain",
    "CHECK_DATA_VERIFY_HEADER_SENDER": "true", "CHECK_RCPT_POSTMASTER": "postmaster",
    "CHECK_RCPT_LOCAL_LOCALPARTS": "^[.] : ^.*[@%!/|`#&?]",
    "CHECK_RCPT_REMOTE_LOCALPARTS": "^[./|] : ^.*[@%!`#&?]", "MAIN_TLS_ENABLE": "yes",
}


@pytest.mark.parametrize("rel", STOCK[1:])
def test_debian_with_its_acl_switches_on(rel: str) -> None:
    """The ACL blocks Debian's macros switch on (SPF, DNSBLs, sender and header
    verification) lint clean too."""
    diags = check_file(str(ROOT / rel), DEBIAN_SWITCHES)
    assert [d.text() for d in diags if d.severity != "info"] == []
