"""Where and how DNS questions are asked: the resolver settings, from the
system's resolv.conf by default, overridden by Exim's main options and, for
tests and the ``acl`` commands, by an explicit server (``ACL_DNS_SERVER`` in the
environment or ``use_server()`` on a context)."""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass, replace
from typing import Any

# "host[:port] host[:port] ...", or "[v6addr]:port"; tests and `acl` runs use it
# so that no question ever goes to the system's resolver.
ENV_SERVER = "ACL_DNS_SERVER"
CTX_KEY = "dns.config"  # ctx.extra slot for a ResolverConfig

# glibc's defaults when resolv.conf says nothing.
_GLIBC_TIMEOUT, _GLIBC_ATTEMPTS = 5.0, 2


@dataclass(frozen=True)
class ResolverConfig:
    nameservers: tuple[str, ...] = ("127.0.0.1",)
    port: int = 53
    timeout: float = _GLIBC_TIMEOUT  # per try (dns_retrans)
    attempts: int = _GLIBC_ATTEMPTS  # rounds over the servers (dns_retry)
    dnssec_ok: int = -1  # dns_dnssec_ok: -1 system default, 0 off, 1 on (DO bit)
    use_edns0: int = -1  # dns_use_edns0: -1 system default (off in glibc), 0 off, 1 on
    again_means_nonexist: str | None = None  # domain list
    check_names_pattern: str = ""  # empty: no check (as the Exim 4.96 build answers)
    csa_search_limit: int = 5
    ipv4_lookup: str | None = None  # domain list: no AAAA lookups for these hosts
    cname_loops: int = 1  # dns_cname_loops
    trust_aa: str | None = None  # domain list: AA answers count as authenticated

    def with_timing(self, retrans: float | None, retry: int | None) -> "ResolverConfig":
        """dnsdb's retrans_/retry_ modifiers: this lookup only."""
        cfg = self
        if retrans:
            cfg = replace(cfg, timeout=float(retrans))
        if retry is not None:
            cfg = replace(cfg, attempts=max(retry, 1))
        return cfg


def parse_servers(text: str) -> tuple[tuple[str, ...], int]:
    """``127.0.0.1:5353`` / ``[::1]:53`` / several, space or comma separated."""
    hosts: list[str] = []
    port = 53
    for word in text.replace(",", " ").split():
        if word.startswith("["):
            host, _, rest = word[1:].partition("]")
            if rest.startswith(":"):
                port = int(rest[1:])
        elif word.count(":") == 1:
            host, _, p = word.partition(":")
            port = int(p)
        else:
            host = word
        hosts.append(host)
    if not hosts:
        raise ValueError(f"no DNS server in {text!r}")
    return tuple(hosts), port


RESOLV_CONF = "/etc/resolv.conf"
# (path, stat signature) -> what system_config read: a server asks for the
# settings once per connection, and the file rarely changes.
_SYSTEM: tuple[tuple[str, tuple[int, ...] | None], ResolverConfig] | None = None


def _signature(path: str) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev)


RECHECK = 1.0  # seconds between two looks at resolv.conf's signature
_checked = (0.0, "")  # (monotonic time, path) of the last look


def system_config() -> ResolverConfig:
    """resolv.conf as glibc reads it, read again only when the file changes
    (looked at no more than once a second: a server asks per connection)."""
    global _SYSTEM, _checked
    now = time.monotonic()
    if _SYSTEM is not None and _checked[1] == RESOLV_CONF and now - _checked[0] < RECHECK:
        return _SYSTEM[1]
    _checked = (now, RESOLV_CONF)
    key = (RESOLV_CONF, _signature(RESOLV_CONF))
    if _SYSTEM is not None and _SYSTEM[0] == key and key[1] is not None:
        return _SYSTEM[1]
    cfg = _read_system_config(RESOLV_CONF)
    _SYSTEM = (key, cfg)
    return cfg


def _read_system_config(path: str) -> ResolverConfig:
    """Nameservers, options timeout and attempts."""
    servers: list[str] = []
    timeout, attempts = _GLIBC_TIMEOUT, _GLIBC_ATTEMPTS
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read(1 << 16).splitlines()
    except OSError:
        lines = []
    for line in lines[:1000]:
        words = line.split()
        if len(words) >= 2 and words[0] == "nameserver" and len(servers) < 3:
            servers.append(words[1])
        elif words and words[0] == "options":
            for opt in words[1:]:
                key, _, val = opt.partition(":")
                if key == "timeout" and val.isdigit():
                    timeout = float(min(int(val), 30))
                elif key == "attempts" and val.isdigit():
                    attempts = min(int(val), 5)
    return ResolverConfig(nameservers=tuple(servers) or ("127.0.0.1",), timeout=timeout, attempts=attempts)


def base_config() -> ResolverConfig:
    """The explicit server from the environment, else the system's; under
    pytest never the system's: no server at all (every question is a
    temporary failure) unless a test names one."""
    env = os.environ.get(ENV_SERVER)
    if env:
        return _with_server(system_config(), env)
    if "PYTEST_CURRENT_TEST" in os.environ:
        return ResolverConfig(nameservers=())
    return system_config()


@functools.lru_cache(maxsize=16)
def _with_server(system: ResolverConfig, env: str) -> ResolverConfig:
    hosts, port = parse_servers(env)
    return replace(system, nameservers=hosts, port=port)


def _int(v: Any, default: int) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def _seconds(v: Any) -> float:
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and v:
        from acl.config.options import read_time

        return float(read_time(v) or 0)
    return 0.0


def config_for(ctx: Any) -> ResolverConfig:
    """The settings for lookups made for ``ctx``: ``use_server()``'s, else the
    base configuration with the context's main options applied."""
    if ctx is not None:
        hit = ctx.extra.get(CTX_KEY)
        if isinstance(hit, ResolverConfig):
            return hit
    cfg = base_config()
    if ctx is None:
        return cfg
    if ctx.config is None:
        ctx.extra[CTX_KEY] = cfg
        return cfg
    opt = ctx.option
    cfg = _applied(cfg, _seconds(opt("dns_retrans", 0)), _int(opt("dns_retry", 0), 0),
                   _int(opt("dns_dnssec_ok", -1), -1), _int(opt("dns_use_edns0", -1), -1),
                   opt("dns_again_means_nonexist", None) or None,
                   opt("dns_check_names_pattern", "") or "", _int(opt("dns_csa_search_limit", 5), 5),
                   opt("dns_ipv4_lookup", None) or None, _int(opt("dns_cname_loops", 1), 1),
                   opt("dns_trust_aa", None) or None)
    ctx.extra[CTX_KEY] = cfg
    return cfg


@functools.lru_cache(maxsize=64)
def _applied(cfg: ResolverConfig, retrans: float, retry: int, dnssec_ok: int, use_edns0: int,
             again_means_nonexist: str | None, check_names_pattern: str, csa_search_limit: int,
             ipv4_lookup: str | None, cname_loops: int, trust_aa: str | None) -> ResolverConfig:
    """The main options applied to a base configuration (a server makes the
    same settings for every connection: built once)."""
    return replace(cfg.with_timing(retrans or None, retry or None), dnssec_ok=dnssec_ok,
                   use_edns0=use_edns0, again_means_nonexist=again_means_nonexist,
                   check_names_pattern=check_names_pattern, csa_search_limit=csa_search_limit,
                   ipv4_lookup=ipv4_lookup, cname_loops=cname_loops, trust_aa=trust_aa)


def use_server(ctx: Any, host: str, port: int = 53, **settings: Any) -> ResolverConfig:
    """Point ``ctx``'s DNS lookups at one server (tests, ``acl --dns-server``)."""
    cfg = ResolverConfig(nameservers=(host,), port=port, **settings)
    ctx.extra[CTX_KEY] = cfg
    return cfg
