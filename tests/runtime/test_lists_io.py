"""Which lists can wait on I/O when checked (acl serve runs ACLs whose lists
cannot in its event loop's thread)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from acl.runtime.lists_io import list_may_wait

NAMED = SimpleNamespace(named_lists={
    "host": {"nets": SimpleNamespace(value="<; 10.0.0.0/8 ; ::1"),
             "names": SimpleNamespace(value="mail.example"),
             "outer": SimpleNamespace(value="+nets : !+names")},
    "domain": {"local": SimpleNamespace(value="a.example : *.b.example : ^c")},
})


@pytest.mark.parametrize("kind, text, want", [
    ("host", "", False),
    ("host", "*", False),
    ("host", "<; 127.0.0.2 ; ::1 ; 10.0.0.0/8", False),
    ("host", "!192.0.2.1 : @[]", False),
    ("host", "+nets", False),
    ("host", "+outer", True),  # a named list naming a host
    ("host", "*.example", True),
    ("host", "@", True),
    ("host", "net24-lsearch;/etc/nets", True),
    ("domain", "+local : @ : @[] : localhost", False),
    ("domain", "@mx_primary", True),
    ("domain", "/etc/domains", True),
    ("domain", "$domain", True),
    ("localpart", "^[.] : ^.*[@%!/|] : +caseful : x", False),
    ("address", "*@spam.example : ^.*\\d{8,}@ : baduser@*.example.net", False),
    ("address", "lsearch;/etc/senders", True),
])
def test_list_may_wait(kind: str, text: str, want: bool) -> None:
    assert list_may_wait(NAMED, kind, text) is want


def test_self_reference_is_bounded() -> None:
    loop = SimpleNamespace(named_lists={"domain": {"me": SimpleNamespace(value="+me")}})
    assert list_may_wait(loop, "domain", "+me") is True
