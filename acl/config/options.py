"""Option lookup and typed values, following readconf.c's rules and messages."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from acl.config.option_table import GENERIC, PRIVATE, UNAVAILABLE_AUTHENTICATORS
from acl.runtime.escapes import unescape_until

Fail = Callable[[str, int], NoReturn]  # (message, offset in the option's rest text)

BOOL_TYPES = ("bool", "expand_bool")
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)

# Main options this project acts on; every other known option is accepted and
# reported by `acl check` as having no effect here.
EFFECTIVE_MAIN = frozenset({
    "acl_not_smtp", "acl_not_smtp_mime", "acl_not_smtp_start", "acl_smtp_auth",
    "acl_smtp_connect", "acl_smtp_data", "acl_smtp_data_prdr", "acl_smtp_dkim",
    "acl_smtp_etrn", "acl_smtp_expn", "acl_smtp_helo", "acl_smtp_mail",
    "acl_smtp_mailauth", "acl_smtp_mime", "acl_smtp_notquit", "acl_smtp_predata",
    "acl_smtp_quit", "acl_smtp_rcpt", "acl_smtp_starttls", "acl_smtp_vrfy",
    "primary_hostname", "qualify_domain", "qualify_recipient", "smtp_banner",
    "smtp_active_hostname", "local_interfaces", "daemon_smtp_ports", "daemon_smtp_port",
    "message_size_limit", "recipients_max", "recipients_max_reject",
    "helo_accept_junk_hosts", "helo_allow_chars", "helo_lookup_domains",
    "helo_try_verify_hosts", "helo_verify_hosts", "host_lookup", "host_lookup_order",
    "host_reject_connection", "hosts_treat_as_local", "hosts_connection_nolog",
    "dns_again_means_nonexist", "dns_check_names_pattern", "dns_csa_search_limit",
    "dns_csa_use_reverse", "dns_dnssec_ok", "dns_ipv4_lookup", "dns_retrans", "dns_retry",
    "dns_trust_aa", "dns_use_edns0", "dns_cname_loops", "spf_guess",
    "spf_smtp_comment_template", "smtp_accept_max", "smtp_accept_max_per_connection",
    "smtp_accept_max_per_host", "smtp_accept_max_nonmail", "smtp_accept_max_nonmail_hosts",
    "smtp_max_synprot_errors", "smtp_max_unknown_commands", "smtp_enforce_sync",
    "smtp_receive_timeout", "smtp_return_error_details", "strict_acl_vars",
    "tls_advertise_hosts", "auth_advertise_hosts", "pipelining_advertise_hosts",
    "chunking_advertise_hosts", "prdr_enable", "hosts_proxy", "proxy_protocol_timeout",
    "dsn_advertise_hosts", "smtputf8_advertise_hosts", "sender_unqualified_hosts",
    "recipient_unqualified_hosts", "percent_hack_domains", "allow_domain_literals",
    "allow_utf8_domains", "headers_charset", "keep_environment", "add_environment",
    "callout_domain_negative_expire", "callout_domain_positive_expire",
    "callout_negative_expire", "callout_positive_expire", "callout_random_local_part",
    "localhost_number", "timezone", "log_selector", "ignore_fromline_hosts",
    "accept_8bitmime", "message_body_visible", "check_rfc2047_length", "rfc1413_hosts",
    "rfc1413_query_timeout", "hosts_require_helo", "smtp_ratelimit_hosts",
    "smtp_ratelimit_mail", "smtp_ratelimit_rcpt", "slow_lookup_log",
    "dmarc_forensic_sender", "dmarc_history_file", "dmarc_tld_file", "redis_servers",
    "ratelimit_store", "ratelimit_redis_server", "ratelimit_redis_outage", "expansion_allow_run",
})

SECTION_CLASS = {"routers": "router", "transports": "transport",
                 "authenticators": "authenticator"}


# Main options of exim-acl's own, not Exim's. Exim rejects them, so a
# configuration shared with Exim sets them inside ``.ifdef _EXIM_ACL``.
EXTENSION_MAIN = {
    "expansion_allow_run": "bool",  # ${run} is refused unless this is true
    # Where ratelimit hints live (docs/REDIS.md): file (default) or redis; the
    # redis_servers item to use; what a Redis outage does (defer or local).
    "ratelimit_store": "string",
    "ratelimit_redis_server": "string",
    "ratelimit_redis_outage": "string",
}
# Exim 4.96 options of features Debian's build leaves out (so the generated
# table lacks them): DMARC and the redis lookup. exim-acl has both features.
FEATURE_MAIN = {
    "dmarc_forensic_sender": "string",
    "dmarc_history_file": "string",
    "dmarc_tld_file": "string",
    "redis_servers": "string",
}


# Seed (Exim 4.83 experimental) names of main options, kept working under the
# project's rule that seed features accept both names; `acl check` warns.
MAIN_ALIASES = {"proxy_required_hosts": "hosts_proxy"}


def main_type(name: str) -> str | None:
    return GENERIC["main"].get(name) or FEATURE_MAIN.get(name) or EXTENSION_MAIN.get(name)


def driver_type(section: str, driver: str | None, name: str) -> tuple[str | None, bool]:
    """(type, is_generic) of a router/transport/authenticator option."""
    typ = GENERIC[section].get(name)
    if typ is not None:
        return typ, True
    if driver is None:
        return None, False
    return PRIVATE[section].get(driver, {}).get(name), False


def driver_known(section: str, driver: str) -> bool:
    return driver in PRIVATE[section]


def documented_only(section: str, driver: str) -> bool:
    return section == "authenticators" and driver in UNAVAILABLE_AUTHENTICATORS


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    hit = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.7)
    return f"did you mean {hit[0]!r}?" if hit else None


def main_candidates() -> list[str]:
    return list(GENERIC["main"])


def driver_candidates(section: str, driver: str | None) -> list[str]:
    names = list(GENERIC[section])
    if driver:
        names += list(PRIVATE[section].get(driver, {}))
    return names


# ---- values ---------------------------------------------------------------------

def extra_chars(rest: str, what: str) -> str:
    comment = " (# is comment only at line start)" if rest.startswith("#") else ""
    return f"extra characters follow {what}{comment}"


def read_string(s: str, name: str, fail: Fail) -> str:
    """An option string: as written, or dequoted with escapes if it starts with "."""
    if not s.startswith('"'):
        return s
    value, i = unescape_until(s, 1, '"')
    if i >= len(s):
        fail(f"missing quote at end of string value for {name}", 0)
    i += 1
    if i < len(s):
        fail(extra_chars(s[i:], f"string value for {name}"), i)
    return value


def _strtol(s: str, base: int) -> tuple[int | None, int]:
    """C strtol: (value or None if no digits, index after the number)."""
    i = 0
    while i < len(s) and s[i] in " \t\n\r\f\v":
        i += 1
    sign = 1
    if i < len(s) and s[i] in "+-":
        sign = -1 if s[i] == "-" else 1
        i += 1
    if base in (0, 16) and s[i:i + 2].lower() == "0x" and i + 2 < len(s) \
            and s[i + 2] in "0123456789abcdefABCDEF":
        base, i = 16, i + 2
    elif base == 0:
        base = 8 if s[i:i + 1] == "0" else 10
    digits = "0123456789abcdef"[:base]
    j = i
    while j < len(s) and s[j].lower() in digits:
        j += 1
    if j == i:
        return None, 0
    return sign * int(s[i:j], base), j


def read_int(s: str, name: str, octal: bool, fail: Fail) -> int:
    kind = "octal " if octal else ""
    value, end = _strtol(s, 8 if octal else 0)
    if value is None:
        fail(f"{kind}integer expected for {name}", 0)
    overflow = False
    if end < len(s) and s[end] in "TtGgMmKk":
        power = "KMGT".index(s[end].upper()) + 1
        end += 1
        for _ in range(power):
            if value > INT_MAX // 1024 or value < INT_MIN // 1024:
                overflow = True
                break
            value *= 1024
    if overflow or not INT_MIN <= value <= INT_MAX:
        fail(f'absolute value of integer "{s}" is too large (overflow)', 0)
    tail = s[end:].lstrip()
    if tail:
        fail(extra_chars(tail, f"{kind}integer value for {name}"), len(s) - len(tail))
    return value


def read_fixed(s: str, name: str, fail: Fail) -> float:
    value, end = _strtol(s, 10)
    if value is None:
        fail(f"fixed-point number expected for {name}", 0)
    if not INT_MIN // 1000 <= value <= INT_MAX // 1000:
        fail(f'integer "{s}" is too large (overflow)', 0)
    millis = value * 1000
    if end < len(s) and s[end] == ".":
        count = 100
        end += 1
        while end < len(s) and s[end].isdigit():
            millis += int(s[end]) * count
            count //= 10
            end += 1
    tail = s[end:].lstrip()
    if tail:
        fail(extra_chars(tail, f"fixed-point value for {name}"), len(s) - len(tail))
    return millis / 1000


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def read_time(s: str) -> int | None:
    """Exim's readconf_readtime: digits each followed by a unit; None if invalid."""
    total = 0
    i = 0
    while True:
        j = i
        while j < len(s) and s[j].isdigit():
            j += 1
        if j == i or j >= len(s) or s[j] not in _UNITS:
            return None
        total += int(s[i:j]) * _UNITS[s[j]]
        i = j + 1
        if i >= len(s):
            return total


def read_word(s: str) -> tuple[str, str]:
    """Exim's readconf_readname: a name starting with a letter, then the rest."""
    s = s.lstrip()
    i = 0
    if s[:1].isalpha():
        while i < len(s) and (s[i].isalnum() or s[i] == "_"):
            i += 1
    return s[:i], s[i:].lstrip()


def typed_value(name: str, typ: str, negated: bool, rest: str, fail: Fail) -> tuple[Any, str]:
    """Check an option's text after its name the way Exim does; (value, raw text).

    ``name`` is the option as written (with any no_ prefix) since Exim's messages
    quote it that way."""
    if typ not in BOOL_TYPES:
        if negated:
            fail("negation prefix applied to a non-boolean option", 0)
        if not rest:
            fail(f"unexpected end of line (data missing) after {name}", 0)
        if rest[0] != "=":
            fail(f'missing "=" after {name}', 0)
    elif rest and (negated or rest[0] != "="):
        fail(extra_chars(rest, f"boolean option {name}"), 0)
    at = 0
    if rest.startswith("="):
        at = len(rest) - len(rest[1:].lstrip())
        rest = rest[at:]

    def fail_at(msg: str, off: int) -> NoReturn:
        fail(msg, at + off)

    if typ in BOOL_TYPES:
        if not rest:
            return not negated, ""
        if typ == "expand_bool" and "$" in rest:
            return rest, rest
        word, tail = read_word(rest)
        if word.lower() in ("true", "yes"):
            value = True
        elif word.lower() in ("false", "no"):
            value = False
        else:
            fail_at(f'"{word}" is not a valid value for the "{name}" option', 0)
        if tail:
            fail_at(extra_chars(tail, f'"{word}" for boolean option {name}'), len(rest) - len(tail))
        return value, rest
    if typ in ("int", "octint"):
        return read_int(rest, name, typ == "octint", fail_at), rest
    if typ == "fixed":
        return read_fixed(rest, name, fail_at), rest
    if typ == "time":
        t = read_time(rest)
        if t is None:
            fail_at(f"invalid time value for {name}", 0)
        return t, rest
    if typ == "timelist":
        times = [read_time(p.strip()) for p in rest.split(":")]
        if any(t is None for t in times):
            fail_at(f"invalid time value for {name}", 0)
        return times, rest
    return read_string(rest, name, fail_at), rest
