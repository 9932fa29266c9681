"""Real configurations load, and the model carries what they say."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from acl.config import Instance, load_config, parse_config_text
from acl.errors import ConfigError

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("name", ["exim-default.conf", "debian-template.conf",
                                  "debian-split.conf"])
def test_real_configurations_load(name: str) -> None:
    cfg = load_config(DATA / name)
    assert cfg.options["acl_smtp_rcpt"].startswith("acl_check_rcpt")
    assert "acl_check_rcpt" in cfg.acls
    assert all(isinstance(i, Instance) and i.driver for i in cfg.sections["routers"])
    assert cfg.sections["retry"]


def test_default_configuration_values() -> None:
    # values as exim -C exim-default.conf -bP prints them (2d = 172800 s, 1w = 604800 s)
    cfg = load_config(DATA / "exim-default.conf")
    assert cfg.options["ignore_bounce_errors_after"] == 172800
    assert cfg.options["timeout_frozen_after"] == 604800
    assert cfg.named_lists["domain"]["local_domains"].value == "@"
    assert cfg.named_lists["host"]["relay_from_hosts"].value == "localhost"
    assert [r.name for r in cfg.sections["routers"]] == ["dnslookup", "system_aliases",
                                                       "userforward", "localuser"]
    stmt = cfg.acls["acl_check_rcpt"].statements[0]
    assert stmt.verb == "accept" and stmt.conditions[0].name == "hosts"
    assert stmt.conditions[0].value == ":"


def test_minimal_example() -> None:
    cfg = load_config(ROOT / "examples" / "minimal.conf")
    assert cfg.options["primary_hostname"] == "mail.example.org"
    assert cfg.options["smtp_accept_max"] == 64
    assert cfg.options["auto_thaw"] == 5400
    assert cfg.options["allow_domain_literals"] is False
    assert cfg.settings["mysql_servers"].hidden
    assert not cfg.settings["mysql_servers"].effective
    assert cfg.settings["acl_smtp_rcpt"].effective
    vip = cfg.named_lists["address"]["vip"]
    assert (vip.cache, vip.value) == (True, "ceo@example.org")
    assert cfg.named_lists["localpart"]["admins"].value == "postmaster : abuse"
    rcpt = cfg.acls["acl_check_rcpt"].statements
    assert [s.verb for s in rcpt] == ["accept", "deny", "accept", "require", "accept",
                                      "warn", "deny"]
    assert [c.name for c in rcpt[4].conditions] == ["domains", "endpass", "verify"]
    assert rcpt[4].conditions[1].value is None
    note = rcpt[5].conditions[0]
    assert (note.varname, note.value) == ("acl_m_note", "${lc:$sender_address}")
    neg = cfg.acls["acl_check_data"].statements[0].conditions[0]
    assert neg.negated and neg.name == "verify"
    delivery = cfg.sections["transports"][0]
    assert delivery.option("mode") == 0o660
    assert cfg.sections["rewrite"][0].fields[1] == "$1@example.org"


@pytest.mark.parametrize("text, value", [
    ("smtp_accept_max = 077\n", 63), ("smtp_accept_max = 2k\n", 2048),
    ("smtp_accept_max = -5\n", -5), ("smtp_load_reserve = 1.2345\n", 1.234),
    ("auto_thaw = 2w\n", 1209600), ("accept_8bitmime = no\n", False),
])
def test_typed_values(text: str, value: object) -> None:
    cfg = parse_config_text(text)
    assert list(cfg.options.values()) == [value]


def test_acl_head_trailing_text_and_section_case() -> None:
    cfg = parse_config_text("BEGIN acl\nfoo: junk\n  accept\n")
    assert cfg.acls["foo"].statements[0].verb == "accept"


def test_unknown_acl_condition_has_a_suggestion() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config_text("begin acl\na:\n  accept domians = x\n")
    assert info.value.hint == "did you mean 'domains'?"
    assert (info.value.span.line, info.value.span.col) == (3, 10)


def test_random_garbage_never_escapes_as_traceback() -> None:
    rng = random.Random(4096)
    alphabet = "abcdeAB_=:!\\\"#. \t\n$<>{}0123456789begin acl routers deny hosts .ifdef .include"
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        for prefix in ("", "begin acl\nx:\n", "begin routers\nr:\n  driver = accept\n",
                       "begin retry\n"):
            try:
                parse_config_text(prefix + text)
            except ConfigError:
                pass
