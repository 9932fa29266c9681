"""${prvs}, ${prvscheck}, ${srs_encode} and the inbound_srs condition. Expected
values recorded from Exim 4.96 -be at the fixed clock (day 20781)."""

from __future__ import annotations

import pytest

from tests.builtins.test_items_support import expand, fails, make_ctx

SIGNED = "prvs=07882cfa8f=user@example.com"


@pytest.mark.parametrize("text,want", [
    ("${prvs{user@example.com}{secret}}", SIGNED),
    ("${prvs{user@example.com}{secret}{5}}", "prvs=5788075bf9=user@example.com"),
    ("${prvs{a@b@c}{s}}", "prvs=078889d1b2=a@b@c"),
    ("${prvs{a@b}{}}", "prvs=0788515db6=a@b"),
    ("${prvs{a@b}{" + "0123456789" * 6 + "0123}}", "prvs=07885a2f6f=a@b"),
])
def test_prvs(text: str, want: str) -> None:
    assert expand(text) == want


@pytest.mark.parametrize("text,msg", [
    ("${prvs{user@example.com}{secret}{55}}", "prvs third argument must be a single digit"),
    ("${prvs{a@b}{s}{}}", "prvs third argument must be a single digit"),
    ("${prvs{user}{secret}}", "prvs first argument must be a qualified email address"),
    ("${prvs{@x}{secret}}", "prvs first argument must be a qualified email address"),
    ("${prvs{x@}{secret}}", "prvs first argument must be a qualified email address"),
    ("${prvs{a@b}{" + "0123456789" * 6 + "01234}}", "prvs hmac-sha1 conversion failed"),
    ("${prvs{user@example.com}}", "Not enough arguments for 'prvs' (min is 2)"),
])
def test_prvs_errors(text: str, msg: str) -> None:
    assert fails(text) == msg


@pytest.mark.parametrize("text,want", [
    ("${prvscheck{%s}{secret}}" % SIGNED, "user@example.com"),
    ("${prvscheck{%s}{secret}{r=$prvscheck_result a=$prvscheck_address k=$prvscheck_keynum 1=$1 5=$5}}"
     % SIGNED, "r=1 a=user@example.com k=0 1=0 5=example.com"),
    ("${prvscheck{%s}{k=$prvscheck_keynum a=$prvscheck_address}{r=$prvscheck_result}}" % SIGNED, "r="),
    ("${prvscheck{%s}{bad}{r=[$prvscheck_result]}}" % SIGNED, "r=[]"),
    ("${prvscheck{PRVS=07882CFA8F=user@example.com}{secret}{r=[$prvscheck_result]}}", "r=[]"),
    ("${prvscheck{%s}{secret}}[$prvscheck_result][$prvscheck_address][$prvscheck_keynum]" % SIGNED,
     "user@example.com[1][][]"),
    ("${prvscheck{notprvs@x}{secret}{zz}}", ""),
    ("${prvscheck{prvs=17882cfa8f=a=b@c@d}{secret}{$prvscheck_address}}", "a=b@c@d"),
    ("${prvscheck{prvs=0788ABCDEF=a@b}{s}{[$prvscheck_address]}}", "[a@b]"),
    # expired: day stamp 770 is before today (781)
    ("${prvscheck{prvs=07702cfa8f=user@example.com}{secret}{r=[$prvscheck_result]}}", "r=[]"),
    ("${prvscheck{%s}{secret}}$1" % SIGNED, "user@example.com0"),
])
def test_prvscheck(text: str, want: str) -> None:
    assert expand(text) == want


@pytest.mark.parametrize("text,msg", [
    ("${prvscheck{%s}}" % SIGNED, "Not enough arguments for 'prvscheck' (min is 1)"),
    ("${prvscheck{notprvs@x}}", "Not enough arguments for 'prvscheck' (min is 1)"),
    ("${prvscheck{a}{b}{c}{d}}", "Too many arguments for 'prvscheck' (max is 2)"),
    ("${prvscheck{%s}{a}{b}{c}}" % SIGNED, "Too many arguments for 'prvscheck' (max is 1)"),
    ("${prvscheck{%s}{%s}}" % (SIGNED, "0123456789" * 6 + "01234"), "hmac-sha1 conversion failed"),
])
def test_prvscheck_errors(text: str, msg: str) -> None:
    assert fails(text) == msg


def test_prvscheck_expands_other_strings_when_not_prvs() -> None:
    ctx = make_ctx(acl_runner=lambda name, args: ("error", None))
    assert fails("${prvscheck{notprvs@x}{${acl{x}}}{zz}}", ctx) == 'ERROR from acl "x"'


@pytest.mark.parametrize("text,want", [
    ("${srs_encode{secret}{user@example.com}{fwd.example}}", "SRS0=b3d4=jn=example.com=user@fwd.example"),
    ("${srs_encode{secret}{}{fwd.example}}", ""),
    ("${srs_encode{secret}{User@Example.COM}{fwd}}", "SRS0=b3d4=jn=Example.COM=User@fwd"),
    ('${srs_encode{secret}{"a b"@example.com}{fwd}}', '"SRS0=e74c=jn=example.com=a b"@fwd'),
    ("${srs_encode{secret}{<user@example.com>}{fwd}}", "SRS0=a2c7=jn=example.com=user@fwd"),
    ("${srs_encode{secret}{Name <user@example.com>}{fwd}}", "SRS0=733f=jn=example.com=user@fwd"),
    ("${srs_encode{secret}{user}{fwd}}", "SRS0=0cf4=jn==user@fwd"),
    ("${srs_encode{s}{ a@b }{f}}", "SRS0=b9d1=jn=b=a@f"),
    ("${srs_encode{s}{a.@b}{f}}", "SRS0=d6fb=jn=b=a.@f"),
    ("${srs_encode{s}{a@[1.2.3.4]}{f}}", "SRS0=585b=jn=[1.2.3.4]=a@f"),
    ("${srs_encode{s}{a(comment)@b}{f}}", "SRS0=0c7c=jn=b=a@f"),
    ('${srs_encode{s}{"a"."b"@c}{f}}', '"SRS0=1119=jn=c=a.b"@f'),
    ("${srs_encode{s}{a..b@c}{f}}", "SRS0=8c14=jn=c=a..b@f"),
])
def test_srs_encode(text: str, want: str) -> None:
    assert expand(text) == want


@pytest.mark.parametrize("text,msg", [
    ("${srs_encode{secret}{user@}{fwd}}", "domain missing or malformed"),
    ("${srs_encode{secret}{@x}{fwd}}", "no local part"),
    ("${srs_encode{secret}{a@b c}{fwd}}", "malformed address: c may not follow a@b "),
    ("${srs_encode{s}{a@b.}{f}}", "domain missing or malformed"),
    ("${srs_encode{s}{<a@b> x}{f}}", "malformed address: x may not follow <a@b> "),
    ("${srs_encode{s}{<a@b}{f}}", "'>' missing at end of address"),
    ("${srs_encode{s}{a b@c}{f}}", 'missing or malformed local part (expected word or "<")'),
    ("${srs_encode{s}{<>}{f}}", "missing or malformed local part"),
    ("${srs_encode{s}{a@b@c}{f}}", "malformed address: @c may not follow a@b"),
    ("${srs_encode{s}{a,b@c}{f}}", 'missing or malformed local part (expected word or "<")'),
    ("${srs_encode{s}{a@b..c}{f}}", "domain missing or malformed"),
    ("${srs_encode{s}{a}}", "Not enough arguments for 'srs_encode' (min is 3)"),
])
def test_srs_encode_errors(text: str, msg: str) -> None:
    assert fails(text) == msg


@pytest.mark.parametrize("text,want", [
    ("${if inbound_srs{SRS0=b3d4=jn=example.com=user}{secret}{Y:$srs_recipient}{N:$srs_recipient}}",
     "Y:user@example.com"),
    ("${if inbound_srs{SRS0=b3d4=jn=example.com=user}{wrong}{Y:$srs_recipient}{N:$srs_recipient}}",
     "N:user@example.com"),
    ("${if inbound_srs{SRS0=b3d4=jn=example.com=user}{}{Y:$srs_recipient}{N}}", "Y:user@example.com"),
    ("${if inbound_srs{srs0=B3D4=JN=example.com=user}{secret}{Y:$srs_recipient}{N:$srs_recipient}}",
     "N:user@example.com"),
    ("${if inbound_srs{SRS0=b3d4=jm=example.com=user}{secret}{Y}{N}}", "Y"),
    ("${if inbound_srs{SRS0=b3d4=ja=example.com=user}{secret}{Y}{N}}", "N"),
    ("${if inbound_srs{SRS0=b3d4=j9=example.com=user}{secret}{Y}{N:$srs_recipient}}", "N:"),
    ("${if inbound_srs{SRS0=e74c=jn=example.com=a b}{secret}{Y:$srs_recipient}{N}}",
     'Y:"a b"@example.com'),
    ("${if inbound_srs{SRS0=xx=jn=example.com=user}{}{Y:$srs_recipient}{N}}", "Y:user@example.com"),
    ("${if inbound_srs{SRS0=b3d4=jn==user}{secret}{Y:$srs_recipient}{N}}", "N"),
    ("${if inbound_srs{SRS0=b3d4=jn=example.com=user}{}{}}"
     "${if inbound_srs{user}{x}{Y}{N:[$srs_recipient]}}", "N:[user@example.com]"),
    ("${if inbound_srs{SRS0=b3d4=jn=example.com=a.b}{}{$srs_recipient}}", "a.b@example.com"),
    ("${if inbound_srs{SRS0=b3d4=jn=example.com=a,b}{}{$srs_recipient}}", '"a,b"@example.com'),
    ("${if inbound_srs{SRS0=b3d4=jn=exa=mple.com=ab}{}{$srs_recipient}}", "mple.com=ab@exa"),
    ("${if inbound_srs{SRS0=b3d4=jn=example.com=}{}{[$srs_recipient]}}", "[@example.com]"),
    ("${if inbound_srs{SRS0=b3d4=j=example.com=x}{}{[$srs_recipient]}}", ""),
    ("${if !inbound_srs{SRS0=b3d4=jn=example.com=user}{}{Y}{N}}", "N"),
])
def test_inbound_srs(text: str, want: str) -> None:
    assert expand(text) == want
