"""Arithmetic operators: eval/eval10 (64-bit C semantics, including Exim's
over-conservative sum check and unchecked products), randint, time_eval and
time_interval (32-bit C ``int`` like Exim's readconf routines)."""

from __future__ import annotations

import secrets

from acl.builtins.registry import operator
from acl.errors import ExpansionError

from ._common import (INT_MAX, INT_MIN, c_isdigit, c_isspace, c_isxdigit, from_bytes, strtol,
                      to_bytes, wrap32, wrap64)

ANY = (0, 64)
_MAX_NESTING = 500  # parentheses; Exim has no limit but the C stack


class _EvalError(Exception):
    pass


class _Eval:
    """A recursive-descent evaluator over bytes, mirroring Exim's eval_* chain so
    that the 'after processing' offset of an error is the same."""

    def __init__(self, text: bytes, decimal: bool) -> None:
        self.s = text + b"\0"
        self.p = 0
        self.decimal = decimal
        self.depth = 0

    def ch(self, k: int = 0) -> int:
        i = self.p + k
        return self.s[i] if i < len(self.s) else 0

    def skip_ws(self) -> None:
        while c_isspace(self.ch()):
            self.p += 1

    def expr(self, endket: bool) -> int:
        x = self.op_or()
        if endket:
            if self.ch() != 0x29:
                raise _EvalError("expecting closing parenthesis")
            self.p += 1
            self.skip_ws()
        elif self.ch():
            raise _EvalError("expecting operator")
        return x

    def _binary(self, ops: bytes, sub, apply):  # type: ignore[no-untyped-def]
        x = sub()
        while self.ch() in ops and self.ch() != 0:
            op = self.ch()
            self.p += 1
            x = apply(op, x, sub())
        return x

    def op_or(self) -> int:
        return self._binary(b"|", self.op_xor, lambda op, x, y: x | y)

    def op_xor(self) -> int:
        return self._binary(b"^", self.op_and, lambda op, x, y: x ^ y)

    def op_and(self) -> int:
        return self._binary(b"&", self.op_shift, lambda op, x, y: x & y)

    def op_shift(self) -> int:
        x = self.op_sum()
        while self.ch() in b"<>" and self.ch() != 0 and self.ch(1) == self.ch():
            op = self.ch()
            self.p += 2
            y = self.op_sum() & 63  # x86 masks the shift count
            x = wrap64(x << y) if op == 0x3C else x >> y
        return x

    def op_sum(self) -> int:
        x = self.op_mult()
        half = INT_MAX // 2
        while self.ch() in b"+-" and self.ch() != 0:
            op = self.ch()
            self.p += 1
            y = self.op_mult()
            # Exim's check tests x twice, so only some overflows are caught
            if x >= half or (x <= -half and y <= -half):
                raise _EvalError("overflow in sum" if op == 0x2B else "overflow in difference")
            x = wrap64(x + y if op == 0x2B else x - y)
        return x

    def op_mult(self) -> int:
        x = self.op_unary()
        while self.ch() in b"*/%" and self.ch() != 0:
            op = self.ch()
            self.p += 1
            y = self.op_unary()
            if op == 0x2A:
                x = wrap64(x * y)
            elif y == 0:
                raise _EvalError("divide by zero" if op == 0x2F else "modulo by zero")
            elif x == INT_MIN and y == -1:
                x = INT_MAX
            else:
                q = abs(x) // abs(y)
                q = q if (x < 0) == (y < 0) else -q
                x = q if op == 0x2F else x - q * y
        return x

    def op_unary(self) -> int:
        ops = []
        self.skip_ws()
        while self.ch() in b"+-~" and self.ch() != 0:
            ops.append(self.ch())
            self.p += 1
            self.skip_ws()
        x = self.number()
        for op in reversed(ops):
            x = wrap64(-x) if op == 0x2D else (~x if op == 0x7E else x)
        return x

    def number(self) -> int:
        self.skip_ws()
        c = self.ch()
        if c_isdigit(c):
            n = self._scan()
            mult = {0x6B: 1024, 0x6D: 1024 ** 2, 0x67: 1024 ** 3}.get(self.ch() | 0x20)
            if mult:
                n = wrap64(n * mult)
                self.p += 1
            self.skip_ws()
            return n
        if c == 0x28:
            self.p += 1
            self.depth += 1
            if self.depth > _MAX_NESTING:
                raise _EvalError("too many nested parentheses")
            n = self.expr(True)
            self.depth -= 1
            return n
        raise _EvalError("expecting number or opening parenthesis")

    def _scan(self) -> int:
        """sscanf %lld (eval10) or %lli (eval): saturating at the 64-bit limits."""
        s, p = self.s, self.p
        base, digits = 10, b"0123456789"
        if not self.decimal and s[p] == 0x30:
            if s[p + 1] in b"xX" and s[p + 1] != 0:
                p += 2
                base = 16
                if not c_isxdigit(s[p]):
                    self.p = p
                    return 0
            else:
                base, digits = 8, b"01234567"
        start = p
        while (c_isxdigit(s[p]) if base == 16 else (s[p] in digits and s[p] != 0)):
            p += 1
        self.p = p
        return min(int(s[start:p], base), INT_MAX)


def _eval(subject: str, decimal: bool) -> str:
    b = to_bytes(subject)
    ev = _Eval(b, decimal)
    try:
        return str(ev.expr(False))
    except _EvalError as exc:
        done = from_bytes(b[:min(ev.p, len(b))])
        raise ExpansionError(f'error in expression evaluation: {exc} (after processing "{done}")') from None


@operator("eval", params=ANY)
def eval_(subject: str, *params: str) -> str:
    """Integer arithmetic; numbers may be octal (0...) or hex (0x...)."""
    return _eval(subject, False)


@operator("eval10", params=ANY)
def eval10(subject: str, *params: str) -> str:
    """Integer arithmetic with all numbers decimal."""
    return _eval(subject, True)


def exim_integer(text: str, isplus: bool = False) -> int:
    """Exim's expanded_string_integer(): decimal with an optional K/M/G suffix,
    blank means 0; errors carry Exim's wording."""
    b = to_bytes(text)
    i = 0
    while i < len(b) and c_isspace(b[i]):
        i += 1
    if i and i == len(b):
        return 0
    rest = b[i:]
    shown = from_bytes(rest)
    value, end, overflow = strtol(rest)
    if end == 0:
        raise ExpansionError(f'integer expected but "{shown}" found')
    if value < 0 and isplus:
        raise ExpansionError(f'non-negative integer expected but "{shown}" found')
    mult = {0x6B: 1024, 0x6D: 1024 ** 2, 0x67: 1024 ** 3}.get(rest[end] | 0x20) if end < len(rest) else None
    if mult:
        if value > INT_MAX // mult or value < -(-INT_MIN // mult):
            overflow = True
        else:
            value *= mult
        end += 1
    if overflow:
        raise ExpansionError(f'absolute value of integer "{shown}" is too large (overflow)')
    while end < len(rest) and c_isspace(rest[end]):
        end += 1
    if end != len(rest):
        raise ExpansionError(f'invalid integer "{shown}"')
    return value


@operator("randint", params=ANY, pure=False)
def randint(subject: str, *params: str) -> str:
    """A random number from 0 to n-1 (not for keying material)."""
    n = wrap32(exim_integer(subject, True))
    return str(secrets.randbelow(n) if n > 1 else 0)


def readconf_readtime(b: bytes) -> int:
    """Exim's readconf_readtime(): a sequence of <int><w|d|h|m|s>; -1 when bad."""
    total = 0
    p = 0
    while True:
        if p >= len(b) or not c_isdigit(b[p]):
            return -1
        q = p
        while q < len(b) and c_isdigit(b[q]):
            q += 1
        value = wrap32(min(int(b[p:q]), (1 << 63) - 1))  # sscanf %d into an int
        p = q
        unit = b[p] if p < len(b) else 0
        factors = {0x77: 604800, 0x64: 86400, 0x68: 3600, 0x6D: 60, 0x73: 1}
        if unit not in factors:
            return -1
        value = wrap32(value * factors[unit])
        p += 1
        total = wrap32(total + value)
        if p == len(b):
            return total


@operator("time_eval")
def time_eval(subject: str) -> str:
    """An Exim time interval such as 2d4h5m as a number of seconds."""
    n = readconf_readtime(to_bytes(subject))
    if n < 0:
        raise ExpansionError(f'string "{subject}" is not an Exim time interval in "time_eval" operator')
    return str(n)


def readconf_printtime(t: int) -> str:
    if t == -(1 << 31):
        return "-5d3h14m8s"  # what Exim's compiled negation of INT_MIN prints
    out = ""
    if t < 0:
        out, t = "-", -t
    s, t = t % 60, t // 60
    m, t = t % 60, t // 60
    h, t = t % 24, t // 24
    d, w = t % 7, t // 7
    for value, unit in ((w, "w"), (d, "d"), (h, "h"), (m, "m")):
        if value > 0:
            out += f"{value}{unit}"
    if s > 0 or not out:
        out += f"{s}s"
    return out


@operator("time_interval")
def time_interval(subject: str) -> str:
    """A number of seconds in Exim's time format, e.g. 1w3d4h2m6s."""
    b = to_bytes(subject)
    n = 0
    for i, c in enumerate(b):
        if not c_isdigit(c):
            raise ExpansionError(f'string "{subject}" is not a positive number in "time_interval" operator')
        n = wrap32(n * 10 + c - 48)
    return readconf_printtime(n)
