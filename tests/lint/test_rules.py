"""Each lint rule on a small configuration, positions asserted."""

from __future__ import annotations

from tests.lint.conftest import Lint

HEAD = "acl_smtp_rcpt = rcpt\nacl_smtp_data = data\nbegin acl\n"


def only(found: list[tuple[int, int, str, str]], rule: str) -> list[tuple[int, int, str, str]]:
    return [d for d in found if d[3].endswith(f"[{rule}]")]


def test_no_effect_and_unknown_option(lint: Lint) -> None:
    found = lint("never_users = root\nprimary_hostnme = x\nqualify_domian = y\n")
    assert found == [
        (1, 1, "info", 'option "never_users" is recognised but has no effect in exim-acl '
                          "(it matters only to a real Exim) [no-effect]"),
        (2, 1, "error", 'main option "primary_hostnme" unknown (did you mean \'primary_hostname\'?) [config]'),
        (3, 1, "error", 'main option "qualify_domian" unknown (did you mean \'qualify_domain\'?) [config]'),
    ]


def test_unknown_condition_reported_and_rest_still_checked(lint: Lint) -> None:
    found = lint(HEAD + "rcpt:\n  deny  bogus = 1\n  accept  condition = ${uc:$sender_adress}\n"
                 "data:\n  accept\n")
    assert found[0][:3] == (5, 9, "error") and "unknown ACL condition/modifier" in found[0][3]
    assert found[1] == (6, 28, "error", 'unknown variable name "sender_adress" '
                                        '(did you mean "sender_address"?) [unknown-name]')


def test_expansion_syntax_position_on_continuation_line(lint: Lint) -> None:
    found = lint(HEAD + "rcpt:\n  deny  condition = ${if eq{a}{b} \\\n"
                 "                   {yes}{no}${lc:x\n  accept\ndata:\n  accept\n")
    syntax = only(found, "expansion-syntax")
    assert [(line, col, sev) for line, col, sev, _ in syntax] == [(6, 29, "error")]
    assert "'yes' part did not" not in syntax[0][3] and "(in condition in ACL rcpt)" in syntax[0][3]


def test_unknown_names(lint: Lint) -> None:
    found = lint(HEAD + "rcpt:\n  warn logwrite = ${lcc:x} ${readfil{/x}} ${lookup{a}lsearh{/f}}\n"
                 "       control = no_pipelning\n  accept\ndata:\n  accept\n")
    assert only(found, "unknown-name") == [
        (5, 19, "error", 'unknown expansion operator "lcc" (did you mean "lc"?) [unknown-name]'),
        (5, 28, "error", 'unknown expansion item "readfil" (did you mean "readfile"?) [unknown-name]'),
        (5, 43, "error", 'unknown lookup type "lsearh" (did you mean "lsearch"?) [unknown-name]'),
        (6, 18, "error", 'unknown ACL control "no_pipelning" (did you mean "no_pipelining"?) [unknown-name]'),
    ]


def test_undefined_acl_and_lists(lint: Lint) -> None:
    found = lint("acl_smtp_rcpt = rcpt\nacl_smtp_mail = mial\ndomainlist local_domains = @\n"
                 "begin acl\nrcpt:\n  deny  domains = +local_domain\n"
                 "        condition = ${if match_domain{$domain}{+relay}}\n"
                 "  accept acl = other\nmail:\n  accept\n")
    assert only(found, "undefined") == [
        (2, 17, "error", 'acl_smtp_mail names ACL "mial", which is not defined (did you mean "mail"?) [undefined]'),
        (6, 19, "error", 'domain list "+local_domain" is not defined (did you mean "local_domains"?) [undefined]'),
        (7, 47, "error", 'domain list "+relay" is not defined [undefined]'),
        (8, 16, "error", 'ACL "other" is not defined [undefined]'),
    ]


def test_always_empty_variables(lint: Lint) -> None:
    found = lint(HEAD + "rcpt:\n  warn add_header = X: $h_subject: $recipients\n  accept\n"
                 "data:\n  warn logwrite = $domain\n  accept\n")
    assert [(d[0], d[1], d[2]) for d in only(found, "always-empty")] == [
        (5, 24, "warning"), (5, 36, "warning"), (8, 19, "warning")]
    assert "$recipients is always empty in ACL \"rcpt\"" in found[1][3]


def test_header_in_data_acl_is_fine(lint: Lint) -> None:
    assert lint(HEAD + "rcpt:\n  accept\ndata:\n  warn logwrite = $h_subject: $recipients\n  accept\n") == []


def test_misuse(lint: Lint) -> None:
    found = lint("acl_smtp_connect = conn\nbegin acl\nconn:\n  warn message = hi\n"
                 "       control = caseful_local_part\n  deny domains = a\n  accept\n")
    assert only(found, "misuse") == [
        (4, 8, "warning", '"message" on "warn" is deprecated: it only adds a header line; use '
                          "add_header for that, or log_message to log the text [misuse]"),
        (5, 18, "error", 'cannot use "control=caseful_local_part" in connection ACL (ACL "conn") [misuse]'),
        (6, 8, "error", 'cannot test domains condition in connection ACL (ACL "conn") [misuse]'),
    ]


def test_unreachable(lint: Lint) -> None:
    found = lint(HEAD + "rcpt:\n  deny message = no\n  accept hosts = 1.2.3.4\n  accept\n"
                 "data:\n  accept hosts = :\n  accept\n")
    assert only(found, "unreachable") == [
        (6, 3, "warning", 'statement can never be reached: the "deny" at line 5 has no condition [unreachable]')]


def test_deprecated(lint: Lint) -> None:
    found = lint("proxy_required_hosts = 1.2.3.4\n" + HEAD
                 + "rcpt:\n  accept hosts = 1.2.3.4\n         endpass\n"
                 "  deny spf = !err_perm\n  warn logwrite = $proxy_target_port\n"
                 "       control = dmarc_forensic_enable\n  accept\ndata:\n  accept\n")
    assert only(found, "deprecated") == [
        (1, 1, "warning", 'option "proxy_required_hosts" was renamed "hosts_proxy"; exim-acl '
                          "accepts the seed's name, Exim 4.96 refuses it [deprecated]"),
        (7, 10, "info", '"endpass" is discouraged: split the statement, or use a nested ACL '
                        "(acl = name) [deprecated]"),
        (8, 14, "warning", 'SPF result "err_perm" is deprecated: use "permerror" [deprecated]'),
        (9, 19, "warning", "$proxy_target_port is the Exim 4.83 name of $proxy_external_port; "
                         "exim-acl accepts it, Exim 4.96 fails on it (unknown variable name) [deprecated]"),
        (10, 18, "warning", 'control "dmarc_forensic_enable" is spelt "dmarc_enable_forensic"; '
                            "exim-acl accepts the seed's spelling, Exim 4.96 refuses it [deprecated]"),
    ]


def test_taint(lint: Lint) -> None:
    found = lint(HEAD + "rcpt:\n  deny condition = ${readfile{/etc/$local_part}}\n"
                 "  deny condition = ${lookup sqlite{/db select 1 where a='$domain'}}\n"
                 "  deny condition = ${lookup sqlite{/db select 1 where a='${quote_sqlite:$domain}'}}\n"
                 "  deny condition = ${lookup{$local_part}lsearch,ret=key{/etc/users}}\n"
                 "  deny condition = ${run{/bin/x $sender_address}}\n  accept\ndata:\n  accept\n")
    assert [(d[0], d[1], d[2]) for d in only(found, "taint")] == [
        (5, 36, "error"), (6, 58, "warning"), (9, 33, "error")]
    assert "tainted $local_part used in a file name (${readfile})" in found[0][3]
    assert "quote it with ${quote_sqlite:...}" in only(found, "taint")[1][3]


def test_regex(lint: Lint) -> None:
    found = lint(HEAD + "rcpt:\n  deny condition = ${if match{$local_part}{(a+)+b}}\n"
                 "  deny condition = ${sg{x}{a(b}{c}}\n"
                 "  deny local_parts = ^(.*)*x : ^ok\n"
                 "  deny condition = ${if match{x}{(a|a)*}}\n  accept\ndata:\n  accept\n")
    assert only(found, "regex") == [
        (5, 43, "warning", "regular expression can backtrack catastrophically: nested quantifier "
                           "in (a+) [regex]"),
        (6, 27, "error", 'regular expression error in "a(b": missing closing parenthesis at offset 3 [regex]'),
        (7, 22, "warning", "regular expression can backtrack catastrophically: nested quantifier "
                           "in (.*) [regex]"),
        (8, 33, "warning", "regular expression can backtrack catastrophically: repeated "
                           "alternative in (a|a) [regex]"),
    ]


def test_unused_macro(lint: Lint) -> None:
    found = lint("KEPT = x\nUNUSED = y\nprimary_hostname = KEPT\n")
    assert found == [(2, 1, "info", 'macro "UNUSED" is defined but never used [unused-macro]')]
