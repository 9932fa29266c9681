"""The server answers exactly what `acl session` predicts: every recorded
session scenario is replayed through a real socket to the network server
and through `acl session`, and the replies must be equal (the -bh preamble
and testing notices aside, banner dates and message ids normalised)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest

from acl.cli.context_options import _host
from acl.cli.session import session_main
from tests.serve.support import InProcess, converse, state_for
from tests.session.normalize import normalize
from tests.session.scenarios import DATA, Session, load_all

# Where Exim itself answers differently as a daemon than under -bh.
DAEMON_DIFFERS = {
    "etrn": "a daemon without smtp_etrn_command wants '#' before an ETRN argument; -bh does not",
    "starttls": "-bh fails the TLS handshake on plain text; a daemon does the handshake "
                "(tests/tls/test_serve_tls.py)",
    "sync": "a daemon refuses input sent before the greeting when pipelining_connect_advertise_hosts "
            "is empty; -bh reads a pipe and does not check (tests/serve/test_integration.py)",
    "sequence": "sessions sharing a ratelimit spool in sequence are replayed by tests/session",
    "args": "scenario options (-oMs ...) that a network client cannot give",
}
_NOTICE = "\n**** SMTP testing: that is not a real message id!\n\n"


def _why_skip(s: Session) -> str | None:
    if s.prior or s.id.endswith(".1") and "." in s.id:
        return DAEMON_DIFFERS["sequence"]
    if any(a != "-D" and not re.match(r"^\w+=", a) for a in s.args):
        return DAEMON_DIFFERS["args"]
    low = s.stdin.lower()
    if b"\netrn" in low or low.startswith(b"etrn"):
        return DAEMON_DIFFERS["etrn"]
    if b"starttls" in low:
        return DAEMON_DIFFERS["starttls"]
    if re.search(r"^pipelining_connect_advertise_hosts *=\s*$", s.conf, re.M):
        return DAEMON_DIFFERS["sync"]
    return None


def _params() -> list[Any]:
    out = []
    for s in load_all():
        why = _why_skip(s)
        out.append(pytest.param(s, id=s.id, marks=[pytest.mark.skip(reason=why)] if why else []))
    return out


def _defines(s: Session, spool: Path) -> dict[str, str]:
    d = {"SPOOL": str(spool), "DATA": str(DATA)}
    it = iter(s.args)
    for a in it:
        if a == "-D":
            name, _, value = next(it, "").partition("=")
            d[name] = value
    return d


def _without_banner(text: str) -> str:
    """Drop the first reply when it is the 220 greeting (its host and date are
    the same expansion in both, but the clock moves)."""
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    while lines and lines[0].startswith("220-"):
        lines.pop(0)
    if lines and lines[0].startswith("220 "):
        lines.pop(0)
    return "\n".join(line.rstrip("\r") for line in lines)


@pytest.mark.parametrize("s", _params())
def test_same_replies(s: Session, tmp_path: Path) -> None:
    conf = tmp_path / "exim.conf"
    conf.write_text(s.conf, encoding="utf-8")
    spool_a, spool_b = tmp_path / "session", tmp_path / "serve"
    spool_a.mkdir()
    spool_b.mkdir()
    argv = ["-C", str(conf), "-D", f"SPOOL={spool_a}", "-D", f"DATA={DATA}", *s.args, "--host", s.host]
    expected, _, _ = session_main(argv, s.stdin)
    expected = expected.split("**** This is not for real!\n\n", 1)[-1].replace(_NOTICE, "")
    ip, port = _host(s.host)
    if ":" in ip:  # -bh writes IPv6 clients in full (a daemon shows inet_ntop's form)
        ip = ipaddress.ip_address(ip).exploded
    state = state_for(conf, spool_b, _defines(s, spool_b))
    with InProcess(state, peer_override=lambda _peer: (ip, int(port))) as srv:
        got = converse(srv.port, s.stdin).decode("utf-8", "surrogateescape")
    want = _without_banner(normalize(expected))
    have = _without_banner(normalize(got))
    assert have == want, f"{s.id}: {s.title}"
