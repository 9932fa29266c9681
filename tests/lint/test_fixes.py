"""Each rule on a realistic mistake, then on the corrected configuration: the
mistake is reported (exact text, position, suggestion) and the fix lints clean.
Exim's own wordings used here (misuse, config) were checked with exim -bh."""

from __future__ import annotations

from pathlib import Path

import pytest

from acl.lint import check_file

MAIN = "primary_hostname = mx.example.org\n" \
       "acl_smtp_mail = check_mail\nacl_smtp_rcpt = check_rcpt\nacl_smtp_data = check_data\n" \
       "domainlist local_domains = @ : example.org\nbegin acl\n"
TAIL = "check_mail:\n  accept\ncheck_data:\n  accept\n"

# rule[/variant] -> (bad configuration, [(line, col, severity, message, suggestion)], fixed configuration)
CASES: dict[str, tuple[str, list[tuple[int, int, str, str, str | None]], str]] = {
    "config": (
        "primary_hostname = mx.example.org\nqualify_domian = example.org\n",
        [(2, 1, "error", 'main option "qualify_domian" unknown '
                         "(did you mean 'qualify_domain'?)", "qualify_domain")],
        "primary_hostname = mx.example.org\nqualify_domain = example.org\n"),
    "config/set": (
        MAIN + "check_rcpt:\n  warn  set $acl_m_spam = 1\n  accept\n" + TAIL,
        [(8, 3, "error", 'error in ACL: invalid variable name after "set" in ACL modifier '
                         '"set $acl_m_spam = 1" (must start "acl_c" or "acl_m") '
                         '(write "set acl_m_spam": set takes the name without "$")',
          "set acl_m_spam")],
        MAIN + "check_rcpt:\n  warn  set acl_m_spam = 1\n  accept\n" + TAIL),
    "expansion-syntax": (
        MAIN + "check_rcpt:\n  deny  condition = ${if eqi{$local_part}{abuse}{yes}\n"
               "  deny  condition = ${if eqq{$domain}{x}}\n  accept\n" + TAIL,
        [(8, 49, "error", 'syntax error in "if" item - "fail" expected '
                          "(in condition in ACL check_rcpt)", None),
         (9, 26, "error", 'unknown condition "eqq" (did you mean "eq"?) '
                          "(in condition in ACL check_rcpt)", "eq")],
        MAIN + "check_rcpt:\n  deny  condition = ${if eqi{$local_part}{abuse}{yes}}\n"
               "  deny  condition = ${if eq{$domain}{x}}\n  accept\n" + TAIL),
    "unknown-name": (
        MAIN + "check_rcpt:\n  require verify = recipent\n"
               "  warn logwrite = $sender_adress ${sha265:$domain}\n"
               "       control = no_pipelning\n  accept\n" + TAIL,
        [(8, 20, "error", 'unknown verify type "recipent" (did you mean "recipient"?)', "recipient"),
         (9, 19, "error", 'unknown variable name "sender_adress" (did you mean "sender_address"?)',
          "sender_address"),
         (9, 34, "error", 'unknown expansion operator "sha265" (did you mean "sha256"?)', "sha256"),
         (10, 18, "error", 'unknown ACL control "no_pipelning" (did you mean "no_pipelining"?)',
          "no_pipelining")],
        MAIN + "check_rcpt:\n  require verify = recipient\n"
               "  warn logwrite = $sender_address ${sha256:$domain}\n"
               "       control = no_pipelining\n  accept\n" + TAIL),
    "unknown-name/list": (
        MAIN + "check_rcpt:\n  deny hosts = net24-lsearh;/etc/mail/blocked\n  accept\n" + TAIL,
        [(8, 16, "error", 'unknown lookup type "lsearh" (did you mean "lsearch"?)', "lsearch")],
        MAIN + "check_rcpt:\n  deny hosts = net24-lsearch;/etc/mail/blocked\n  accept\n" + TAIL),
    "taint/list": (
        MAIN + "check_rcpt:\n  deny senders = lsearch;/etc/mail/$sender_address_domain\n"
               "  deny senders = mysql;select 1 from bad where a='$sender_address'\n"
               "  accept\n" + TAIL,
        [(8, 18, "error", "tainted $sender_address_domain used in a lsearch file name in a list: "
                          "de-taint it first: check it against fixed values and use $value "
                          "(${if inlist{$x}{a : b}{$value}}), or look it up in a trusted file and "
                          "use the result (${lookup{$x}lsearch,ret=key{/file}})",
          "${if inlist{$sender_address_domain}{...}{$value}}"),
         (9, 18, "warning", "tainted $sender_address used in an unquoted mysql query in a list: "
                            "quote it with ${quote_mysql:...}", "${quote_mysql:$sender_address}")],
        MAIN + "check_rcpt:\n  deny senders = lsearch;/etc/mail/blocked_senders\n"
               "  deny senders = mysql;select 1 from bad where a='${quote_mysql:$sender_address}'\n"
               "  accept\n" + TAIL),
    "undefined": (
        MAIN + "check_rcpt:\n  accept domains = +local_domain\n  deny acl = check_helo\n"
               "  accept\n" + TAIL,
        [(8, 20, "error", 'domain list "+local_domain" is not defined '
                          '(did you mean "local_domains"?)', "+local_domains"),
         (9, 14, "error", 'ACL "check_helo" is not defined (did you mean "check_mail"?)',
          "check_mail")],
        MAIN + "check_rcpt:\n  accept domains = +local_domains\n  deny acl = check_mail\n"
               "  accept\n" + TAIL),
    "always-empty": (
        MAIN + "check_rcpt:\n  deny condition = ${if match{$h_subject:}{viagra}}\n"
               "  warn logwrite = to $recipients\n  accept\n" + TAIL,
        [(8, 31, "warning", 'header is always empty in ACL "check_rcpt" (run for rcpt): '
                            "headers and body do not exist before the DATA ACL", None),
         (9, 22, "warning", '$recipients is always empty in ACL "check_rcpt" (run for rcpt): '
                            "$recipients is set only from the PREDATA ACL on", None)],
        MAIN + "check_rcpt:\n  warn logwrite = to $local_part@$domain\n  accept\n"
               "check_mail:\n  accept\ncheck_data:\n"
               "  deny condition = ${if match{$h_subject:}{viagra}}\n"
               "  warn logwrite = to $recipients\n  accept\n"),
    "misuse": (
        MAIN + "check_rcpt:\n  accept\ncheck_mail:\n  warn message = X-Checked: yes\n"
               "  require verify = recipient\n  deny recipients = spamtrap@example.org\n"
               "  accept\ncheck_data:\n  deny dmarc_status = reject\n  accept\n",
        [(10, 8, "warning", '"message" on "warn" is deprecated: it only adds a header line; '
                            "use add_header for that, or log_message to log the text",
          "add_header"),
         (11, 20, "error", 'cannot verify recipient in ACL for MAIL (ACL "check_mail")', None),
         (12, 8, "error", 'cannot test recipients condition in MAIL ACL (ACL "check_mail")', None)],
        MAIN + "check_rcpt:\n  require verify = recipient\n"
               "  deny recipients = spamtrap@example.org\n  accept\ncheck_mail:\n"
               "  warn add_header = X-Checked: yes\n  accept\n"
               "check_data:\n  deny dmarc_status = reject\n  accept\n"),
    "misuse/dmarc": (
        MAIN + "check_rcpt:\n  deny dmarc_status = reject\n  accept\n" + TAIL,
        [(8, 8, "error", 'cannot test dmarc_status condition in RCPT ACL (ACL "check_rcpt")',
          None)],
        MAIN + "check_rcpt:\n  accept\ncheck_mail:\n  accept\n"
               "check_data:\n  deny dmarc_status = reject\n  accept\n"),
    "unreachable": (
        MAIN + "check_rcpt:\n  accept\n  deny domains = !+local_domains\n" + TAIL,
        [(9, 3, "warning", 'statement can never be reached: the "accept" at line 8 has no '
                           "condition", None)],
        MAIN + "check_rcpt:\n  deny domains = !+local_domains\n  accept\n" + TAIL),
    "deprecated": (
        "hosts_proxy = 192.0.2.1\n" + MAIN
        + "check_rcpt:\n  deny spf = err_perm\n  warn logwrite = via $proxy_host_address\n"
          "  warn control = dmarc_forensic_enable\n"
          "  warn logwrite = TLS $tls_cipher ${str2b64:$sender_helo_name}\n  accept\n" + TAIL,
        [(9, 14, "warning", 'SPF result "err_perm" is deprecated: use "permerror"', "permerror"),
         (10, 23, "warning", "$proxy_host_address is the Exim 4.83 name of $proxy_local_address; "
                           "exim-acl accepts it, Exim 4.96 fails on it (unknown variable name)", "$proxy_local_address"),
         (11, 18, "warning", 'control "dmarc_forensic_enable" is spelt "dmarc_enable_forensic"; '
                             "exim-acl accepts the seed's spelling, Exim 4.96 refuses it",
          "dmarc_enable_forensic"),
         (12, 23, "warning", "$tls_cipher is an old name: use $tls_in_cipher", "$tls_in_cipher"),
         (12, 35, "warning", 'operator "str2b64" is an old name: use "base64"', "base64")],
        "hosts_proxy = 192.0.2.1\n" + MAIN
        + "check_rcpt:\n  deny spf = permerror\n  warn logwrite = via $proxy_local_address\n"
          "  warn control = dmarc_enable_forensic\n"
          "  warn logwrite = TLS $tls_in_cipher ${base64:$sender_helo_name}\n  accept\n" + TAIL),
    "taint": (
        MAIN + "check_rcpt:\n  deny condition = ${readfile{/etc/mail/$local_part}}\n"
               "  deny condition = ${if match{$domain}{$sender_address_domain}}\n  accept\n" + TAIL,
        [(8, 41, "error", "tainted $local_part used in a file name (${readfile}): de-taint it first: "
                          "check it against fixed values and use $value (${if inlist{$x}{a : b}"
                          "{$value}}), or look it up in a trusted file and use the result "
                          "(${lookup{$x}lsearch,ret=key{/file}})",
          "${if inlist{$local_part}{...}{$value}}"),
         (9, 40, "warning", "tainted $sender_address_domain used in a regular expression (match): "
                            "escape it with ${rxquote:...} to match it literally",
          "${rxquote:$sender_address_domain}")],
        MAIN + "check_rcpt:\n  deny condition = ${readfile{/etc/mail/"
               "${lookup{$local_part}lsearch,ret=key{/etc/mail/users}}}}\n"
               "  deny condition = ${if match{$domain}{${rxquote:$sender_address_domain}}}\n"
               "  accept\n" + TAIL),
    "taint/query": (
        MAIN + "check_rcpt:\n  deny condition = ${lookup sqlite{/db select 1 where d='$domain'}}\n"
               "  accept\n" + TAIL,
        [(8, 58, "warning", "tainted $domain used in an unquoted sqlite query: quote it with "
                            "${quote_sqlite:...}", "${quote_sqlite:$domain}")],
        MAIN + "check_rcpt:\n  deny condition = ${lookup sqlite{/db select 1 where "
               "d='${quote_sqlite:$domain}'}}\n  accept\n" + TAIL),
    "regex": (
        MAIN + "check_rcpt:\n  deny local_parts = ^([a-z]+)*\\\\.x\n"
               "  deny condition = ${if match{$local_part}{^(a|b}}\n  accept\n" + TAIL,
        [(8, 22, "warning", r"regular expression can backtrack catastrophically: nested "
                            r"quantifier in ([a-z]+)", None),
         (9, 43, "error", 'regular expression error in "^(a|b": missing closing parenthesis '
                          "at offset 5", None)],
        MAIN + "check_rcpt:\n  deny local_parts = ^[a-z]+\\\\.x\n"
               "  deny condition = ${if match{$local_part}{^(a|b)}}\n  accept\n" + TAIL),
    "unused-macro": (
        "SPAMD = /var/run/spamd\nLIMIT = 20\nprimary_hostname = mx.example.org\n"
        "smtp_accept_max = LIMIT\n",
        [(1, 1, "info", 'macro "SPAMD" is defined but never used', None)],
        "LIMIT = 20\nprimary_hostname = mx.example.org\nsmtp_accept_max = LIMIT\n"),
    "no-effect": (
        "primary_hostname = mx.example.org\nnever_users = root\n",
        [(2, 1, "info", 'option "never_users" is recognised but has no effect in exim-acl '
                        "(it matters only to a real Exim)", None)],
        "primary_hostname = mx.example.org\n"),
}


def _lint(tmp_path: Path, text: str) -> list[tuple[int, int, str, str, str, str | None]]:
    conf = tmp_path / "exim.conf"
    conf.write_text(text)
    return [(d.line, d.col, d.severity, d.message, d.rule, d.suggestion)
            for d in check_file(str(conf))]


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_fires_then_fix_is_clean(case: str, tmp_path: Path) -> None:
    bad, expected, good = CASES[case]
    rule = case.split("/")[0]
    found = [(line, col, sev, msg, sugg) for line, col, sev, msg, r, sugg in _lint(tmp_path, bad)
             if r == rule]
    assert found == expected
    assert _lint(tmp_path, good) == []
