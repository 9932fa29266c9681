"""List splitting and matching (expected values checked with Exim 4.96)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from acl.runtime import lists
from acl.runtime.context import ExpansionContext
from acl.runtime.values import TaintedStr, is_tainted

SPLITS = {
    "a:b": ["a", "b"], "a::b": ["a:b"], " a : b ": ["a", "b"], "a:": ["a"], ":a": ["", "a"],
    "a: :b": ["a", "", "b"], "": [], " ": [], ":": [""], "::": [":"], ":::": [":"], "a:::b": ["a:", "b"],
    "<;a;b:c": ["a", "b:c"], "<; a;;b": ["a;b"], "<,": [], "< ,a,b": ["< ,a,b"], "<": [], "<a": ["<a"],
    "<;": [], "<;;": [""], "a\\ :b": ["a\\ ", "b"], "<\na": ["a"], "<\tb\tc": ["b", "c"], " :a": ["", "a"],
    "a: ": ["a"], "<::a:b": ["", "a", "b"], " <;a;b": ["a", "b"], "<; ;a": ["", "a"],
    "<\n a\n\n b \n": ["a", "", "b"], "<\n\n\na": ["", "", "a"], "<\t\t\ta": ["", "", "a"], "<;  ": [],
    "<< a<<b<c": ["a<b", "c"], "<1a": ["<1a"], "<\x01a\x01b": ["a", "b"], "<_a_b": ["a", "b"],
    "<.a..b.c": ["a.b", "c"], "<;;;a": [";a"],
}


@pytest.mark.parametrize("text", list(SPLITS))
def test_iter_list(text: str) -> None:
    assert list(lists.iter_list(text)) == SPLITS[text]


def test_iter_list_keeps_taint() -> None:
    items = list(lists.iter_list(TaintedStr("a::b:c")))
    assert items == ["a:b", "c"] and all(is_tainted(i) for i in items)


def test_list_quote() -> None:
    assert lists.list_quote("a:b", ":") == "a::b"
    assert lists.list_quote("", ":") == " "
    assert lists.list_quote("a;;b:c", ";") == "a;;;;b:c"
    for item in ("a:b", "x::y", ":"):
        assert list(lists.iter_list(lists.list_quote(item, ":"))) == [item]


def ctx_with(**named: dict[str, str]) -> ExpansionContext:
    cfg = SimpleNamespace(options={"primary_hostname": "mail.example"}, named_lists={
        kind: {k: SimpleNamespace(value=v, cache=False) for k, v in named.get(kind, {}).items()}
        for kind in lists.KINDS})
    return ExpansionContext(config=cfg)


def test_domain_patterns_and_data_variable() -> None:
    ctx = ctx_with()
    assert lists.match_domain(ctx, "donkey.ex", "*key.ex")
    assert ctx.variables["domain_data"] == "*key.ex"
    assert ctx.bindings["1"] == "don"
    assert lists.match_domain(ctx, "MAIL.example", "@")
    assert not lists.match_domain(ctx, "other.example", "@")
    assert not lists.match_domain(ctx, "x.alpha", "partial-lsearch;tests/golden/data/lsearch.txt")
    assert lists.match_domain(ctx, "alpha", "partial-lsearch;tests/golden/data/lsearch.txt")
    assert ctx.variables["domain_data"] == "first value"
    assert lists.match_domain(ctx, "b.c", "!a.b.c : *.b.c") is False
    assert lists.match_domain(ctx, "x.y", "!a.b.c")  # ends negative: everything else is in
    assert not lists.match_domain(ctx, "a.b.c", "!a.b.c : *.b.c")
    assert lists.match_domain(ctx, "z.b.c", "!a.b.c : *.b.c")


def test_earliest_item_wins_within_a_block() -> None:
    ctx = ExpansionContext()
    assert lists.match_domain(ctx, "a.b", "*.b : a.b")
    assert ctx.variables["domain_data"] == "*.b"
    assert lists.match_domain(ctx, "a.b", "a.b : *.b")
    assert ctx.variables["domain_data"] == "a.b"


def test_files_in_lists(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "doms"
    f.write_text("# comment\n!a.b.c\n*.b.c  # trailing\n\n")
    ctx = ExpansionContext()
    assert lists.match_domain(ctx, "x.b.c", str(f))
    assert not lists.match_domain(ctx, "a.b.c", str(f))
    # A negated file inverts the sense of the file's items.
    assert lists.match_domain(ctx, "a.b.c", f"!{f} : *")
    assert not lists.match_domain(ctx, "x.b.c", f"!{f} : *")
    lp = tmp_path / "lps"
    lp.write_text("not#comment  # but this is\n")
    assert lists.match_local_part(ctx, "not#comment", str(lp))


def test_host_lists() -> None:
    ctx = ctx_with(host={"relay": "192.168.0.0/16 : <; 2001:db8::/32"})
    assert lists.match_host(ctx, "10.1.2.3", None, "10.0.0.0/8")
    assert lists.match_host(ctx, "2001:db8::1", None, "<; 2001:db8::/32")
    assert not lists.match_host(ctx, "2001:db9::1", None, "<; 2001:db8::/32")
    assert lists.match_host(ctx, "192.168.1.1", None, "+relay")
    assert lists.match_host(ctx, "10.0.0.1", "mx.example.com", "*.example.com")
    assert lists.match_host(ctx, "10.0.0.1", "mx.example.com", r"^mx\.")
    assert lists.match_host(ctx, "10.1.2.3", None, "net8-lsearch;tests/golden/data/ip.txt")
    assert ctx.variables["host_data"] == "private ten"
    assert lists.match_ip(ctx, "10.1.2.3", "net-lsearch;tests/golden/data/ip.txt")
    assert lists.ip_key(lists._subject_ip("2001:db8::1"), colons=False) == "2001.0db8.0000.0000.0000.0000.0000.0001"


def test_address_lists() -> None:
    ctx = ctx_with(domain={"hostile": "bad.example"})
    assert lists.match_address(ctx, "joe@Bad.Example", "*@+hostile")
    assert lists.match_address(ctx, "joe@x.spam.site", "*@*.spam.site")
    assert lists.match_address(ctx, "", ":")
    assert not lists.match_address(ctx, "", "a@b")
    assert lists.match_address(ctx, "Joe@b.c", "joe@b.c")
    assert not lists.match_address(ctx, "Joe@b.c", "+caseful : joe@b.c")


def test_inlist_helpers() -> None:
    assert lists.inlist(None, "needle", "foo:needle:bar", False)
    assert lists.inlist(None, "Needle", "fOo:NeeDLE:bAr", True)
    assert not lists.inlist(None, "Needle", "fOo:NeeDLE:bAr", False)


def test_large_list_compiles_once_and_matches() -> None:
    n = 1_000_000
    names = ":".join(f"host{i}.example" for i in range(n))
    nets = ":".join(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" for i in range(0, n)) + ":172.16.0.0/12"
    ctx = ExpansionContext()
    assert lists.match_domain(ctx, "HOST999999.example", names)
    assert lists.match_domain(ctx, "host0.example", names)
    assert not lists.match_domain(ctx, "host1000000.example", names)
    assert lists.compile_list("domain", names).entries[0].count == n
    assert lists.match_ip(ctx, "10.15.66.63", nets)
    assert lists.match_ip(ctx, "172.20.1.1", nets)
    assert not lists.match_ip(ctx, "10.16.0.0", nets)
    for i in range(0, n, 9973):  # many probes against the one compiled matcher
        assert lists.match_domain(ctx, f"host{i}.example", names)


def test_file_end_negation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    d3 = tmp_path / "d3"
    d3.write_text("a.example\n!d.example\n")
    ctx = ExpansionContext()
    # (list, results for e.example, d.example, a.example, b.example) from Exim 4.96.
    cases = [(f"{d3}", "ynyy"), (f"{d3} : zzz", "nnyn"), (f"!{d3}", "nynn"), (f"zzz : {d3}", "ynyy"),
             (f"{d3} : !zzz", "ynyy")]
    for text, want in cases:
        got = "".join("yn"[not lists.match_domain(ctx, d, text)] for d in ("e.example", "d.example", "a.example", "b.example"))
        assert got == want, text


def test_changed_file_is_read_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "hosts"
    f.write_text("10.0.0.0/8\n")
    ctx = ExpansionContext()
    assert lists.match_ip(ctx, "10.1.2.3", str(f))
    assert not lists.match_ip(ctx, "192.168.1.1", str(f))
    f.write_text("192.168.0.0/16\n2001:db8::/32\n")
    assert lists.match_ip(ctx, "192.168.1.1", str(f))
    assert not lists.match_ip(ctx, "10.1.2.3", str(f))
    assert lists.match_ip(ctx, "2001:db8::5", str(f))


def test_large_network_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "nets"
    lines = [f"{i >> 8 & 255}.{i & 255}.0.0/16" for i in range(1, 50_000)] + ["10.20.30.40/33", "2001:db8::/32"]
    f.write_text("\n".join(lines) + "\n10.0.0.0/8\n")
    ctx = ExpansionContext()
    assert lists.match_ip(ctx, "0.1.200.3", str(f))
    assert lists.match_ip(ctx, "10.20.30.40", str(f))
    assert lists.match_ip(ctx, "10.9.9.9", str(f))
    assert lists.match_ip(ctx, "2001:db8:1::1", str(f))
    assert not lists.match_ip(ctx, "200.1.1.1", str(f))
    assert not lists.match_ip(ctx, "2001:db9::1", str(f))
