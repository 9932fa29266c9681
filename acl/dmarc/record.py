"""DMARC policy records (RFC 7489 section 6.3) and their discovery in the DNS
(section 6.6.3): ``_dmarc.<From: domain>``, then ``_dmarc.<organizational
domain>``."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from acl.dns import Status, resolve

POLICIES = {"none": "n", "quarantine": "q", "reject": "r"}
NAMES = {v: k for k, v in POLICIES.items()}
_MAX_TAGS = 64  # tags read from one record
_MAX_URIS = 16  # rua/ruf entries kept
_MAX_RECORDS = 32  # TXT records examined at one name


@dataclass(frozen=True)
class Record:
    """A parsed record; ``p``/``sp`` are "n", "q", "r" ("" when not given)."""

    text: str
    p: str = ""
    sp: str = ""
    adkim: str = ""  # "r", "s" or "" (relaxed by default)
    aspf: str = ""
    pct: int = 100
    pct_given: bool = False
    rua: tuple[str, ...] = ()
    ruf: tuple[str, ...] = ()
    fo: frozenset[str] = field(default_factory=lambda: frozenset({"0"}))

    def subdomain_policy(self) -> str:
        return self.sp or self.p


class RecordError(ValueError):
    """The record is DMARC's but unusable (libopendmarc's "bad value")."""


def _uris(value: str) -> tuple[str, ...]:
    out = []
    for item in value.split(",")[:_MAX_URIS]:
        uri = item.strip()
        if uri:
            out.append(uri)
    return tuple(out)


def parse(text: str) -> Record:
    """Parse one record that starts with ``v=DMARC1``; RecordError when a
    policy-bearing tag has a bad value or the policy is missing without
    ``rua`` (section 6.6.3 step 6 reads such a record as p=none)."""
    tags: dict[str, str] = {}
    parts = text.split(";")
    for n, part in enumerate(parts[:_MAX_TAGS]):
        name, eq, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not name and not eq:
            continue  # the empty part after a final ";"
        if not eq:
            raise RecordError(f"tag without value: {part.strip()!r}")
        if n == 0 and (name != "v" or value != "DMARC1"):
            raise RecordError("not a DMARC1 record")
        tags.setdefault(name, value)
    p = _policy(tags.get("p"))
    sp = _policy(tags.get("sp"))
    rua = _uris(tags.get("rua", ""))
    if not p:
        if not rua:
            raise RecordError("no policy")
        p = "n"
    adkim, aspf = _mode(tags.get("adkim")), _mode(tags.get("aspf"))
    pct, pct_given = 100, "pct" in tags
    if pct_given:
        if not tags["pct"].isdigit() or int(tags["pct"]) > 100:
            raise RecordError(f"bad pct {tags['pct']!r}")
        pct = int(tags["pct"])
    fo = frozenset(x.strip() for x in tags.get("fo", "0").split(":") if x.strip() in "01ds")
    return Record(text, p, sp, adkim, aspf, pct, pct_given, rua, _uris(tags.get("ruf", "")),
                  fo or frozenset({"0"}))


def _policy(value: str | None) -> str:
    if value is None:
        return ""
    code = POLICIES.get(value.lower())
    if code is None:
        raise RecordError(f"bad policy {value!r}")
    return code


def _mode(value: str | None) -> str:
    if value is None:
        return ""
    if value.lower() not in ("r", "s"):
        raise RecordError(f"bad alignment mode {value!r}")
    return value.lower()


class Found(enum.Enum):
    RECORD = "record"
    NONE = "none"  # no record (or several, or an unusable one)
    TEMPERROR = "temperror"


@dataclass(frozen=True)
class Discovery:
    found: Found
    domain: str  # where the record was looked for last ($dmarc_used_domain)
    record: Record | None = None
    invalid: bool = False  # a DMARC record was there but could not be used


def _txt(ans: Any) -> list[str]:
    out = []
    for rec in ans.records[:_MAX_RECORDS]:
        strings = getattr(rec.rdata, "strings", None)
        if strings is not None:
            out.append(b"".join(strings).decode("utf-8", "replace"))
    return out


def _at(ctx: Any, domain: str) -> tuple[Found, Record | None, bool] | None:
    """The record at ``_dmarc.domain``; None when there is no DMARC record."""
    ans = resolve(ctx, f"_dmarc.{domain}", "TXT")
    if ans.temporary:
        return Found.TEMPERROR, None, False
    if not ans.found:
        return None
    texts = [t for t in _txt(ans) if t.startswith("v=DMARC1") and
             t[len("v=DMARC1"):].lstrip()[:1] in ("", ";")]
    if not texts:
        return None
    if len(texts) > 1:  # step 4: several records end the discovery
        return Found.NONE, None, True
    try:
        return Found.RECORD, parse(texts[0]), False
    except RecordError:
        return Found.NONE, None, True


def discover(ctx: Any, from_domain: str, org_domain: str) -> Discovery:
    """Section 6.6.3: the From: domain's record, else the organizational domain's."""
    hit = _at(ctx, from_domain)
    if hit is None and org_domain != from_domain:
        hit2 = _at(ctx, org_domain)
        if hit2 is not None:
            return Discovery(hit2[0], org_domain, hit2[1], hit2[2])
        return Discovery(Found.NONE, org_domain)
    if hit is None:
        return Discovery(Found.NONE, from_domain)
    return Discovery(hit[0], from_domain, hit[1], hit[2])
