"""Runs of regex items searched as one alternation first: the results, the
deciding item and the captures are those of the items searched one by one
(expected values from exim -be)."""

from __future__ import annotations

from typing import Any

import pytest

from acl.runtime import regex as rx
from acl.runtime.lists_compile import compile_list


def _expand(text: str) -> str:
    from acl.builtins import load_all
    from acl.expansion import expand
    from acl.runtime.context import ExpansionContext

    load_all()
    return expand(text, ExpansionContext())


@pytest.mark.parametrize("text, want", [
    ("x${if match_local_part{a/b}{^[.] : ^(.*)[@%!/|](.*)}{$0,$1,$2}{no}}", "xa/b,a,b"),
    ("x${if match_local_part{user}{^[.] : ^.*[@%!/|]}{yes}{no}}", "xno"),
    ("x${if match_local_part{A.b}{^a\\. : ^[A]}{yes $0}{no}}", "xyes A.b"),
    ("x${if match_local_part{A.b}{+caseful : ^a\\. : ^(b|A)}{yes $0 $1}{no}}", "xyes A.b A"),
    ("x${if match_domain{x.example}{^y : !^x : ^.*}{yes $0}{no}}", "xno"),
    ("x${if match_address{abc12345678@d}{^q : \\N^.*\\d{8,}@\\N}{yes $0}{no}}", "xyes "),
    ("x${if match_address{Abc@d}{^q : ^a}{yes $0}{no}}", "xyes "),
])
def test_same_as_exim(text: str, want: str) -> None:
    assert _expand(text) == want


def test_runs_are_marked() -> None:
    cl = compile_list("localpart", "^[.] : ^.*[@%!/|] : plain : ^a : ^b")
    runs = [e.run for e in cl.entries if getattr(e, "run", None) is not None]
    assert runs == [("(?:^[.])|(?:^.*[@%!/|])", 2), ("(?:^a)|(?:^b)", 2)]


@pytest.mark.parametrize("items", [
    "^(?i)a : ^b",  # a flag would apply to the whole alternation
    "^(a)\\1 : ^b",  # a back reference counts groups
    "^\\Qa : ^b",  # quoted up to the end of the pattern
    "^(?<n>a) : ^b",
    "^[a : ^b",  # invalid alone
])
def test_items_left_alone(items: str) -> None:
    cl = compile_list("domain", items)
    assert all(getattr(e, "run", None) is None for e in cl.entries)


def test_host_lists_not_grouped() -> None:
    cl = compile_list("host", "^a : ^b")
    assert all(getattr(e, "run", None) is None for e in cl.entries)


def test_short_subjects_keep_the_gil(monkeypatch: Any) -> None:
    seen: list[bool] = []

    class Spy:
        pattern, flags = "^a", 0

        def search(self, subject: str, *, timeout: float, concurrent: bool) -> None:
            seen.append(concurrent)

    rx.search(Spy(), "a" * 10)  # type: ignore[arg-type]
    rx.search(Spy(), "a" * (rx.CONCURRENT_FROM + 1))  # type: ignore[arg-type]
    assert seen == [False, True]


@pytest.mark.parametrize("pattern, want", [
    ("^[.]", 0), ("(?:^[.])|(?:^.*[@%!/|])", 1), ("^.*\\d{8,}@", 2), ("^a+?b", 1),
    ("[*+?{]x", 0), ("\\*\\+", 0), ("(a)b*", 1),
    ("(a|aa)+$", 3), ("(?:ab)*", 3), ("(?=a)", 3), ("(a)\\1", 3), ("\\p{L}", 3),
])
def test_quantifier_count(pattern: str, want: int) -> None:
    assert min(rx._quantifiers(pattern), 3) == want


def test_time_limit_only_where_a_search_can_be_long(monkeypatch: Any) -> None:
    seen: list[float | None] = []

    class Spy:
        def __init__(self, pattern: str) -> None:
            self.pattern, self.flags = pattern, 0

        def search(self, subject: str, *, timeout: float | None, concurrent: bool) -> None:
            seen.append(timeout)

    rx.search(Spy("^.*[@%!/|]"), "user")  # type: ignore[arg-type]
    rx.search(Spy("^.*[@%!/|]"), "u" * 5000)  # type: ignore[arg-type]
    rx.search(Spy("(a|aa)+$"), "a")  # type: ignore[arg-type]
    rx.search(Spy("^.*a.*b"), "x" * 300)  # type: ignore[arg-type]
    assert seen == [None, rx.DEFAULT_TIMEOUT, rx.DEFAULT_TIMEOUT, rx.DEFAULT_TIMEOUT]


def test_untimed_worst_case_stays_short() -> None:
    """The longest subjects searched without a limit, against patterns of
    each allowed quantifier count, in their worst case (no match)."""
    import time

    for pattern, n in (("^.*[@%!/|]", 0), (".*[@%!/|]", 1), (".*a.*[@]", 2)):
        pat = rx.compile_regex(pattern)
        subject = "a" * rx._UNTIMED_UP_TO[rx._quantifiers(pat.pattern)]
        start = time.process_time()
        assert rx.search(pat, subject) is None
        assert time.process_time() - start < 1.0, (pattern, n)
