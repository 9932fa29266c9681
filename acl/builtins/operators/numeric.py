"""Arithmetic operators: eval/eval10 (64-bit C semantics, including Exim's
over-conservative sum check and unchecked products), randint, time_eval and
time_interval (32-bit C ``int`` like Exim's readconf routines)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from acl.builtins.registry import operator
from acl.errors import ExpansionError

from ._common import (INT_MAX, INT_MIN, c_isdigit, c_isspace, from_bytes, strtol,
                      to_bytes, wrap32, wrap64)

ANY = (0, 64)
_MAX_NESTING = 500  # parentheses; Exim has no limit but the C stack
_MEMO_MAX = 1024  # results of eval/eval10 by argument (a pure function)
_MULT = {0x6B: 1024, 0x6D: 1024 ** 2, 0x67: 1024 ** 3}
_HALF = INT_MAX // 2
# Binding strength of the binary operators (Exim's eval_* chain, loosest first).
_PREC = {b"|": 1, b"^": 2, b"&": 3, b"<<": 4, b">>": 4, b"+": 5, b"-": 5, b"*": 6, b"/": 6, b"%": 6}
_UNARY = frozenset((b"+", b"-", b"~"))
# One token after optional C white space: a number (as sscanf %lli / %lld reads
# it, then a K/M/G suffix), a shift, or any other single character. Linear: no
# nested quantifier.
_TOKEN = {
    False: re.compile(rb"[ \t\n\v\f\r]*((0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)([kKmMgG]?)|<<|>>|[^ \t\n\v\f\r])"),
    True: re.compile(rb"[ \t\n\v\f\r]*(([0-9]+)([kKmMgG]?)|<<|>>|[^ \t\n\v\f\r])"),
}
_END = (b"", b"", b"")


class _EvalError(Exception):
    """An error at token ``index`` (its first character, plus ``shift``)."""

    def __init__(self, message: str, index: int, shift: int = 0) -> None:
        super().__init__(message)
        self.index, self.shift = index, shift


def _number(digits: bytes, suffix: bytes, decimal: bool) -> int:
    """sscanf %lld (eval10) or %lli (eval), saturating at the 64-bit limit."""
    if not decimal and digits[0] == 0x30 and len(digits) > 1:
        if digits[1] in b"xX":
            n = int(digits[2:], 16) if len(digits) > 2 else 0
        else:
            n = int(digits, 8)
    else:
        if len(digits) > 19:  # int() refuses very long digit strings
            digits = digits.lstrip(b"0") or b"0"
        n = INT_MAX if len(digits) > 19 else int(digits)
    if n > INT_MAX:
        n = INT_MAX
    if suffix:
        n = wrap64(n * _MULT[suffix[0] | 0x20])
    return n


def _unary(ops: list[bytes], x: int) -> int:
    for op in reversed(ops):
        if op == b"-":
            x = wrap64(-x)
        elif op == b"~":
            x = ~x
    return x


def _apply(op: bytes, x: int, y: int, at: int) -> int:
    if op == b"+" or op == b"-":
        # Exim's check tests x twice, so only some overflows are caught
        if x >= _HALF or (x <= -_HALF and y <= -_HALF):
            raise _EvalError("overflow in sum" if op == b"+" else "overflow in difference", at)
        return wrap64(x + y if op == b"+" else x - y)
    if op == b"*":
        return wrap64(x * y)
    if op == b"/" or op == b"%":
        if y == 0:
            raise _EvalError("divide by zero" if op == b"/" else "modulo by zero", at)
        if x == INT_MIN and y == -1:
            return INT_MAX
        q = abs(x) // abs(y)
        q = q if (x < 0) == (y < 0) else -q
        return q if op == b"/" else x - q * y
    if op == b"<<":
        return wrap64(x << (y & 63))  # x86 masks the shift count
    if op == b">>":
        return x >> (y & 63)
    return x & y if op == b"&" else (x ^ y if op == b"^" else x | y)


def _evaluate(b: bytes, decimal: bool) -> int:
    """Exim's eval over tokens, with an operator stack instead of recursion:
    operations happen in the order (and fail at the places) of Exim's recursive
    descent."""
    toks = _TOKEN[decimal].findall(b)
    toks.append(_END)
    vals: list[int] = []
    ops: list[tuple[int, Any]] = []  # (binding, operator), or (0, unary ops) at "("
    depth = i = 0
    while True:
        tok, digits, suffix = toks[i]
        unary: list[bytes] = []
        while tok in _UNARY:
            unary.append(tok)
            i += 1
            tok, digits, suffix = toks[i]
        if tok == b"(":
            depth += 1
            if depth > _MAX_NESTING:
                raise _EvalError("too many nested parentheses", i, 1)
            ops.append((0, unary))
            i += 1
            continue
        if not digits:
            raise _EvalError("expecting number or opening parenthesis", i)
        x = _number(digits, suffix, decimal)
        vals.append(_unary(unary, x) if unary else x)
        i += 1
        while True:  # after an operand: a binary operator or the end of a group
            tok = toks[i][0]
            prec = _PREC.get(tok)
            if prec is None:
                prec = 1  # finish the innermost group
            while ops and ops[-1][0] >= prec:
                y = vals.pop()
                vals.append(_apply(ops.pop()[1], vals.pop(), y, i))
            if tok in _PREC:
                ops.append((prec, tok))
                i += 1
                break
            if not depth:
                if tok:
                    raise _EvalError("expecting operator", i)
                return vals[0]
            if tok != b")":
                raise _EvalError("expecting closing parenthesis", i)
            depth -= 1
            unary = ops.pop()[1]
            if unary:
                vals.append(_unary(unary, vals.pop()))
            i += 1


def _eval(subject: str, decimal: bool) -> str:
    memo = _MEMOS[decimal]
    hit = memo.get(subject)
    if hit is not None:
        return hit
    b = to_bytes(subject)
    if b"\0" in b:  # Exim's string ends there
        b = b[:b.index(b"\0")]
    try:
        out = str(_evaluate(b, decimal))
    except _EvalError as exc:
        ends = [m.start(1) for m in _TOKEN[decimal].finditer(b)] + [len(b)]
        done = from_bytes(b[:ends[exc.index] + exc.shift])
        raise ExpansionError(f'error in expression evaluation: {exc} (after processing "{done}")') from None
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[str.__str__(subject)] = out
    return out


_MEMOS: dict[bool, dict[str, str]] = {False: {}, True: {}}


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
