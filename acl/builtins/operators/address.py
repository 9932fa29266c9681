"""RFC 2822 address extraction as Exim's parse.c does it (phrases, comments,
quoted local parts, route-addrs, source routes, groups), and the operators
address, addresses, domain and local_part built on it."""

from __future__ import annotations

from dataclasses import dataclass

from acl.builtins.registry import operator
from acl.errors import ExpansionError

from ._common import c_isalnum, c_isspace, from_bytes, to_bytes

ANY = (0, 64)
ADDRESS_MAXLENGTH = 256
_SPECIALS = b' ()<>@,;:\\".[]'


def _special(c: int) -> bool:
    """Control characters and RFC 822 specials (bytes >= 128 are atom text)."""
    return c < 32 or c == 127 or c in _SPECIALS


class _Fail(Exception):
    pass


@dataclass
class Extracted:
    address: bytes
    domain: int  # offset of the domain in ``address``; 0 when there is none
    start: int
    end: int


class AddressParser:
    """One parser per ${addresses} (or per single extraction): it carries the
    group flags that Exim keeps between successive items of a list."""

    def __init__(self, allow_group: bool = False) -> None:
        self.allow_group = allow_group
        self.found_group = False
        self.s = b"\0"
        self.last_comment = 0

    # -- low level; ``self.s`` always ends with a NUL sentinel
    def skip_comment(self, p: int) -> int:
        s = self.s
        self.last_comment = p
        while s[p]:
            if c_isspace(s[p]):
                p += 1
                continue
            if s[p] != 0x28:
                break
            level = 1
            p += 1
            while s[p]:
                c = s[p]
                if c == 0x28:
                    level += 1
                elif c == 0x29:
                    level -= 1
                    if level <= 0:
                        p += 1
                        break
                elif c == 0x5C and s[p + 1]:
                    p += 1
                p += 1
        return p

    def read_local_part(self, p: int, allow_null: bool) -> tuple[int, bytes]:
        s = self.s
        out = bytearray()
        while True:
            before = len(out)
            p = self.skip_comment(p)
            if s[p] == 0x22:
                out.append(0x22)
                p += 1
                while s[p] and s[p] != 0x22:
                    out.append(s[p])
                    if s[p] == 0x5C and s[p + 1]:
                        p += 1
                        out.append(s[p])
                    p += 1
                if not s[p]:
                    raise _Fail("unmatched doublequote in local part")
                out.append(0x22)
                p += 1
            else:
                while s[p] and (not _special(s[p]) or s[p] == 0x5C):
                    if s[p] == 0x5C and s[p + 1]:
                        out.append(s[p])
                        p += 1
                    out.append(s[p])
                    p += 1
            p = self.skip_comment(p)
            if len(out) == before and s[p] != 0x2E:
                if not out and not allow_null:
                    raise _Fail("missing or malformed local part")
                return p, bytes(out)
            if s[p] != 0x2E:
                return p, bytes(out)
            while s[p] == 0x2E:
                out.append(0x2E)
                p += 1

    def read_atom(self, p: int) -> tuple[int, bytes]:
        s = self.s
        p = self.skip_comment(p)
        q = p
        while s[q] and not _special(s[q]):
            q += 1
        return self.skip_comment(q), s[p:q]

    def read_domain(self, p: int) -> tuple[int, bytes]:
        s = self.s
        p = self.skip_comment(p)
        if s[p] == 0x5B:
            q = p + 1
            while 33 <= s[q] <= 126 and s[q] not in b"[]\\":
                q += 1
            if s[q] != 0x5D:
                raise _Fail("malformed domain literal")
            return self.skip_comment(q + 1), s[p:q + 1]
        out = bytearray()
        while True:
            p, atom = self.read_atom(p)
            if not atom or not c_isalnum(atom[0]) or not all(c_isalnum(c) or c == 0x2D for c in atom):
                raise _Fail("domain missing or malformed")
            out += atom
            if s[p] != 0x2E:
                return p, bytes(out)
            out.append(0x2E)
            p += 1

    def read_route(self, p: int) -> int:
        s = self.s
        while s[p] == 0x40:
            p, domain = self.read_domain(p + 1)
            if domain[:1] == b"[":  # Exim refuses literals in a route
                raise _Fail("domain literal in route")
            if s[p] != 0x2C:
                break
            p = self.skip_comment(p + 1)
        if s[p] != 0x3A:
            raise _Fail("colon expected after route list")
        return p + 1

    def read_addr_spec(self, p: int, term: int) -> tuple[int, bytes, int]:
        p, local = self.read_local_part(p, False)
        if self.s[p] == term:
            return p, local, 0
        if self.s[p] != 0x40:
            raise _Fail(f'"@" or "." expected after "{from_bytes(local)}"')
        p, domain = self.read_domain(p + 1)
        return p, local + b"@" + domain, len(local) + 1

    # -- the whole of parse_extract_address()
    def extract(self, mailbox: bytes) -> Extracted | None:
        self.s = mailbox + b"\0"
        try:
            return self._extract()
        except _Fail:
            p = self._fail_pos
            if self.found_group and self.s[p] == 0x3B:
                self.found_group = False
                self.allow_group = True
            return None

    _fail_pos = 0

    def _extract(self) -> Extracted | None:
        s = self.s
        p = 0
        try:
            while True:  # restarted after a group name
                p = self.skip_comment(p)
                start = p
                if s[p] == 0x40:  # source route without angle brackets
                    p = self.read_route(p)
                    p, addr, dom = self.read_addr_spec(p, 0)
                    if not dom:
                        raise _Fail("domain missing in source-routed address")
                    end = self.last_comment
                    break
                p, local = self.read_local_part(p, True)
                if s[p] not in (0x40, 0x3C):
                    if s[p] in (0, 0x3B):
                        if not local:
                            raise _Fail("empty address")
                        addr, dom, end = local, 0, self.last_comment
                        break
                    while s[p] != 0x3C and not (self.allow_group and s[p] == 0x3A):
                        p, _ = self.read_local_part(p, False)
                    if s[p] == 0x3A:
                        self.found_group, self.allow_group = True, False
                        p += 1
                        continue
                if s[p] == 0x3C:
                    p += 1
                    start = p
                    p = self.skip_comment(p)
                    routed = s[p] == 0x40
                    if routed:
                        p = self.read_route(p)
                    p, addr, dom = self.read_addr_spec(p, 0x3E)
                    if routed and not dom:
                        raise _Fail("domain missing in source-routed address")
                    end = p
                    if s[p] != 0x3E:
                        raise _Fail("'>' missing at end of address")
                    p = self.skip_comment(p + 1)
                else:
                    p, domain = self.read_domain(p + 1)
                    addr, dom = local + b"@" + domain, len(local) + 1
                    end = self.last_comment
                break
            if s[p]:
                if self.found_group and s[p] == 0x3B:
                    self.found_group, self.allow_group = False, True
                else:
                    raise _Fail("malformed address")
        except _Fail:
            self._fail_pos = p
            raise
        while end > 0 and c_isspace(s[end - 1]):
            end -= 1
        if end - start > ADDRESS_MAXLENGTH:
            return None
        return Extracted(addr, dom, start, end)


def find_address_end(s: bytes, p: int) -> int:
    """Exim's parse_find_address_end(): the comma that ends this address, skipping
    quoted strings, comments, angle brackets and source routes."""
    s = s + b"\0"
    routing = s[p] == 0x40
    no_term = 1 if routing else 0
    while s[p] and (s[p] != 0x2C or no_term > 0):
        c = s[p]
        if c == 0x5C and s[p + 1]:
            p += 2
        elif c == 0x22:
            p += 1
            while s[p]:
                if s[p] == 0x5C and s[p + 1]:
                    p += 1
                elif s[p] == 0x22:
                    p += 1
                    break
                p += 1
        elif c == 0x28:
            level = 1
            p += 1
            while s[p]:
                if s[p] == 0x5C and s[p + 1]:
                    p += 1
                elif s[p] == 0x28:
                    level += 1
                elif s[p] == 0x29:
                    level -= 1
                    if level <= 0:
                        p += 1
                        break
                p += 1
        else:
            if c == 0x3C:
                routing = s[p + 1] == 0x40
                no_term = 2 if routing else 1
            elif c == 0x3E:
                no_term -= 1
            elif routing and c == 0x3A:
                no_term -= 1
            p += 1
    return p


def extract_address(text: str) -> Extracted | None:
    return AddressParser().extract(to_bytes(text))


@operator("address", params=ANY)
def address(subject: str, *params: str) -> str:
    """The working address of an RFC 2822 mailbox; empty if it does not parse."""
    x = extract_address(subject)
    return from_bytes(x.address) if x else ""


@operator("local_part")
def local_part(subject: str) -> str:
    """The local part of an RFC 2822 mailbox; empty if it does not parse."""
    x = extract_address(subject)
    if not x:
        return ""
    return from_bytes(x.address[:x.domain - 1] if x.domain > 0 else x.address)


@operator("domain", params=ANY)
def domain(subject: str, *params: str) -> str:
    """The domain of an RFC 2822 mailbox; empty if none or it does not parse."""
    x = extract_address(subject)
    return from_bytes(x.address[x.domain:]) if x and x.domain > 0 else ""


@operator("addresses", params=ANY)
def addresses(subject: str, *params: str) -> str:
    """The addresses of an RFC 2822 list, ':'-separated (or by the character
    after a leading '>'), separators inside addresses doubled."""
    b = to_bytes(subject)
    p = 0
    while p < len(b) and c_isspace(b[p]):
        p += 1
    sep = b":"
    if p < len(b) and b[p] == 0x3E:
        if p + 1 >= len(b):
            raise ExpansionError(f"output separator missing in expanding ${{addresses:{from_bytes(b[p:])}}}")
        sep = b[p + 1:p + 2]
        p += 2
    parser = AddressParser(allow_group=True)
    out = bytearray()
    first = True
    while True:
        end = find_address_end(b, p)
        x = parser.extract(b[p:end])
        if x is not None:
            addr = x.address
            if not first and addr[:1] == sep:
                out.append(32)
            out += addr.replace(sep, sep + sep) + sep
            first = False
        if end >= len(b):
            break
        p = end + 1
    return from_bytes(bytes(out[:-1]) if out else b"")
