"""The speed paths give what the general ones give: literal strings without the
parser, the one-token forms of the grammar, kept values of pure strings, the
batched standard-input loop of ``acl expand`` and the lazily loaded tables.
Expected outputs recorded from ``exim -be`` (4.96) with the same input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from acl.builtins.registry import REGISTRY
from acl.cli.expand import be_main
from acl.expansion import compile_expansion, expand, literal, parse
from acl.expansion.static_check import PURE, PURE_UNTRACED, purity
from acl.runtime.context import ExpansionContext
from acl.runtime.values import TaintedStr

# exim -C empty.conf -oMa 10.0.0.1 -be < (these lines)
RECORDED = [
    ("a}b{ c", "a}b{ c"),
    ("${lc:ABC}x${uc:def}", "abcxDEF"),
    ("${foo:abc}", 'Failed: unknown expansion operator "foo"'),
    ("${sg:abc}", "Failed: Not enough arguments for 'sg' (min is 3)"),
    ("${lc:}", ""),
    ("${if  eq{$sender_host_address}{10.0.0.1}{yes}{no}}", "yes"),
    ("${if eq {$sender_host_address} {10.0.0.2}{yes}{no}}", "no"),
    ("${if eq{$nosuch}{a}{y}{n}}", 'Failed: unknown variable name "nosuch"'),
    ("${extract{$primary_hostname}{a:b}}", ""),
    ("${if match_ip{10.0.0.1}{<; 127.0.0.1 ; 10.0.0.0/8}{relay}{norelay}}", "relay"),
    ("${if match_domain{a.example.com}{*.example.com : !b.example.com}{in}{out}}", "in"),
    ("${if match_domain{b.example.com}{!b.example.com : *.example.com}{in}{out}}", "out"),
    ("${if or{{match_domain{host.example.com}{*.example.org}}{isip{10.1.2.3}}}{1}{0}}", "1"),
    ("${if andx{a}{b}}", 'Failed: unknown condition "andx"'),
    ("${if and{{eq{a}{a}}{or{{eq{a}{b}}}}}{y}{n}}", "n"),
]


def _be(lines: list[str], *args: str) -> str:
    out, _err, _code = be_main(["-oMa", "10.0.0.1", *args], "".join(line + "\n" for line in lines))
    return out


def test_recorded_lines_twice() -> None:
    """Each line twice: the second answer comes from the kept compiled form or value."""
    lines = [t for t, _ in RECORDED]
    answers = [r for _, r in RECORDED]
    out = _be(lines + lines)
    assert out == "".join(f"> {a}\n" for a in answers + answers) + "> \n"


def test_literal_text_is_its_own_value() -> None:
    ctx = ExpansionContext()
    for text in ("plain", "a}b{", "", " x ", "a\0b"):
        assert literal(text) is not None
        assert expand(text, ctx) == compile_expansion(text)(ctx)
    assert literal("$x") is None and literal("a\\n") is None
    value = expand(TaintedStr("remote"), ctx)
    assert value == "remote" and type(value) is str  # as the parser gives it


def test_one_token_forms_build_the_usual_nodes() -> None:
    # an empty \N...\N keeps the subject off the one-token form
    assert parse("${lc:Abc}") == parse("${lc:Abc\\N\\N}")
    var_arg = parse("${if eq{$x}{a}}").parts[0].cond.args[0]
    assert [type(p).__name__ for p in var_arg.parts] == ["Var"] and var_arg.raw == "$x"
    header_arg = parse("${if eq{$h_x:}{a}}").parts[0].cond.args[0]
    assert type(header_arg.parts[0]).__name__ == "Header"


def test_long_and_continued_input_lines() -> None:
    """Lines longer than Exim's fgets() buffer are read in 1023-byte pieces;
    a final backslash joins the next line."""
    stdin = "a" * 1500 + "\n" + "x \\\n   y\n${lc:A}\n" + "b" * 1022 + "\n" + "c" * 1023 + "\n"
    out, _err, _code = be_main([], stdin)
    assert out.split("\n") == ["> " + "a" * 1023, "> " + "a" * 477, "> x y", "> a", "> " + "b" * 1022,
                               "> " + "c" * 1023, "> ", "> ", ""]


def test_macro_defined_after_a_line_was_seen() -> None:
    out = _be(["FOO", "FOO = 2", "FOO", "FOO = 3", "FOO", "BAR = 1", "FOO"])
    assert out == "> > Defined macro 'FOO'\n> 2\n> > 2\n> Defined macro 'BAR'\n> 2\n> \n"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("${if eq{a}{b}}", PURE),
        ("${if match_ip{1.2.3.4}{<; 127.0.0.1 ; 192.168.0.0/16}{a}{b}}", PURE_UNTRACED),
        ("${if match_ip{1.2.3.4}{<; ::1 ; fe80::/10}{a}{b}}", PURE_UNTRACED),
        ("${if match_domain{a.b}{*.b : c.d : !x}{a}{b}}", PURE_UNTRACED),
        ("${if match_domain{a.b}{+local_domains}{a}{b}}", 0),
        ("${if match_domain{a.b}{@}{a}{b}}", 0),
        ("${if match_domain{a.b}{^a}{a}{b}}", 0),
        ("${if match_domain{a.b}{lsearch;/etc/x}{a}{b}}", 0),
        ("${if match_ip{1.2.3.4}{$x}{a}{b}}", 0),
        ("${if match_ip{1.2.3.4}{net-lsearch;/x}{a}{b}}", 0),
        ("${if match_ip{1.2.3.4}{/etc/hosts}{a}{b}}", 0),
        ("${if match_ip{1.2.3.4}{cafe}{a}{b}}", 0),
    ],
)
def test_purity_of_list_conditions(text: str, kind: int) -> None:
    assert purity(parse(text), REGISTRY) == kind


def test_list_condition_value_not_kept_while_traced() -> None:
    text = "${if match_domain{a.example.com}{*.example.com}{in}{out}}"
    quiet = ExpansionContext()
    assert [expand(text, quiet) for _ in range(3)] == ["in"] * 3
    assert compile_expansion(text).untraced
    traced = ExpansionContext()
    trace: list[str] = []
    traced.extra["lists.trace"] = trace
    assert [expand(text, traced) for _ in range(3)] == ["in"] * 3
    assert len(trace) == 3  # every evaluation matched (and traced) the list


def test_tables_and_parser_load_on_first_need() -> None:
    code = (
        "import sys\n"
        "from acl.cli.expand import be_main\n"
        "assert be_main(['x'], '')[0] == 'x\\n'\n"
        "print(sorted(m for m in ('acl.expansion.parser', 'acl.builtins.operators') if m in sys.modules))\n"
        "assert be_main(['${lc:X}'], '')[0] == 'x\\n'\n"
        "print(sorted(m for m in ('acl.expansion.parser', 'acl.builtins.operators') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "['acl.builtins.operators', 'acl.expansion.parser']"]


def test_text_and_variables_parsed_without_lark_as_lark_would() -> None:
    """Strings of text and "$name" only are built by a regular expression; the
    trees (spans included) are Lark's own on thousands of random strings."""
    import random

    from acl.expansion import parser as P

    rnd = random.Random(5)
    alphabet = ["a", " ", "$", "x", "h", "_", "1", "\\", "\n", "r", "e", "ader", "b", ":", "\0", "Z", "-",
                "$h_", "$rh_", "$header_", "$headers", "$bh", "$abc", "{", "}"]
    taken = 0
    for _ in range(5000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 9)))
        fast = P._plain_vars(text)
        if fast is None:
            continue
        taken += 1
        with P._LOCK:
            P._BUILD.text, P._BUILD.origin = text, None
            ref = P._parse_fast(text)
        assert (fast, fast.raw, fast.span) == (ref, ref.raw, ref.span), repr(text)
        assert [p.span for p in fast.parts] == [p.span for p in ref.parts], repr(text)
    assert taken > 1000
    assert P._plain_vars("$h_subject") is None and P._plain_vars("${x}") is None


def test_tables_complete_for_every_thread() -> None:
    """Threads reading a table while its modules load wait for the whole table."""
    code = (
        "import threading\n"
        "from acl.builtins.registry import REGISTRY\n"
        "seen = []\n"
        "def read():\n"
        "    seen.append(len(REGISTRY.operators))\n"
        "threads = [threading.Thread(target=read) for _ in range(8)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "print(len(set(seen)), seen[0] == len(REGISTRY.operators) > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "True"]
