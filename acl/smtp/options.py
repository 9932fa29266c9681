"""Main options the SMTP dialogue reads, with Exim's defaults when unset, and
the host-list checks (``*_advertise_hosts`` and friends) against the client."""

from __future__ import annotations

from typing import Any

from acl.errors import AclError

# Exim 4.96 defaults for the options the dialogue consults (Debian build).
DEFAULTS: dict[str, Any] = {
    "smtp_banner": "$smtp_active_hostname ESMTP Exim $version_number $tod_full",
    "message_size_limit": "50M",
    "pipelining_advertise_hosts": "*",
    "pipelining_connect_advertise_hosts": "*",
    "chunking_advertise_hosts": "*",
    "tls_advertise_hosts": "*",
    "smtputf8_advertise_hosts": "*",
    "dsn_advertise_hosts": "",
    "auth_advertise_hosts": "*",
    "prdr_enable": False,
    "smtp_max_synprot_errors": 3,
    "smtp_max_unknown_commands": 3,
    "smtp_accept_max_nonmail": 10,
    "smtp_accept_max_nonmail_hosts": "*",
    "smtp_enforce_sync": True,
    "smtp_accept_max_per_connection": "1000",
    "helo_accept_junk_hosts": "",
    "helo_allow_chars": "",
    "helo_verify_hosts": "",
    "helo_try_verify_hosts": "",
    "hosts_require_helo": "*",
    "sender_unqualified_hosts": "",
    "recipient_unqualified_hosts": "",
    "recipients_max": 50000,
    "recipients_max_reject": False,
    "smtp_return_error_details": False,
    "received_header_text": (
        "Received: ${if def:sender_rcvhost {from $sender_rcvhost\n\t}"
        "{${if def:sender_ident {from ${quote_local_part:$sender_ident} }}"
        "${if def:sender_helo_name {(helo=$sender_helo_name)\n\t}}}}"
        "by $primary_hostname ${if def:received_protocol {with $received_protocol }}"
        "${if def:tls_in_ver { ($tls_in_ver)}}"
        "${if def:tls_in_cipher_std { tls $tls_in_cipher_std\n\t}}"
        "(Exim $version_number)\n\t"
        "${if def:sender_address {(envelope-from <$sender_address>)\n\t}}"
        "id $message_exim_id${if def:received_for {\n\tfor $received_for}}"),
    "smtp_etrn_command": "",
    "smtp_active_hostname": "",
}


def option(ctx: Any, name: str) -> Any:
    v = ctx.option(name, None)
    return DEFAULTS.get(name) if v is None else v


def host_in(ctx: Any, name: str) -> bool:
    """Is the client in the host list option ``name``? Errors count as no."""
    from acl.runtime.lists import match_host

    text = option(ctx, name)
    if not text:
        return False
    ip = ctx.variables.get("sender_host_address") or ""
    try:
        return match_host(ctx, ip, ctx.variables.get("sender_host_name") or None, str(text),
                          expand=True, data_var=None)
    except AclError:
        return False


_UNITS = {"k": 1024, "K": 1024, "m": 1024 * 1024, "M": 1024 * 1024}


def read_size(text: str) -> int | None:
    """An integer with an optional K/M suffix (Exim's expand_string_integer)."""
    t = text.strip()
    mult = 1
    if t[-1:] in _UNITS:
        mult, t = _UNITS[t[-1]], t[:-1]
    try:
        return int(t, 0 if t.lower().startswith("0x") else 10) * mult
    except ValueError:
        return None


def expanded_int(ctx: Any, name: str) -> int:
    """An integer option that is expanded first (message_size_limit ...)."""
    from acl.expansion import expand

    raw = option(ctx, name)
    if isinstance(raw, int):
        return raw
    try:
        value = read_size(expand(str(raw), ctx))
    except AclError:
        value = None
    return value or 0
