"""${eval} and ${eval10} strings and what Exim 4.96 printed for them (`exim
-be`), written by tests/builtins/record_eval.py (never by hand; re-record or
--check with that script): number forms, precedence, the overflow checks, and
where each error stops ("after processing")."""

from __future__ import annotations

import pytest

from acl.builtins import load_all
from acl.errors import ExpansionError
from acl.expansion import expand
from acl.runtime.context import ExpansionContext

load_all()

CASES = [
    ('${eval:03+1}', '4'),
    ('${eval:08+1}', 'Failed: error in expression evaluation: expecting operator (after processing "0")'),
    ('${eval:0x1f+0X10}', '47'),
    ('${eval:0x}', '0'),
    ('${eval:0xg+1}', '1'),
    ('${eval:0x1g}', '1073741824'),
    ('${eval:3k+2M+1g}', '1075842048'),
    ('${eval:1kk}', 'Failed: error in expression evaluation: expecting operator (after processing "1k")'),
    ('${eval: 3 k}', 'Failed: error in expression evaluation: expecting operator (after processing " 3 ")'),
    ('${eval:(1+2)*3-4/3%2}', '8'),
    ('${eval:1<<2>>1|8^3&7}', '11'),
    ('${eval:-~+-5}', '-4'),
    ('${eval:- - 5}', '5'),
    ('${eval:~0}', '-1'),
    ('${eval:1 < 2}', 'Failed: error in expression evaluation: expecting operator (after processing "1 ")'),
    ('${eval:1<<<2}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "1<<")'),
    ('${eval:1> >2}', 'Failed: error in expression evaluation: expecting operator (after processing "1")'),
    ('${eval:1||2}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "1|")'),
    ('${eval:9223372036854775807}', '9223372036854775807'),
    ('${eval:9223372036854775808+0}', 'Failed: error in expression evaluation: overflow in sum (after processing "9223372036854775808+0")'),
    ('${eval:99999999999999999999999999*1}', '9223372036854775807'),
    ('${eval:4611686018427387903+1}', 'Failed: error in expression evaluation: overflow in sum (after processing "4611686018427387903+1")'),
    ('${eval:4611686018427387902+1}', '4611686018427387903'),
    ('${eval:-4611686018427387903-4611686018427387903}', '-9223372036854775806'),
    ('${eval:-9223372036854775807-1}', '-9223372036854775808'),
    ('${eval:(-9223372036854775807-1)/-1}', '9223372036854775807'),
    ('${eval:(-9223372036854775807-1)%-1}', '9223372036854775807'),
    ('${eval:7/0}', 'Failed: error in expression evaluation: divide by zero (after processing "7/0")'),
    ('${eval:7%0}', 'Failed: error in expression evaluation: modulo by zero (after processing "7%0")'),
    ('${eval:1+(2*(3/0))}', 'Failed: error in expression evaluation: divide by zero (after processing "1+(2*(3/0")'),
    ('${eval:1/0)}', 'Failed: error in expression evaluation: divide by zero (after processing "1/0")'),
    ('${eval:1+2*)}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "1+2*")'),
    ('${eval:(1+2}', 'Failed: error in expression evaluation: expecting closing parenthesis (after processing "(1+2")'),
    ('${eval:(1+2))}', 'Failed: error in expression evaluation: expecting operator (after processing "(1+2)")'),
    ('${eval:((((((((((1))))))))))}', '1'),
    ('${eval:-(-(-(2)))*3}', '-6'),
    ('${eval:1 +}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "1 +")'),
    ('${eval:}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "")'),
    ('${eval:   }', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "   ")'),
    ('${eval:abc}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "")'),
    ('${eval:12abc}', 'Failed: error in expression evaluation: expecting operator (after processing "12")'),
    ('${eval:1<<64}', '1'),
    ('${eval:1<<63}', '-9223372036854775808'),
    ('${eval:-1>>1}', '-1'),
    ('${eval:(1)k}', 'Failed: error in expression evaluation: expecting operator (after processing "(1)")'),
    ('${eval:5 %-3}', '2'),
    ('${eval:-5/2}', '-2'),
    ('${eval:1+2 3}', 'Failed: error in expression evaluation: expecting operator (after processing "1+2 ")'),
    ('${eval:0012+0019}', 'Failed: error in expression evaluation: expecting operator (after processing "0012+001")'),
    ('${eval:00000000000000000000000000000012}', '10'),
    ('${eval:111111111111111111111111111111}', '9223372036854775807'),
    ('${eval:((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))}', '1'),
    ('${eval:1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1}', '101'),
    ('${eval10:03+1}', '4'),
    ('${eval10:08+1}', '9'),
    ('${eval10:0x1f+0X10}', 'Failed: error in expression evaluation: expecting operator (after processing "0")'),
    ('${eval10:0x}', 'Failed: error in expression evaluation: expecting operator (after processing "0")'),
    ('${eval10:0xg+1}', 'Failed: error in expression evaluation: expecting operator (after processing "0")'),
    ('${eval10:0x1g}', 'Failed: error in expression evaluation: expecting operator (after processing "0")'),
    ('${eval10:3k+2M+1g}', '1075842048'),
    ('${eval10:1kk}', 'Failed: error in expression evaluation: expecting operator (after processing "1k")'),
    ('${eval10: 3 k}', 'Failed: error in expression evaluation: expecting operator (after processing " 3 ")'),
    ('${eval10:(1+2)*3-4/3%2}', '8'),
    ('${eval10:1<<2>>1|8^3&7}', '11'),
    ('${eval10:-~+-5}', '-4'),
    ('${eval10:- - 5}', '5'),
    ('${eval10:~0}', '-1'),
    ('${eval10:1 < 2}', 'Failed: error in expression evaluation: expecting operator (after processing "1 ")'),
    ('${eval10:1<<<2}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "1<<")'),
    ('${eval10:1> >2}', 'Failed: error in expression evaluation: expecting operator (after processing "1")'),
    ('${eval10:1||2}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "1|")'),
    ('${eval10:9223372036854775807}', '9223372036854775807'),
    ('${eval10:9223372036854775808+0}', 'Failed: error in expression evaluation: overflow in sum (after processing "9223372036854775808+0")'),
    ('${eval10:99999999999999999999999999*1}', '9223372036854775807'),
    ('${eval10:4611686018427387903+1}', 'Failed: error in expression evaluation: overflow in sum (after processing "4611686018427387903+1")'),
    ('${eval10:4611686018427387902+1}', '4611686018427387903'),
    ('${eval10:-4611686018427387903-4611686018427387903}', '-9223372036854775806'),
    ('${eval10:-9223372036854775807-1}', '-9223372036854775808'),
    ('${eval10:(-9223372036854775807-1)/-1}', '9223372036854775807'),
    ('${eval10:(-9223372036854775807-1)%-1}', '9223372036854775807'),
    ('${eval10:7/0}', 'Failed: error in expression evaluation: divide by zero (after processing "7/0")'),
    ('${eval10:7%0}', 'Failed: error in expression evaluation: modulo by zero (after processing "7%0")'),
    ('${eval10:1+(2*(3/0))}', 'Failed: error in expression evaluation: divide by zero (after processing "1+(2*(3/0")'),
    ('${eval10:1/0)}', 'Failed: error in expression evaluation: divide by zero (after processing "1/0")'),
    ('${eval10:1+2*)}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "1+2*")'),
    ('${eval10:(1+2}', 'Failed: error in expression evaluation: expecting closing parenthesis (after processing "(1+2")'),
    ('${eval10:(1+2))}', 'Failed: error in expression evaluation: expecting operator (after processing "(1+2)")'),
    ('${eval10:((((((((((1))))))))))}', '1'),
    ('${eval10:-(-(-(2)))*3}', '-6'),
    ('${eval10:1 +}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "1 +")'),
    ('${eval10:}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "")'),
    ('${eval10:   }', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "   ")'),
    ('${eval10:abc}', 'Failed: error in expression evaluation: expecting number or opening parenthesis (after processing "")'),
    ('${eval10:12abc}', 'Failed: error in expression evaluation: expecting operator (after processing "12")'),
    ('${eval10:1<<64}', '1'),
    ('${eval10:1<<63}', '-9223372036854775808'),
    ('${eval10:-1>>1}', '-1'),
    ('${eval10:(1)k}', 'Failed: error in expression evaluation: expecting operator (after processing "(1)")'),
    ('${eval10:5 %-3}', '2'),
    ('${eval10:-5/2}', '-2'),
    ('${eval10:1+2 3}', 'Failed: error in expression evaluation: expecting operator (after processing "1+2 ")'),
    ('${eval10:0012+0019}', '31'),
    ('${eval10:00000000000000000000000000000012}', '12'),
    ('${eval10:111111111111111111111111111111}', '9223372036854775807'),
    ('${eval10:((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))}', '1'),
    ('${eval10:1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1+1}', '101'),
]


@pytest.mark.parametrize(("expr", "want"), CASES)
def test_like_exim(expr: str, want: str) -> None:
    for _ in range(2):  # the second time from the memo of results
        try:
            got = expand(expr, ExpansionContext())
        except ExpansionError as exc:
            got = f"Failed: {exc.message}"
        assert got == want
