"""Whether checking a list can wait on something outside the process (DNS,
a lookup, a list file), decided from its text without checking it. A
server runs the ACLs of a configuration whose lists never wait in its
event loop's thread; the answer errs towards "it may wait"."""

from __future__ import annotations

from typing import Any

from acl.runtime.lists_compile import _parse_net
from acl.runtime.lists_split import SPACE, iter_list

MAX_DEPTH = 20  # named lists within named lists (Exim stops far earlier)
MAX_ITEMS = 100_000  # a longer list is taken as one that may wait


def _item_may_wait(kind: str, item: str) -> bool:
    if item.startswith("/") or ";" in item:  # a list file or a lookup
        return True
    if kind == "host":
        # Addresses and networks are compared as numbers; names need the DNS.
        return not (item in ("", "*", "@[]") or _parse_net(item) is not None)
    if kind == "domain":
        return item.startswith("@mx_")
    return False


def list_may_wait(config: Any, kind: str, text: str, depth: int = 0) -> bool:
    """True when checking ``text`` (a list of ``kind``: domain, host,
    address, localpart) may wait: it is expanded (``$``: the result is not
    known), or an item or a named list it uses may wait."""
    if "$" in text or depth > MAX_DEPTH:
        return True
    named = getattr(config, "named_lists", {}) or {}
    for n, item in enumerate(iter_list(text)):
        if n >= MAX_ITEMS:
            return True
        item = item[1:].lstrip(SPACE) if item.startswith("!") else item
        if item.startswith("+") and len(item) > 1:
            if item == "+caseful":
                continue
            nl = named.get(kind, {}).get(item[1:])
            if nl is not None and list_may_wait(config, kind, nl.value, depth + 1):
                return True
            continue
        if _item_may_wait(kind, item):
            return True
    return False
