"""IP address operators: mask / mask_n, ipv6norm, ipv6denorm, reverse_ip."""

from __future__ import annotations

import socket

from acl.builtins.registry import operator
from acl.errors import ExpansionError

from ._common import c_isalnum, c_ispunct, strtol, suffix, to_bytes

ANY = (0, 64)


def ip_address_type(addr: str, allow_mask: bool) -> tuple[int, int | None]:
    """Exim's string_is_ip_address(): (4, 6 or 0, offset of the '/' or None)."""
    slash = addr.find("/")
    end = len(addr)
    if slash >= 0:
        if not allow_mask:
            return 0, None
        rest = to_bytes(addr[slash + 1:])
        mask, used, _ = strtol(rest)
        if used != len(rest) or mask < 0:
            return 0, None
        end = slash
    percent = addr.find("%")
    if percent >= 0:
        if slash >= 0:
            return 0, None
        if not all(c_isalnum(c) or c_ispunct(c) for c in to_bytes(addr[percent + 1:])):
            return 0, None
        end = percent
    core = addr[:end]
    family = socket.AF_INET6 if ":" in core else socket.AF_INET
    try:
        socket.inet_pton(family, core)
    except (OSError, ValueError):
        return 0, None
    if family == socket.AF_INET and percent >= 0:
        return 0, None
    return (4 if family == socket.AF_INET else 6), (slash if slash >= 0 else None)


def _groups(addr: str, kind: int) -> list[int]:
    """The address as eight 16-bit groups (IPv4 as IPv4-mapped IPv6)."""
    core = addr.split("/", 1)[0].split("%", 1)[0]
    if kind == 4:
        raw = b"\0" * 10 + b"\xff\xff" + socket.inet_pton(socket.AF_INET, core)
    else:
        raw = socket.inet_pton(socket.AF_INET6, core)
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, 16, 2)]


def ipv6_nmtoa(groups: list[int]) -> str:
    """Exim's ipv6_nmtoa(): the first longest run of zero groups (even a single
    one) becomes '::'; an all-zero address comes out as ':' as in Exim."""
    best_len, best_at = 0, -1
    i = 0
    while i < 8:
        if groups[i] == 0:
            j = i
            while j + 1 < 8 and groups[j + 1] == 0:
                j += 1
            if j - i + 1 > best_len:
                best_len, best_at = j - i + 1, i
            i = j + 1
        else:
            i += 1
    text = [f"{g:x}" for g in groups]
    if best_at < 0:
        return ":".join(text)
    head = text[:best_at]
    tail = text[best_at + best_len:]
    if not head:
        return ":" + (":" + ":".join(tail) if tail else "")
    return ":".join(head) + "::" + ":".join(tail)


def _ip_or_fail(subject: str) -> tuple[int, list[int]]:
    kind, _ = ip_address_type(subject, False)
    if not kind:
        raise ExpansionError(f'"{subject}" is not an IP address')
    return kind, _groups(subject, kind)


@operator("ipv6norm", params=ANY)
def ipv6norm(subject: str, *params: str) -> str:
    """An IP address in compressed IPv6 form (IPv4 becomes IPv4-mapped)."""
    groups = _ip_or_fail(subject)[1]
    if not any(groups):  # Exim 4.96 gives a lone ":" for the all-zero address (and loses what follows)
        return ":"
    return ipv6_nmtoa(groups)


@operator("ipv6denorm", params=ANY)
def ipv6denorm(subject: str, *params: str) -> str:
    """An IP address as eight four-digit hex groups."""
    return ":".join(f"{g:04x}" for g in _ip_or_fail(subject)[1])


def _mask(subject: str, normalised: bool) -> str:
    kind, slash = ip_address_type(subject, True)
    if not kind:
        raise ExpansionError(f'"{subject}" is not an IP address')
    if slash is None:
        raise ExpansionError(f'missing mask value in "{subject}"')
    rest = to_bytes(subject[slash + 1:])
    mask, used, _ = strtol(rest)
    if used != len(rest) or mask < 0 or mask > (32 if kind == 4 else 128):
        raise ExpansionError(f'mask value too big in "{subject}"')
    core = subject[:slash]
    if kind == 4:
        n = int.from_bytes(socket.inet_pton(socket.AF_INET, core), "big")
        n &= ~((1 << (32 - mask)) - 1) & 0xFFFFFFFF
        return ".".join(str((n >> s) & 0xFF) for s in (24, 16, 8, 0)) + f"/{mask}"
    n = int.from_bytes(socket.inet_pton(socket.AF_INET6, core), "big")
    n &= ~((1 << (128 - mask)) - 1) & ((1 << 128) - 1)
    groups = [(n >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    if normalised:
        return f"{ipv6_nmtoa(groups)}/{mask}"
    return ".".join(f"{g:04x}" for g in groups) + f"/{mask}"


@operator("mask", params=ANY)
def mask(subject: str, *params: str) -> str:
    """Mask an address/bits pair; IPv6 results use dots (``mask_n``: compressed)."""
    arg = suffix(params)
    return _mask(subject, bool(arg) and arg.startswith("n"))


@operator("mask_n")
def mask_n(subject: str) -> str:
    """Mask an address/bits pair; IPv6 results in compressed colon form."""
    return _mask(subject, True)


@operator("reverse_ip")
def reverse_ip(subject: str) -> str:
    """The address reversed for DNS: dotted quads or dotted nibbles."""
    kind, _ = ip_address_type(subject, True)
    if not kind:
        raise ExpansionError(f"reverse_ip() not given an IP address [{subject}]")
    groups = _groups(subject, kind)
    if kind == 4:
        octets = [groups[6] >> 8, groups[6] & 0xFF, groups[7] >> 8, groups[7] & 0xFF]
        return ".".join(str(o) for o in reversed(octets))
    nibbles = "".join(f"{g:04x}" for g in groups)
    return ".".join(reversed(nibbles))
