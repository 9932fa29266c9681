"""AUTH in the EHLO reply (auth_advertise_hosts, server_advertise_condition),
the protocol names, and what STARTTLS forgets."""

from __future__ import annotations

from typing import Any

from acl.auth.exchange import state
from acl.auth.instances import authenticators
from acl.errors import AclError, ForcedFail


def expand_check_condition(ctx: Any, text: str, au_name: str, log: Any) -> bool:
    """expand_check_condition(): a failed expansion is false (and logged)."""
    from acl.expansion import expand

    try:
        s = expand(text, ctx)
    except ForcedFail:
        return False
    except AclError as e:
        if log is not None:
            log(f'failed to expand "{text}" (for {au_name} authenticator): {e.message}')
        return False
    return s not in ("", "0") and s.lower() not in ("no", "false")


def advertised_mechanisms(config: Any, ctx: Any, log: Any = None) -> list[str]:
    """The mechanisms for EHLO's ``AUTH`` line (empty: no line), in
    configuration order and upper-cased. Call once per accepted EHLO (it
    records what was advertised); ``log`` takes a failed condition's line."""
    from acl.smtp.options import host_in

    st = state(ctx)
    st.auth_advertised = False
    st.advertised = set()
    instances = authenticators(config if config is not None else ctx.config)
    # Exim offers nothing more once the client has authenticated.
    if not instances or ctx.variables.get("sender_host_authenticated"):
        return []
    if not host_in(ctx, "auth_advertise_hosts"):
        return []
    out: list[str] = []
    for au in instances:
        if not au.server:
            continue
        cond = au.opt("server_advertise_condition")
        if cond is None or expand_check_condition(ctx, cond, au.name, log):
            out.append(au.public_name.upper())
            st.advertised.add(au.name)
    st.auth_advertised = bool(out)
    return out


def helo_reset(ctx: Any) -> None:
    """An accepted HELO: AUTH is no longer advertised."""
    st = state(ctx)
    st.auth_advertised = False
    st.advertised = set()


def received_protocol(ctx: Any, esmtp: bool, tls: bool) -> str:
    """$received_protocol after HELO/EHLO: ``a`` is added for an EHLO
    session that has authenticated (esmtpa, esmtpsa)."""
    authed = esmtp and bool(ctx.variables.get("sender_host_authenticated"))
    return ("esmtp" if esmtp else "smtp") + ("s" if tls else "") + ("a" if authed else "")


def tls_started(ctx: Any) -> None:
    """After STARTTLS Exim forgets the authentication and AUTH counts as
    new again."""
    for name in ("sender_host_authenticated", "authenticated_id", "authenticated_fail_id",
                 "authenticated_sender"):
        ctx.variables.pop(name, None)
    st = state(ctx)
    st.authenticated_by = None
    st.auth_commands = 0
    helo_reset(ctx)
