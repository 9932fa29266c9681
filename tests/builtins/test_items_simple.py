"""${acl}, ${authresults}, ${env}, ${hmac}, ${listquote}, ${dlfunc}, ${perl},
${imapfolder}. Expected values recorded from Exim 4.96 -be."""

from __future__ import annotations

import pytest

from acl.errors import ForcedFail
from tests.builtins.test_items_support import expand, fails, make_ctx


def test_hmac() -> None:
    assert expand("${hmac{md5}{somesecret}{text}}") == "a4be270da4e07d218b2576b1e6a578e0"
    assert expand("${hmac{sha1}{k}{t}}") == "955db4e12212893ecdaa861731b91521b649626b"
    assert fails("${hmac{sha256}{k}{t}}") == 'hmac algorithm "sha256" is not recognised'
    assert fails("${hmac{md5}{k}}") == "Not enough arguments for 'hmac' (min is 3)"


def test_listquote() -> None:
    assert expand("${listquote{:}{a:b}}") == "a::b"
    assert expand("${listquote{}{}}") == " "
    assert expand("${listquote{::}{a::b}}") == "a::::b"


def test_acl_without_engine_is_a_clear_error() -> None:
    assert "no ACL engine" in fails("${acl{foo}}")


def test_acl_with_runner() -> None:
    seen = []

    def runner(name, args):
        seen.append((name, args))
        return {"ok": ("accept", "fine"), "no": ("deny", None), "later": ("defer", None),
                "missing": ("error", None)}[name]

    ctx = make_ctx(acl_runner=runner)
    assert expand("${acl{ok}{a}{b}}", ctx) == "fine"
    assert seen[0] == ("ok", ["a", "b"])
    assert expand("${acl{no}}", ctx) == ""
    with pytest.raises(ForcedFail):
        expand("${acl{later}}", ctx)
    # Exim's text for an ACL that is not defined
    assert fails("${acl{missing}}", ctx) == 'ERROR from acl "missing"'


def test_authresults_empty_context() -> None:
    assert expand("${authresults{example.com}}") == "Authentication-Results: example.com"


def test_authresults_with_results() -> None:
    ctx = make_ctx()
    ctx.variables.update(sender_host_name="mx.example", sender_host_address="192.0.2.1",
                         sender_host_authenticated="plain", authenticated_id="joe",
                         spf_result="pass", sender_address_domain="example.org")
    assert expand("${authresults{me}}", ctx) == (
        "Authentication-Results: me;\n\tiprev=pass (mx.example) smtp.remote-ip=192.0.2.1"
        ";\n\tauth=pass (plain) smtp.auth=joe;\n\tspf=pass smtp.mailfrom=example.org")


def test_env_empty_config_clears_environment() -> None:
    assert expand("[${env{PATH}}]") == "[]"
    assert expand("${env{ HOME }{y:$value}{n}}") == "n"
    assert fails("${env{NOPE}{y}fail}") == '"env" failed and "fail" requested'


def test_env_keep_and_add(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/root")
    monkeypatch.setenv("FOO1", "f1")
    monkeypatch.setenv("BAR", "b")

    class Config:
        options = {"keep_environment": "HOME : FOO* : ^B.R$",
                   "add_environment": "ADDED=yes : PATH=/x"}

    ctx = make_ctx(config=Config())
    # FOO* is not a wildcard in a string list: only ^regex and *suffix are special
    got = [expand(f"${{env{{{k}}}}}", ctx) for k in ("HOME", "FOO1", "BAR", "ADDED", "PATH")]
    assert got == ["/root", "", "b", "yes", "/x"]
    assert expand("${env{TZ}{y$value}{n}}", ctx) == "n"


def test_env_override() -> None:
    ctx = make_ctx()
    ctx.extra["environment"] = {"USER": "exim"}
    assert expand("${env{USER}{<$value>}}", ctx) == "<exim>"


def test_dlfunc_and_perl_not_supported() -> None:
    assert "not supported" in fails("${dlfunc{/x}{y}}")
    assert "not supported" in fails("${perl{foo}}")


@pytest.mark.parametrize("text,want", [
    ("${imapfolder{a&b}}", "a&-b"),
    ("${imapfolder{/a/b/}}", "a.b"),
    ("${imapfolder{Grüße}}", "Gr&APwA3w-e"),
    ("${imapfolder{a//b}}", "a.b"),
    ("${imapfolder{a/b.c}{.}{/}}", "a&AC8-b.c"),
    ("${imapfolder{a/b}{/}{a}}", "&AGE-.b"),
    ("${imapfolder{a b}{/}{ }}", "a&ACA-b"),
    ("${imapfolder{x~y}}", "x~y"),
    ("${imapfolder{ab/}}", "ab"),
    ("${imapfolder{//ab}}", ".ab"),
    ("${imapfolder{ä/ö}}", "&AOQ-.&APY-"),
    ("${imapfolder{&&}}", "&-&-"),
    ("${imapfolder{a&b/ä&}}", "a&-b.&AOQ-&-"),
    ("${imapfolder{a\\tb}}", "a&AAk-b"),
    ("${imapfolder{}}", ""),
    ("${imapfolder{abcd}{/}{bc}}", "a&AGIAYw-d"),
    ("${imapfolder{€}}", "&IKw-"),
    ("${imapfolder{😀}}", "&2D3eAA-"),
    ("${imapfolder{a/b}{/}{/}}", "a.b"),
    ("${imapfolder{a.b}{/}{.}}", "a&AC4-b"),
    ("${imapfolder{a&b}{&}}", "a.b"),
    ("${imapfolder{/ä}}", "&AOQ-"),
])
def test_imapfolder(text: str, want: str) -> None:
    assert expand(text) == want


@pytest.mark.parametrize("text,msg", [
    ("${imapfolder{a.b/c}}", "imapfolder: illegal character '.'"),
    ("${imapfolder{a/b.c}{.}}", "imapfolder: illegal character '/'"),
    ("${imapfolder{x}{ab}}", 'IMAP folder separator must be one character, found "ab"'),
    ("${imapfolder{a}{}}", 'IMAP folder separator must be one character, found ""'),
    ("${imapfolder{ä.}}", "imapfolder: illegal character '.'"),
])
def test_imapfolder_errors(text: str, msg: str) -> None:
    assert fails(text) == msg
