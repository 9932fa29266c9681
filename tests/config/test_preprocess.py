"""Preprocessing: every expected value here was checked with exim -C FILE -bP."""

from __future__ import annotations

from pathlib import Path

import pytest

from acl.config import load_config, parse_config_text
from acl.errors import ConfigError


def hostname(text: str, **kw: object) -> str:
    return parse_config_text(text, **kw).options["primary_hostname"]  # type: ignore[arg-type]


@pytest.mark.parametrize("text, value", [
    ("primary_hostname = a \\\n    b\n", "a b"),
    ("primary_hostname = a\\\n# comment\n    b\n", "ab"),
    ("primary_hostname = a\\   \n  b  \\ \n c\n", "ab  c"),
    ("ABC = x\nAB = y\nprimary_hostname = ABCAB\n", "xy"),
    ("X = Y\nY = z\nprimary_hostname = X\n", "z"),
    ("Y = z\nX = Y\nprimary_hostname = X\n", "z"),
    ("M = a\nM == M b\nprimary_hostname = M\n", "a b"),
    ("M = a\nprimary_hostname = xMx_M\n", "xax_a"),
    ("M = a\nprimary_hostname = _HAVE_TLS M\n", "y a"),
    ("M = a\nprimary_hostname = M _HAVE_TLS\n", "a _HAVE_TLS"),
    ('primary_hostname = "x\\ty\\101\\x41\\q"\n', "x\tyAAq"),
    ("M = 1\n.ifdef M\nprimary_hostname = yes\n.else\nprimary_hostname = no\n.endif\n", "yes"),
    ("M = 1\n.ifdef  xM\nprimary_hostname = yes\n.endif junk\n", "yes"),
    (".ifdef M\n.ifdef N\n.else\n.endif\n.elifdef\nprimary_hostname = yes\n.endif\n"
     "primary_hostname = no\n", "no"),
    (".ifndef M\nprimary_hostname = yes\n.endif\n", "yes"),
    (".ifdef M\nprimary_hostname = 1\n.elifdef _HAVE_IPV6\nprimary_hostname = 2\n"
     ".else\nprimary_hostname = 3\n.endif\n", "2"),
    (".ifdefx M\nprimary_hostname = q\n", "q"),
])
def test_values_match_exim(text: str, value: str) -> None:
    assert hostname(text) == value


def test_command_line_define_overrides_file() -> None:
    assert hostname("M = a\nprimary_hostname = M\n", defines={"M": "zz"}) == "zz"


def test_blank_line_ends_a_continuation() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config_text("primary_hostname = a\\\n\n    b\n")
    assert info.value.message == 'main option "b" unknown'
    assert info.value.span.line == 3


def test_tab_after_directive_hides_the_line() -> None:
    # Exim tests for a literal "t" where it meant tab: ".ifdef<TAB>" is ignored.
    with pytest.raises(ConfigError, match=r"^.*\.endif without matching \.ifdef"):
        parse_config_text("M = 1\n.ifdef\tM\nprimary_hostname = t\n.endif\n")


def test_builtin_macro_is_a_substring_guard() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config_text("X_HAVE_TLS = 1\n")
    assert info.value.message == ('"X_HAVE_TLS" cannot be defined as a macro because '
                                  'previously defined macro "_HAVE_TLS" is a substring')


def test_macros_reported() -> None:
    cfg = parse_config_text("M = a\nM == M b\n", defines={"D": "1"})
    assert cfg.macros["M"] == "a b" and cfg.macros["D"] == "1"
    assert cfg.macros["_OPT_MAIN_PRIMARY_HOSTNAME"] == "y"


def test_include_inside_a_continuation(tmp_path: Path) -> None:
    (tmp_path / "part.conf").write_text("b\n")
    top = tmp_path / "top.conf"
    top.write_text('primary_hostname = a \\\n.include "part.conf"\n')
    cfg = load_config(top)
    assert cfg.options["primary_hostname"] == "a b"
    assert cfg.files == [str(top), f"{tmp_path}/part.conf"]


def test_error_in_included_file_points_there(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.conf").write_text("# c\n\n  bogus = 1\n")
    top = tmp_path / "top.conf"
    top.write_text("qualify_domain = x\n.include sub/inner.conf\n")
    with pytest.raises(ConfigError) as info:
        load_config(top)
    assert str(info.value.span) == f"{tmp_path}/sub/inner.conf:3:3"


def test_include_loop_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text(f".include {tmp_path}/b.conf\n")
    (tmp_path / "b.conf").write_text(".include a.conf\n")
    with pytest.raises(ConfigError, match="include loop"):
        load_config(tmp_path / "a.conf")


def test_include_if_exists_skips_missing(tmp_path: Path) -> None:
    cfg = parse_config_text(f".include_if_exists {tmp_path}/nope\nprimary_hostname = x\n")
    assert cfg.options["primary_hostname"] == "x"


def test_span_of_macro_substituted_value() -> None:
    cfg = parse_config_text("LONGNAME = v\nbegin acl\nx:\n  accept  hosts = LONGNAME\n")
    cond = cfg.acls["x"].statements[0].conditions[0]
    assert cond.value == "v"
    assert (cond.value_span.line, cond.value_span.col) == (4, 19)
