"""log_selector: which optional parts of the main log Exim writes. Only the
names are kept here; the dialogue asks ``selected(ctx, name)`` where a line
or a field depends on one."""

from __future__ import annotations

from typing import Any

# What Exim 4.96 logs when log_selector does not say otherwise.
DEFAULTS = frozenset({
    "acl_warn_skipped", "connection_reject", "delay_delivery", "dkim", "dnslist_defer", "etrn",
    "host_lookup_failed", "lost_incoming_connection", "msg_id", "queue_run", "rejected_header",
    "retry_defer", "sender_verify_fail", "size_reject", "skip_delivery", "smtp_confirmation",
    "tls_certificate_verified", "tls_cipher"})
ALL = frozenset({
    "8bitmime", "address_rewrite", "all_parents", "arguments", "deliver_time", "delivery_size",
    "dkim_verbose", "dnssec", "ident_timeout", "incoming_interface", "incoming_port", "millisec",
    "msg_id_created", "outgoing_interface", "outgoing_port", "queue_time", "queue_time_exclusive",
    "queue_time_overall", "pid", "pipelining", "proxy", "receive_time", "received_recipients",
    "received_sender", "return_path_on_delivery", "sender_on_delivery", "smtp_incomplete_transaction",
    "smtp_connection", "smtp_mailauth", "smtp_no_mail", "smtp_protocol_error", "smtp_syntax_error", "subject",
    "tls_peerdn", "tls_resumption", "tls_sni", "unknown_in_list"}) | DEFAULTS
_CACHE_KEY = "log_selector_set"


def parse(text: str) -> frozenset[str]:
    """``+name``/``-name`` words applied in order over the defaults (``all``
    is every name; unknown names are the configuration checker's business)."""
    on = set(DEFAULTS)
    for word in text.split()[:1000]:
        sign, name = word[:1], word[1:]
        names = ALL if name == "all" else {name}
        if sign == "+":
            on |= names
        elif sign == "-":
            on -= names
    return frozenset(on)


def selected(ctx: Any, name: str) -> bool:
    """Is ``name`` on for this session's configuration (parsed once per context)?"""
    got = ctx.extra.get(_CACHE_KEY)
    if got is None:
        got = ctx.extra[_CACHE_KEY] = parse(str(ctx.option("log_selector") or ""))
    return name in got
