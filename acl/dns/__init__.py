"""The DNS layer: questions to the configured servers with Exim's outcomes
(found, not found, no data, temporary failure), a per-process TTL cache,
blocking and asyncio entry points, and the host-name lookup for
$sender_host_name. See docs/DNS.md."""

from __future__ import annotations

from acl.dns.config import ENV_SERVER, ResolverConfig, config_for, system_config, use_server
from acl.dns.hostname import HostName, ahost_name_lookup, host_name_lookup
from acl.dns.resolver import (
    Answer, Lookup, Record, Status, aquery, arun, aresolve, build_reverse, clear_cache, query, resolve, run,
)

__all__ = [
    "ENV_SERVER", "Answer", "HostName", "Lookup", "Record", "ResolverConfig", "Status", "ahost_name_lookup",
    "aquery", "arun", "aresolve", "build_reverse", "clear_cache", "config_for", "host_name_lookup", "query",
    "resolve", "run", "system_config", "use_server",
]
