"""iplsearch: an lsearch file whose keys are IP addresses or CIDR networks
(IPv6 keys quoted). The first line whose network holds the key wins."""

from __future__ import annotations

import ipaddress
from typing import Any

from acl.lookups.base import SINGLE_KEY, Defer, Found, LookupSpec, option
from acl.lookups.lsearch import open_lsearch, scan

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(text: str) -> IPAddress | None:
    """An address without mask, IPv4-mapped IPv6 turned to IPv4 as Exim does."""
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def parse_net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    addr, slash, mask = text.partition("/")
    if parse_ip(addr) is None or slash and not mask.isdigit():
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _matcher(key: str):  # type: ignore[no-untyped-def]
    if key == "*":
        return lambda k: k == "*"
    addr = parse_ip(key)

    def match(k: str) -> bool:
        if k == "*":
            return False
        net = parse_net(k)
        return net is not None and net.version == addr.version and addr in net  # type: ignore[union-attr]

    return match


def find_iplsearch(ctx: Any, text: str, filename: str | None, key: str, opts: str | None) -> Found:
    if key != "*" and parse_ip(key) is None:
        raise Defer(
            f'"{key}" is not a valid iplsearch key (an IP address, with optional CIDR mask, '
            "is wanted): in a host list, use net-iplsearch as the search type"
        )
    return Found(scan(text, _matcher(key), option(opts, "ret") == "full"))


LOOKUPS = [
    LookupSpec(
        "iplsearch", SINGLE_KEY, True,
        "Linear search of a file keyed by IP addresses or CIDR networks; the key is an IP address.",
        open_lsearch, find_iplsearch, options=("ret=full",),
    ),
]
