"""dmarc_history_file: one entry per evaluated message, in the line format
that OpenDMARC's ``opendmarc-import`` reads (and Exim's dmarc.c writes):
``key value`` lines, an entry starting with ``job``. Numbers are
libopendmarc's codes (see docs/DMARC.md)."""

from __future__ import annotations

import os
from typing import Any

from acl.dmarc.options import option
from acl.dmarc.evaluate import ALIGN_FAIL, ALIGN_PASS, Outcome

# Authentication-Results result codes (opendmarc-ar.h), used for spf and dkim lines.
ARES = {"pass": 0, "softfail": 2, "neutral": 3, "temperror": 4, "permerror": 5, "none": 6,
        "fail": 7, "policy": 8, "invalid": 5}
ARES_UNKNOWN = 11


def entry(*, job: str, reporter: str, received: int, ip: str, from_domain: str,
          mfrom: str, spf: str | None, dkim: list[tuple[str, str, str]], out: Outcome) -> str:
    """``spf`` None: no SPF check ran (no ``spf`` line, as Exim writes it);
    ``dkim``: (domain, selector, result) per signature."""
    rec = out.record
    lines = [f"job {job}", f"reporter {reporter}", f"received {received}", f"ipaddr {ip}",
             f"from {from_domain}", f"mfrom {mfrom}"]
    if spf is not None:
        lines.append(f"spf {ARES.get(spf, ARES_UNKNOWN)}")
    lines += [f"dkim {d} {s} {ARES.get(r, ARES_UNKNOWN)}" for d, s, r in dkim]
    lines += [f"pdomain {out.used_domain}", f"policy {out.policy}"]
    rua = rec.rua if rec else ()
    lines += [f"rua {u}" for u in rua] or ["rua -"]
    lines += [f"pct {rec.pct if rec else 0}",
              f"adkim {ord(rec.adkim) if rec and rec.adkim else 0}",
              f"aspf {ord(rec.aspf) if rec and rec.aspf else 0}",
              f"p {ord(rec.p) if rec and rec.p else 0}",
              f"sp {ord(rec.sp) if rec and rec.sp else 0}",
              f"align_dkim {ALIGN_PASS if out.dkim_aligned else ALIGN_FAIL}",
              f"align_spf {ALIGN_PASS if out.spf_aligned else ALIGN_FAIL}",
              f"action {out.action}"]
    return "".join(line.replace("\n", " ") + "\n" for line in lines)


def append(path: str, text: str) -> str | None:
    """Append one entry with a single write; the error text when it fails."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    except OSError as e:
        return f"failure to create DMARC history file: {path}: {e.strerror}"
    try:
        data = text.encode("utf-8", "surrogateescape")
        if os.write(fd, data) != len(data):
            return f"failure to completely write DMARC history file: {path}"
    except OSError as e:
        return f"failure to write DMARC history file: {path}: {e.strerror}"
    finally:
        os.close(fd)
    return None


def write(ctx: Any, out: Outcome, **fields: Any) -> str | None:
    path = option(ctx, "dmarc_history_file")
    if not path:
        return None
    return append(str(path), entry(out=out, **fields))
