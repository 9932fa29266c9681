"""Expansion variables: the unset values `exim -C empty.conf -be '$name'` printed
(recorded from Exim 4.96), taint marks, and the time-of-day formats."""

from __future__ import annotations

import os
import time

import pytest

from acl.builtins.registry import REGISTRY
from acl.builtins.variables import config_dir_of
from acl.runtime.context import ExpansionContext

# name -> value printed by Exim 4.96 with an empty configuration
ORACLE = {
    "acl_narg": "0", "address_data": "", "authentication_failed": "0", "body_linecount": "0",
    "bounce_return_size_limit": "102400", "dkim_bodylength": "9999999999999",
    "dkim_key_granularity": "*", "dkim_key_srvtype": "*", "exim_version": "4.96",
    "host_port": "0", "interface_port": "-1", "local_user_uid": "4294967295",
    "message_smtputf8": "no", "mime_part_count": "-1", "prdr_requested": "no",
    "proxy_external_port": "0", "proxy_session": "no", "received_port": "-1",
    "return_size_limit": "102400", "sender_host_dnssec": "no", "sender_host_port": "0",
    "sending_port": "-1", "spf_result_guessed": "no", "tls_out_dane": "no",
    "tls_in_bits": "0", "version_number": "4.96", "warn_message_delay": "",
    "message_headers": "", "sender_rate_period": "", "regex9": "", "auth4": "",
}
# unknown to Exim 4.96: must not be registered
UNKNOWN = ["auth5", "regex10", "sn0", "n0", "sender_rate_", "pipe_addresses", "authresults"]


def value(ctx: ExpansionContext, name: str) -> str:
    spec = REGISTRY.variables[name]
    v = spec.getter(ctx) if spec.getter else ctx.variables.get(name)
    return "" if v is None else v


@pytest.fixture
def ctx() -> ExpansionContext:
    import acl.builtins.variables  # noqa: F401

    return ExpansionContext(clock=lambda: 1795549561.152101)


@pytest.mark.parametrize("name", sorted(ORACLE))
def test_unset_values_match_exim(ctx: ExpansionContext, name: str) -> None:
    assert value(ctx, name) == ORACLE[name]


@pytest.mark.parametrize("name", UNKNOWN)
def test_unknown_to_exim(name: str) -> None:
    assert name not in REGISTRY.variables


def test_tod(ctx: ExpansionContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        # recorded: exim -be at epoch 1795549561 with TZ=UTC
        assert value(ctx, "tod_full") == "Tue, 24 Nov 2026 19:46:01 +0000"
        assert value(ctx, "tod_bsdinbox") == "Tue Nov 24 19:46:01 2026"
        assert value(ctx, "tod_log") == "2026-11-24 19:46:01"
        assert value(ctx, "tod_logfile") == "20261124"
        assert value(ctx, "tod_zone") == "+0000"
        assert value(ctx, "tod_zulu") == "20261124194601Z"
        assert value(ctx, "tod_epoch") == "1795549561"
        assert value(ctx, "tod_epoch_l") == "1795549561152101"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_explicit_value_overrides_computed(ctx: ExpansionContext) -> None:
    ctx.variables["primary_hostname"] = "pinned.example"
    assert value(ctx, "primary_hostname") == "pinned.example"
    assert value(ctx, "qualify_domain") == "pinned.example"
    ctx.variables["sender_address"] = "a.b@c.example"
    assert value(ctx, "sender_address_local_part") == "a.b"
    assert value(ctx, "sender_address_domain") == "c.example"


def test_config_options(ctx: ExpansionContext) -> None:
    class Cfg:
        options = {"primary_hostname": "mx.example", "qualify_domain": "q.example",
                   "return_size_limit": "50K"}

    ctx.config = Cfg()
    assert value(ctx, "primary_hostname") == "mx.example"
    assert value(ctx, "qualify_recipient") == "q.example"
    assert value(ctx, "smtp_active_hostname") == "mx.example"
    assert value(ctx, "return_size_limit") == "51200"


def test_process_values(ctx: ExpansionContext) -> None:
    assert value(ctx, "pid") == str(os.getpid())
    assert value(ctx, "caller_uid") == str(os.getuid())


def test_taint_marks() -> None:
    for name in ("sender_host_address", "sender_helo_name", "sender_address", "local_part",
                 "domain", "message_body", "message_headers", "dkim_signers", "spf_result"):
        assert REGISTRY.variables[name].tainted, name
    for name in ("primary_hostname", "tod_full", "spool_directory", "received_count"):
        assert not REGISTRY.variables[name].tainted, name


def test_proxy_old_names_alias_new_ones(ctx: ExpansionContext) -> None:
    ctx.variables["proxy_local_address"] = "10.0.0.1"
    assert value(ctx, "proxy_host_address") == "10.0.0.1"
    assert value(ctx, "proxy_target_port") == "0"


def test_config_dir() -> None:
    # recorded: exim -C /tmp/cli/empty.conf -> /tmp/cli; relative ./e from cwd -> cwd + "/."
    assert config_dir_of("/tmp/cli/empty.conf") == "/tmp/cli"
    assert config_dir_of("./e").endswith("/.")
    assert config_dir_of("e").endswith("/")
