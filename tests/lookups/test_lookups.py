"""Lookups, checked against values recorded from Exim 4.96 (exim -be with
'${lookup{K}TYPE{FILE}{<$value|$1|$2>}{NOTFOUND}}' on these same data files)."""

from __future__ import annotations

import os
import pwd
import sqlite3
from pathlib import Path

import pytest

import acl.builtins
from acl import lookups
from acl.errors import AclError, ExpansionError, LookupDefer
from acl.lookups.cdb import make_cdb
from acl.runtime.context import ExpansionContext
from acl.runtime.values import is_tainted, taint

acl.builtins.load_all()  # wildlsearch expands its keys

DATA = Path(__file__).parent / "data"


def run(spec: str, key: str | None, source: str, ctx: ExpansionContext | None = None) -> str:
    """What Exim printed for the probe expression."""
    ctx = ctx or ExpansionContext()
    try:
        r = lookups.lookup(ctx, spec, key, source)
    except AclError as e:
        return f"Failed: {e.message}"
    if r is None:
        return "NOTFOUND"
    return f"<{r}|{ctx.bindings.get('1', '')}|{ctx.bindings.get('2', '')}>"


def d(name: str) -> str:
    return str(DATA / name)


@pytest.mark.parametrize("key,want", [
    ("alpha", "<data for alpha||>"),
    ("ALPHA", "<data for alpha||>"),
    ("beta", "<data for beta||>"),
    ("gamma", "<:fail:||>"),
    ("quoted key", "<qdata||>"),
    ("esc\tkeyA", "<escdata||>"),
    ("colon:key", "<colondata||>"),
    ("delta", "<first line continued line||>"),  # a comment line ends the continuation
    ("epsilon", "<||>"),
    ("zeta", "<||>"),
    ("nope", "NOTFOUND"),
    ("unterminated quote", "<||>"),
    ("key", "NOTFOUND"),
    ("key#hash", "<hashdata||>"),
    ("#", "NOTFOUND"),
    ("", "NOTFOUND"),
])
def test_lsearch_format(key: str, want: str) -> None:
    assert run("lsearch", key, d("lsearch1.txt")) == want


@pytest.mark.parametrize("key,want", [
    ("a1", "<one||>"),  # blank line ends the continuation
    ("b1", "<one two three||>"),
    ("c1", "<:x:||>"),
    ("d1", "<:y||>"),
    ("e1", "< cont||>"),
    ("f1", "< cont||>"),
    ("long", "<x||>"),
    ("tab", "<key\ttabdata||>"),
    ("cr", "<crdata||>"),
])
def test_lsearch_continuations_and_colons(key: str, want: str) -> None:
    assert run("lsearch", key, d("lsearch2.txt")) == want


def test_lsearch_last_line_without_newline_keeps_trailing_space(tmp_path: Path) -> None:
    f = tmp_path / "nonl"
    f.write_bytes(b"k: data   ")
    assert run("lsearch", "k", str(f)) == "<data   ||>"
    f.write_bytes(b"k\xc3\xa9: data\nK\xc3\x89: upper\n")  # only ASCII letters fold
    assert run("lsearch", "kÉ", str(f)) == "<upper||>"
    assert run("lsearch", "Ké", str(f)) == "<data||>"


@pytest.mark.parametrize("spec,key,want", [
    ("lsearch,ret=full", "alpha", "<alpha: data for alpha||>"),
    ("lsearch,ret=key", "ALPHA", "<ALPHA||>"),
    ("lsearch,ret=foo", "ALPHA", "<data for alpha||>"),
    ("lsearch,", "ALPHA", "<data for alpha||>"),
    ("lsearch,foo", "ALPHA", "<data for alpha||>"),
    ("partial-lsearch", "x.y.www.example.com", "<star example|x.y.www|example.com>"),
    ("partial-lsearch", "q.example.com", "<star example|q|example.com>"),
    ("partial-lsearch", "www.example.com", "<www||www.example.com>"),
    ("partial-lsearch", "nope.com", "NOTFOUND"),
    ("partial-lsearch*", "nope.com", "<default star|nope.com|>"),
    ("lsearch*@", "jim@dom.example", "<star at dom|jim|>"),
    ("lsearch*@", "fred@dom.example", "<fred at dom||>"),
    ("partial-lsearch*@", "jim@dom.example", "<star at dom|jim|>"),
    ("partial-lsearch,ret=key", "x.y.www.example.com", "<x.y.www.example.com|x.y.www|example.com>"),
    ("lsearch*,ret=key", "nope.com", "<nope.com|nope.com|>"),
    ("lsearch*@,ret=key", "jim@dom.example", "<jim@dom.example|jim|>"),
    ("lsearch*", "", "<default star||>"),
])
def test_partial_defaults_and_ret(spec: str, key: str, want: str) -> None:
    assert run(spec, key, d("lsearch1.txt")) == want


@pytest.mark.parametrize("spec,want", [
    ("partial0-lsearch", "<star|a.b.c.|>"),
    ("partial0(+.)lsearch", "<plus|a.b.c.|>"),
    ("partial0(+)lsearch", "<plus|a.b.c.|>"),
    ("partial0-lsearch*", "<star|a.b.c.|>"),
    ("partial-lsearch", "NOTFOUND"),
    ("partial99-lsearch", "NOTFOUND"),
    ("lsearch**", "<star|a.b.c.d|>"),
    ("lsearch*,ret=full", "<*: star|a.b.c.d|>"),
    ("partialx-lsearch", 'Failed: format error in lookup type "partialx-lsearch"'),
    ("partial(a)lsearch", 'Failed: format error in lookup type "partial(a)lsearch"'),
    ("partial(.lsearch", 'Failed: format error in lookup type "partial(.lsearch"'),
    ("partiallsearch", 'Failed: format error in lookup type "partiallsearch"'),
    ("partial-partial-lsearch", 'Failed: unknown lookup type "partial-lsearch"'),
    ("partial-", 'Failed: unknown lookup type ""'),
    ("partial--lsearch", 'Failed: unknown lookup type "-lsearch"'),
    ("Lsearch", 'Failed: unknown lookup type "Lsearch"'),
    ("foo", 'Failed: unknown lookup type "foo"'),
    ("partial-passwd", 'Failed: "partial" is not permitted for lookup type "passwd"'),
    ("passwd*,x", 'Failed: defaults using "*" or "*@" are not permitted for lookup type "passwd*,x"'),
    ("sqlite", 'Failed: a single key was given for lookup type "sqlite", which is not a single-key lookup type'),
    ("dnsdb", 'Failed: a single key was given for lookup type "dnsdb", which is not a single-key lookup type'),
    ("ldap", 'Failed: a single key was given for lookup type "ldap", which is not a single-key lookup type'),
])
def test_type_syntax(spec: str, want: str) -> None:
    assert run(spec, "a.b.c.d", d("star.txt")) == want


def test_partial_key_order() -> None:
    """The keys tried, as Exim's lookup debugging lists them."""
    tried: list[str] = []
    real = lookups.LOOKUPS["lsearch"]

    def find(ctx, handle, filename, key, opts):  # type: ignore[no-untyped-def]
        tried.append(key)
        return real.find(ctx, handle, filename, key, opts)  # type: ignore[misc]

    lookups.register(lookups.LookupSpec("spylsearch", real.style, True, "", real.open, find))
    try:
        cases = {
            # Exim tries "*" twice here; the second time comes from the cache
            "partial0-spylsearch*@": "a.b.c.d *.a.b.c.d *.b.c.d *.c.d *.d *",
            "partial-spylsearch": "a.b.c.d *.a.b.c.d *.b.c.d *.c.d",
            "partial3-spylsearch": "a.b.c.d *.a.b.c.d *.b.c.d",
            "partial(.)spylsearch": "a.b.c.d .a.b.c.d .b.c.d .c.d",
            "partial0(.)spylsearch": "a.b.c.d .a.b.c.d .b.c.d .c.d .d .",
            "partial1()spylsearch": "a.b.c.d b.c.d c.d d",
            "partial0()spylsearch": "a.b.c.d b.c.d c.d d",
            "partial0(+-)spylsearch": "a.b.c.d +-a.b.c.d +-b.c.d +-c.d +-d +-",
            "partial0(+.)spylsearch*": "a.b.c.d +.a.b.c.d +.b.c.d +.c.d +.d + *",
            "spylsearch*@": "a.b.c.d *",
        }
        for spec, want in cases.items():
            tried.clear()
            # a fresh context each time: the cache would hide repeated keys
            assert run(spec, "a.b.c.d", d("empty.txt")) == "NOTFOUND"
            assert " ".join(tried) == want, spec
        for key, want in [
            ("u@a.b.c", "u@a.b.c *.u@a.b.c *.b.c *@a.b.c *"),
            ("u@x@a.b.c", "u@x@a.b.c *.u@x@a.b.c *.b.c *@a.b.c *"),
            (".a..b.", ".a..b. *..a..b. *.a..b. *..b. *.b. *"),
        ]:
            tried.clear()
            run("partial-spylsearch*@", key, d("empty.txt"))
            assert " ".join(tried) == want
        tried.clear()
        run("spylsearch*@", "@a.b.c", d("empty.txt"))
        assert tried == ["@a.b.c", "*"]
    finally:
        del lookups.LOOKUPS["spylsearch"]


@pytest.mark.parametrize("spec,key,want", [
    ("nwildlsearch", "x.a.b.c", "<anything under a.b.c||>"),
    ("nwildlsearch", "a.b.c", "NOTFOUND"),
    ("nwildlsearch", "catfish", "<ends with fish||>"),
    ("nwildlsearch", "123.x.y", "NOTFOUND"),
    ("nwildlsearch", "123.n.y", "<nwild digits||>"),
    ("nwildlsearch", "CASE.only", "<case sensitive||>"),
    ("nwildlsearch", "case.only", "NOTFOUND"),
    ("nwildlsearch", "a b.c", "<quoted regex||>"),
    ("nwildlsearch", "PLAIN.KEY", "<plain data||>"),
    ("wildlsearch", "x.a.b.c", "<anything under a.b.c||>"),
    ("wildlsearch", "123.x.y", "<wild digits||>"),
    ("wildlsearch", "a.b.c", 'Failed: lookup of "a.b.c" gave DEFER: '),  # a key fails to expand
])
def test_wild(spec: str, key: str, want: str) -> None:
    assert run(spec, key, d("wild1.txt")) == want


@pytest.mark.parametrize("file,key,want", [
    ("wildx.txt", "lityes", "<expanded key||>"),
    ("wildx.txt", "LITYES", "<expanded key||>"),
    ("wildx.txt", "catfish", "<ends with fish||>"),
    ("wildx.txt", "other", 'Failed: lookup of "other" gave DEFER: '),
    ("wild2.txt", "neg.example", "<everything||>"),  # !key: that key fails, all others match
    ("wild2.txt", "other.example", "<negated||>"),
    ("wild3.txt", "+foo", "<named||>"),
    ("wild3.txt", "foo", "NOTFOUND"),
    ("wild3.txt", "@", "<at||>"),
    ("wild3.txt", "x.example.com", "<starcase||>"),
    ("wild3.txt", "example.com", "NOTFOUND"),
])
def test_wild_patterns(file: str, key: str, want: str) -> None:
    spec = "wildlsearch" if file == "wildx.txt" else "nwildlsearch"
    assert run(spec, key, d(file)) == want


def test_wild_nested_lookup_and_numeric_reset(tmp_path: Path) -> None:
    f = tmp_path / "w"
    f.write_text(f"partial-lsearch;{d('lsearch1.txt')}  via partial\n")
    ctx = ExpansionContext(bindings={"0": "abc", "1": "a", "2": "b"})
    assert lookups.lookup(ctx, "nwildlsearch", "q.example.com", str(f)) == "via partial"
    assert not any(k in ctx.bindings for k in "0123456789")  # Exim unsets them


@pytest.mark.parametrize("key,want", [
    ("1.2.3.4", "<data for 1.2.3.4||>"),
    ("192.168.5.6", "<data for 192.168.0.0/16||>"),
    ("abcd::cdab", "<data for abcd::cdab||>"),
    ("ABCD::CDAB", "<data for abcd::cdab||>"),
    ("abcd:abcd:1::2", "<data for abcd:abcd::/32||>"),
    ("10.1.2.3", "<ten||>"),
    ("11.1.1.1", "NOTFOUND"),
    ("::ffff:1.2.3.4", "<data for 1.2.3.4||>"),
    ("*", "<star||>"),
    ("", "NOTFOUND"),
    ("bogus", 'Failed: lookup of "bogus" gave DEFER: "bogus" is not a valid iplsearch key (an IP address, '
              "with optional CIDR mask, is wanted): in a host list, use net-iplsearch as the search type"),
    ("1.2.3.4/32", 'Failed: lookup of "1.2.3.4/32" gave DEFER: "1.2.3.4/32" is not a valid iplsearch key '
                   "(an IP address, with optional CIDR mask, is wanted): in a host list, use net-iplsearch "
                   "as the search type"),
])
def test_iplsearch(key: str, want: str) -> None:
    assert run("iplsearch", key, d("ip1.txt")) == want


def test_iplsearch_options() -> None:
    assert run("iplsearch,ret=full", "1.2.3.4", d("ip1.txt")) == "<1.2.3.4:           data for 1.2.3.4||>"
    assert run("iplsearch,ret=full", "abcd:abcd:1::2", d("ip1.txt")) == "<abcd:abcd::/32   data for abcd:abcd::/32||>"
    assert run("iplsearch,ret=full", "1.2.3.4", d("ip2.txt")) == "<1.2.3.0/24 net||>"
    assert run("iplsearch*", "1.2.4.4", d("ip1.txt")) == "<star|1.2.4.4|>"
    assert run("partial-iplsearch", "1.2.4.4", d("ip2.txt")) == (
        'Failed: lookup of "1.2.4.4" gave DEFER: "*.1.2.4.4" is not a valid iplsearch key (an IP address, '
        "with optional CIDR mask, is wanted): in a host list, use net-iplsearch as the search type"
    )
    assert run("iplsearch", "é\tx\ny", d("ip1.txt")).startswith('Failed: lookup of "\\303\\251\\tx\\ny" gave DEFER: "é\tx\ny"')


@pytest.fixture
def dsdir(tmp_path: Path) -> str:
    (tmp_path / "file1").write_text("")
    (tmp_path / "sub").mkdir()
    os.symlink("file1", tmp_path / "link1")
    os.symlink("nowhere", tmp_path / "dangling")
    return str(tmp_path)


DSEARCH = {  # option -> {key: found?}
    "": {"file1", "link1", "dangling", "sub", ".", ".."},
    ",filter=file": {"file1"},
    ",filter=dir": {"sub", ".", ".."},
    ",filter=subdir": {"sub"},
    ",filter=bogus": {"file1", "link1", "dangling", "sub", ".", ".."},
}


@pytest.mark.parametrize("opt", list(DSEARCH))
def test_dsearch(dsdir: str, opt: str) -> None:
    for key in ["file1", "FILE1", "link1", "dangling", "sub", ".", "..", "", "nope"]:
        want = f"<{key}||>" if key in DSEARCH[opt] else "NOTFOUND"
        assert run("dsearch" + opt, key, dsdir) == want, key
    assert run("dsearch" + opt, "a/b", dsdir) == 'Failed: lookup of "a/b" gave DEFER: key for dsearch lookup contains a slash: a/b'


def test_dsearch_full_and_errors(dsdir: str, tmp_path: Path) -> None:
    assert run("dsearch,ret=full", "link1", dsdir) == f"<{dsdir}/link1||>"
    assert run("dsearch,ret=full,filter=file", "file1", dsdir) == f"<{dsdir}/file1||>"
    assert run("dsearch,ret=key", "sub", dsdir) == "<sub||>"
    assert run("dsearch", "x", dsdir + "/nodir") == f"Failed: failed to open {dsdir}/nodir for directory search: No such file or directory"
    assert run("dsearch", "x", dsdir + "/file1") == f"Failed: failed to open {dsdir}/file1 for directory search: Not a directory"
    # the key may be tainted; the result is not
    r = lookups.lookup(ExpansionContext(), "dsearch", taint("file1"), dsdir)
    assert r == "file1" and not is_tainted(r)


@pytest.fixture
def cdbfile(tmp_path: Path) -> str:
    recs = [(b"alpha", b"one"), (b"Beta", b"two"), (b"alpha", b"dup"), (b"*", b"star"),
            (b"*.example.com", b"starex"), (b"key with space", b"sp"), (b"", b"emptykey")]
    recs += [(b"k%d" % i, b"v%d" % i) for i in range(300)]
    f = tmp_path / "t.cdb"
    f.write_bytes(make_cdb(recs))
    return str(f)


@pytest.mark.parametrize("spec,key,want", [
    ("cdb", "alpha", "<one||>"),
    ("cdb", "ALPHA", "NOTFOUND"),
    ("cdb", "Beta", "<two||>"),
    ("cdb", "beta", "NOTFOUND"),
    ("cdb", "key with space", "<sp||>"),
    ("cdb", "k0", "<v0||>"),
    ("cdb", "k299", "<v299||>"),
    ("cdb", "k300", "NOTFOUND"),
    ("cdb*", "nope", "<star|nope|>"),
    ("partial-cdb", "a.b.example.com", "<starex|a.b|example.com>"),
    ("cdb,ret=key", "alpha", "<alpha||>"),
])
def test_cdb(cdbfile: str, spec: str, key: str, want: str) -> None:
    assert run(spec, key, cdbfile) == want


def test_open_errors(tmp_path: Path) -> None:
    missing = str(tmp_path / "nofile")
    assert run("lsearch", "x", missing) == f"Failed: failed to open {missing} for linear search: No such file or directory"
    assert run("lsearch", "", missing) == f"Failed: failed to open {missing} for linear search: No such file or directory"
    assert run("lsearch", "x", "") == "Failed: failed to open  for linear search: No such file or directory"
    for t in ("lsearch", "wildlsearch", "iplsearch"):
        assert run(t, "x", str(tmp_path)) == f"Failed: {tmp_path} is not a regular file (lsearch lookup)"
    assert run("lsearch", "x", "/dev/null") == "Failed: /dev/null is not a regular file (lsearch lookup)"
    assert run("cdb", "x", missing) == f"Failed: failed to open {missing} for cdb lookup: No such file or directory"
    assert run("cdb", "x", d("ip1.txt")) == f"Failed: failed to open {d('ip1.txt')} too short for cdb lookup: Success"
    assert run("cdb", "x", "/dev/null") == "Failed: failed to open /dev/null too short for cdb lookup: Success"
    assert run("cdb", "x", str(tmp_path)) == (
        f"Failed: failed to open cannot read header from {tmp_path} for cdb lookup: Is a directory"
    )


def test_key_and_query_syntax() -> None:
    assert run("lsearch", None, "x") == 'Failed: missing {key} for single-key "lsearch" lookup'
    assert run("partial-sqlite", "x", "/tmp") == (
        'Failed: a single key was given for lookup type "partial-sqlite", which is not a single-key lookup type'
    )
    assert run("sqlite*", None, "x") == 'Failed: absolute file name expected for "sqlite" lookup'
    assert run("*lsearch", "x", "y") == "Failed: missing lookup type"


def test_unsupported_types() -> None:
    for name in ["ldap", "mysql", "pgsql", "whoson", "oracle", "nisplus"]:
        assert run(name, None, "q") == f'Failed: lookup type "{name}" is not supported in this build of exim-acl'
    for name in ["dbm", "dbmnz", "dbmjz", "nis", "nis0", "spf", "lmdb"]:
        assert run(name, "k", "/x") == f'Failed: lookup type "{name}" is not supported in this build of exim-acl'
    assert lookups.is_query_style("dnsdb") and lookups.is_query_style("sqlite")
    assert not lookups.is_query_style("lsearch") and not lookups.is_query_style("nosuch")


ROOT = pwd.getpwnam("root")
ROOT_DATA = f"*:0:0:{ROOT.pw_gecos}:{ROOT.pw_dir}:{ROOT.pw_shell}"  # Exim: *:0:0:root:/root:/bin/bash


def test_passwd() -> None:
    assert run("passwd", None, "root") == f"<{ROOT_DATA}||>"
    assert run("passwd", None, " root") == f"<{ROOT_DATA}||>"
    assert run("passwd,ret=key", None, "root") == "<root||>"
    for q in ["0", "ROOT", "", "no-such-user-here"]:
        assert run("passwd", None, q) == "NOTFOUND"


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "t.db")
    c = sqlite3.connect(path)
    c.executescript("""create table u(id text, name text, home text, n int, r real, b blob, z);
insert into u values('a','Mister X','/home/a',1,1.5,x'41',NULL);
insert into u values('b','','/home/b',2,2.0,NULL,NULL);
insert into u values('c','say "hi"','/h c',3,-0.25,NULL,'');
insert into u values('d','back\\slash','tab	x',4,1e20,NULL,NULL);""")
    c.commit()
    c.close()
    return path


def test_sqlite(db: str, tmp_path: Path) -> None:
    f = f"sqlite,file={db}"
    assert run("sqlite", None, f"{db} select name from u where id='a'") == "<Mister X||>"
    assert run(f, None, "select name from u where id='a'") == "<Mister X||>"
    assert run(f, None, "select * from u") == (
        '<id=a name="Mister X" home=/home/a n=1 r=1.5 b=A z=<NULL> \n'
        'id=b name="" home=/home/b n=2 r=2.0 b=<NULL> z=<NULL> \n'
        'id=c name="say \\"hi\\"" home="/h c" n=3 r=-0.25 b=<NULL> z="" \n'
        'id=d name=back\\slash home="tab\tx" n=4 r=1.0e+20 b=<NULL> z=<NULL> ||>'
    )
    assert run(f, None, "select name from u") == '<Mister X\n\nsay "hi"\nback\\slash||>'
    assert run(f, None, "select name from u where id='zz'") == "NOTFOUND"
    assert run(f, None, "select z from u where id='a'") == "<<NULL>||>"
    assert run(f, None, "select z,n from u where id='a'") == "<z=<NULL> n=1 ||>"
    assert run(f, None, "selec") == "NOTFOUND"
    assert run(f, None, "select 1 as x, 2") == "<x=1 2=2 ||>"
    assert run(f, None, "select 1; select 2") == "<1\n2||>"
    assert run(f, None, "") == "NOTFOUND"
    assert run(f, None, "/nonexistent/t2.db select 1") == "NOTFOUND"  # file= wins over a leading path
    assert run(f"sqlite,x=y,file={db}", None, "select 1") == "<1||>"
    assert run(f, None, "select r, 1e300, 0.1, 100.0 from u where id='a'") == "<r=1.5 1e300=1.0e+300 0.1=0.1 100.0=100.0 ||>"
    assert run("sqlite,file=t.db", None, "select 1") == 'Failed: absolute file name expected for "sqlite" lookup'
    assert run("sqlite", None, "select 1") == 'Failed: absolute file name expected for "sqlite" lookup'
    assert run(f"sqlite,file={tmp_path}", None, "select 1") == "Failed: unable to open database file"


def test_sqlite_dbfile_option(db: str) -> None:
    class Cfg:
        options = {"sqlite_dbfile": db}

    ctx = ExpansionContext(config=Cfg())
    assert run("sqlite", None, "select name from u where id='a'", ctx) == "<Mister X||>"


def test_json(tmp_path: Path) -> None:
    j = d("data.json")
    assert run("json", "name", j) == "<Fred||>"
    assert run("json", "nested:x:y", j) == "<deep||>"
    assert run("json", "tags:1", j) == "<b||>"
    assert run("json", "tags:2:c:2", j) == "<x\ty||>"
    assert run("json", "tags:2", j) == '<{"c": [1, 2.5, "x\\ty"]}||>'
    assert run("json", "nested", j) == '<{"x": {"y": "deep"}}||>'
    assert run("json", "n", j) == "<42||>"
    assert run("json", "r", j) == "<1.500000||>"
    assert run("json", "t", j) == "<true||>"
    assert run("json", "f", j) == "<false||>"
    assert run("json", "z", j) == "NOTFOUND"
    assert run("json", "tags:9", j) == "NOTFOUND"
    assert run("json", "name:0", j) == "NOTFOUND"
    assert run("json", "3", j) == "NOTFOUND"  # a numeric selector wants an array
    assert run("json", "colon::key", j) == "<ck||>"
    assert run("json", "<;nested;x;y", j) == "<deep||>"
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    assert run("json", "a", str(bad)) == "NOTFOUND"
    assert run("json", "a", str(tmp_path / "none")) == (
        f"Failed: failed to open {tmp_path}/none for json search: No such file or directory"
    )


def test_tainted_file_names_are_refused(db: str) -> None:
    for spec, key, src in [("lsearch", "a", d("lsearch1.txt")), ("dsearch", "a", str(DATA)),
                           ("iplsearch", "1.2.3.4", d("ip1.txt")), ("wildlsearch", "a", "rel")]:
        with pytest.raises(ExpansionError) as e:
            lookups.lookup(ExpansionContext(), spec, key, taint(src))
        assert e.value.message == f"Tainted filename for search: '{src}'"
    with pytest.raises(ExpansionError) as e:
        lookups.lookup(ExpansionContext(), "sqlite", None, taint(f"{db} select 1"))
    assert e.value.message == f"Tainted filename for search: '{db}'"
    # tainted keys and queries are fine; results are untainted
    r = lookups.lookup(ExpansionContext(), "lsearch", taint("alpha"), d("lsearch1.txt"))
    assert r == "data for alpha" and not is_tainted(r)
    r = lookups.lookup(ExpansionContext(), f"sqlite,file={db}", None, taint("select 1"))
    assert r == "1" and not is_tainted(r)
    r = lookups.lookup(ExpansionContext(), "lsearch,ret=key", taint("ALPHA"), d("lsearch1.txt"))
    assert r == "ALPHA" and not is_tainted(r)


def test_defer_is_lookup_defer() -> None:
    with pytest.raises(LookupDefer):
        lookups.lookup(ExpansionContext(), "iplsearch", "x", d("ip1.txt"))


def test_numeric_variables(tmp_path: Path) -> None:
    ls = d("lsearch1.txt")
    ctx = ExpansionContext(bindings={"0": "abc", "1": "a", "2": "b", "3": "c"})
    lookups.lookup(ctx, "lsearch", "alpha", ls)  # exact match: untouched
    assert [ctx.bindings.get(k) for k in "0123"] == ["abc", "a", "b", "c"]
    lookups.lookup(ctx, "partial-lsearch", "zz.com", ls)  # not found: untouched
    assert [ctx.bindings.get(k) for k in "0123"] == ["abc", "a", "b", "c"]
    lookups.lookup(ctx, "partial-lsearch", "q.example.com", ls)
    assert [ctx.bindings.get(k, "") for k in "0123"] == ["abc", "q", "example.com", ""]
    lookups.lookup(ctx, "partial-lsearch", "alpha", ls)
    assert [ctx.bindings.get(k, "") for k in "012"] == ["abc", "", "alpha"]


def test_cache(tmp_path: Path) -> None:
    f = tmp_path / "cf"
    f.write_text("k: one\n")
    ctx = ExpansionContext()
    assert lookups.lookup(ctx, "lsearch", "k", str(f)) == "one"
    assert lookups.lookup(ctx, "lsearch", "x", str(f)) is None
    f.write_text("k: two\nx: two\n")
    assert lookups.lookup(ctx, "lsearch", "k", str(f)) == "one"  # cached
    assert lookups.lookup(ctx, "lsearch", "x", str(f)) is None  # 'not found' is cached too
    assert lookups.lookup(ctx, "lsearch,ret=key", "x", str(f)) is None  # ret=key is not an option of the find
    assert lookups.lookup(ctx, "lsearch,", "x", str(f)) is None
    assert lookups.lookup(ctx, "lsearch", "K", str(f)) == "two"  # another key
    assert lookups.lookup(ctx, "lsearch,ret=full", "k", str(f)) == "k: two"  # other options
    assert lookups.lookup(ctx, "wildlsearch", "k", str(f)) == "two"  # another type
    assert lookups.lookup(ctx, "lsearch", "k", str(tmp_path) + "/./cf") == "two"  # another file name
    ctx2 = ExpansionContext()
    f.write_text("k: one\n")
    assert lookups.lookup(ctx2, "lsearch", "k", str(f)) == "one"
    f.write_text("k: two\n")
    assert lookups.lookup(ctx2, "lsearch,cache=no_rd", "k", str(f)) == "two"
    assert lookups.lookup(ctx2, "lsearch", "k", str(f)) == "two"


@pytest.mark.parametrize("name,s,want", [
    ("sqlite", "it's a 'x'", "it''s a ''x''"),
    ("lsearch", 'it\'s a "x"', 'it\'s a "x"'),
    ("mysql", "a'b\"c\\d\te", "a\\'b\\\"c\\\\d\\te"),
    ("mysql", "a\\b\bc\nd\re", "a\\\\b\\bc\\nd\\re"),
    ("pgsql", "a'b\"c\\d\te", "a''b\\\"c\\\\d\\te"),
    ("mysql", "a%b_c", "a%b_c"),
    ("ldap", " a(bc)*, a<yz>; ", "%20a%5C28bc%5C29%5C2A%2C%20a%3Cyz%3E%3B%20"),
    ("ldap_dn", " a(bc)*, a<yz>; ", "%5C%20a(bc)*%5C%2C%20a%5C%3Cyz%5C%3E%5C%3B%5C%20"),
    ("ldap", "!$'-._()*+~/:?@&=%[]\\", "!$'-._%5C28%5C29%5C2A+%7E%2F%3A%3F%40%26%3D%25%5B%5D%5C5C"),
    ("ldap_dn", "!$'-._()*+~/:?@&=%[]\\<>;,\"#",
     "!$'-._()*%5C+%7E%2F%3A%3F%40%26%3D%25%5B%5D%5C%5C%5C%3C%5C%3E%5C%3B%5C%2C%5C%22%23"),
    ("ldap", "azAZ09 \n\t", "azAZ09%20%0A%09"),
    ("ldap", "é", "%C3%A9"),
    ("ldap_dn", "#a  ", "%5C%23a%5C%20%5C%20"),
    ("ldap_dn", "  a#", "%5C%20%5C%20a%23"),
    ("ldap_dn", " ", "%5C%20"),
    ("ldapm", "(a)", "%5C28a%5C29"),
    ("dnsdb", "a:b", "a:b"),
    ("passwd", "a:b", "a:b"),
    ("cdb", 'a"b', 'a"b'),
    ("dbm", "a", "a"),
])
def test_quote(name: str, s: str, want: str) -> None:
    assert lookups.quote(None, name, s) == want


@pytest.mark.parametrize("name,opts,want", [
    ("foo", None, 'unknown lookup type "foo"'),
    ("partial-lsearch", None, 'unknown lookup type "partial-lsearch"'),
    ("", None, 'unknown lookup type ""'),
    ("ldap", "xx", '"xx" unrecognized after "${quote_ldap"'),
    ("ldap", "dn_x", '"dn_x" unrecognized after "${quote_ldap"'),
    ("mysql", "x", '"x" unrecognized after "${quote_mysql"'),
    ("sqlite", "x", '"x" unrecognized after "${quote_sqlite"'),
    ("lsearch", "x", '"x" unrecognized after "${quote_lsearch"'),
    ("passwd", "x", '"x" unrecognized after "${quote_passwd"'),
])
def test_quote_errors(name: str, opts: str | None, want: str) -> None:
    with pytest.raises(ExpansionError) as e:
        lookups.quote(None, name, "a", opts)
    assert e.value.message == want


def test_quote_keeps_taint() -> None:
    assert is_tainted(lookups.quote(None, "sqlite", taint("a'b")))


def test_table() -> None:
    spec = lookups.LOOKUPS["lsearch"]
    assert spec.style == lookups.SINGLE_KEY and spec.needs_file and spec.doc and spec.supported
    assert lookups.LOOKUPS["sqlite"].style == lookups.ABS_FILE_QUERY
    assert lookups.LOOKUPS["passwd"].style == lookups.QUERY and not lookups.LOOKUPS["passwd"].needs_file
    assert not lookups.LOOKUPS["ldap"].supported


def test_list_lookup() -> None:
    ctx = ExpansionContext()
    assert lookups.list_lookup(ctx, "lsearch", d("lsearch1.txt"), "alpha") == "data for alpha"
    assert lookups.list_lookup(ctx, "partial-lsearch", d("lsearch1.txt"), "a.example.com") == "star example"
    assert lookups.list_lookup(ctx, "passwd", "root", "ignored") == ROOT_DATA
    assert "1" not in ctx.bindings  # list items leave the numeric variables alone
