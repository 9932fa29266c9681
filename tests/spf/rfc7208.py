"""The RFC 7208 test suite (data/rfc7208-tests.yml, from pyspf's source
distribution; licence in data/rfc7208-tests.LICENSE) turned into zone files
for NSD, one set per scenario.

The suite's records are given per name; type SPF records are copied to TXT
unless the name has TXT records (as the suite's own drivers do), ``NONE``
entries are left out, and a name marked ``TIMEOUT`` with no record of a
queried type is put in a zone NSD cannot load, so that every question about
it fails temporarily (SERVFAIL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUITE = Path(__file__).parent / "data" / "rfc7208-tests.yml"
_QUERIED = {"TXT", "A", "AAAA", "MX", "PTR", "CNAME"}


@dataclass
class Scenario:
    description: str
    tests: dict[str, dict[str, Any]]
    zones: dict[str, str] = field(default_factory=dict)
    broken: tuple[str, ...] = ()


def _escape_name(name: str) -> str:
    labels = name.rstrip(".").split(".")
    out = []
    for label in labels:
        out.append("".join(c if c.isascii() and (c.isalnum() or c in "-_") else
                           "".join(f"\\{b:03d}" for b in c.encode()) for c in label))
    return ".".join(out)


def _txt(strings: list[str] | tuple[str, ...]) -> str:
    parts = []
    for s in strings:
        raw = s.encode("utf-8")
        for i in range(0, max(len(raw), 1), 255):  # one character-string holds 255 bytes
            chunk = raw[i:i + 255]
            parts.append('"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}"
                                       for b in chunk) + '"')
    return " ".join(parts)


def records(rrs: list[Any]) -> tuple[list[tuple[str, Any]], bool]:
    """(type, value) pairs as the suite means them, and whether TIMEOUT is set."""
    out: list[tuple[str, Any]] = []
    timeout = False
    has_txt = any(isinstance(r, dict) and "TXT" in r for r in rrs)
    for r in rrs:
        if r == "TIMEOUT":
            timeout = True
            continue
        for t, v in r.items():
            if isinstance(v, str) and t in ("TXT", "SPF"):
                v = [v]
            if v in (["NONE"], "NONE"):
                continue
            out.append((t, v))
            if t == "SPF" and not has_txt:
                out.append(("TXT", v))
    return out, timeout


def _rr(t: str, v: Any) -> str | None:
    if t == "TXT":
        return f"TXT {_txt(v)}" if v else None  # a TXT record without strings cannot exist
    if t in ("A", "AAAA"):
        return f"{t} {v}"
    if t == "MX":
        return f"MX {v[0]} {_escape_name(v[1])}."
    if t in ("PTR", "CNAME"):
        return f"{t} {_escape_name(v)}."
    return None  # type SPF (99): not asked by RFC 7208 checkers


def _apex(name: str) -> str:
    labels = name.split(".")
    return ".".join(labels[-3:] if labels[-2:-1] in (["in-addr"], ["ip6"]) else labels[-2:])


def build(doc: dict[str, Any]) -> Scenario:
    sc = Scenario(doc.get("description", ""), doc["tests"])
    names: dict[str, list[str]] = {}
    broken: set[str] = set()
    for raw, rrs in doc.get("zonedata", {}).items():
        name = raw.lower().rstrip(".")
        recs, timeout = records(rrs)
        lines = [line for t, v in recs if (line := _rr(t, v))]
        if timeout and not any(t in _QUERIED for t, _ in recs):
            broken.add(name)
            continue
        names.setdefault(name, []).extend(lines)
    zones: dict[str, list[str]] = {}
    for name, lines in names.items():
        # A name below a broken one needs its own zone to be answered.
        apex = name if any(name.endswith("." + b) for b in broken) else _apex(name)
        zones.setdefault(apex, [])
        zones[apex] += [f"{_escape_name(name)}. IN {line}" for line in lines]
    # Names in no zone would be REFUSED (a temporary failure); the suite
    # means them not to exist, so each top-level domain in sight is served.
    seen = list(names) + [str(t.get(k) or "").rpartition("@")[2].lower()
                          for t in sc.tests.values() for k in ("mailfrom", "helo")]
    for tld in {n.rstrip(".").rpartition(".")[2] for n in seen}:
        if tld and _escape_name(tld) not in zones:
            zones[_escape_name(tld)] = []
    # The root zone too: names under labels NSD cannot serve as zones (a HELO
    # such as "[192.168.218.40]") are then NXDOMAIN, as the suite means.
    zones.setdefault(".", [])
    sc.zones = {apex: "\n".join(lines) + "\n" for apex, lines in zones.items()}
    sc.broken = tuple(sorted(broken))
    return sc


def load() -> list[Scenario]:
    with SUITE.open("rb") as f:
        return [build(doc) for doc in yaml.safe_load_all(f)]
