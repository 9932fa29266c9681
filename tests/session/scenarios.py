"""Reading the scenario files (cases/<family>.yaml) into sessions, and reading
the LOG: entries out of Exim's -bh standard error. Shared by record.py and the
tests so that Exim and `acl session` are fed exactly the same bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
CONFS = HERE / "confs"
DATA = HERE / "data"
GOLDEN = HERE / "golden"
KNOWN_GAPS = HERE / "KNOWN_GAPS.md"

MAX_LOG_CONTINUATION = 10_000  # lines; a bound on what one LOG: entry may carry


@dataclass(frozen=True)
class Session:
    id: str            # case id, or "<case id>.<n>" within a sequence
    case_id: str
    family: str
    title: str
    conf: str          # configuration text
    host: str
    args: tuple[str, ...]
    stdin: bytes
    prior: tuple["Session", ...] = field(default=(), compare=False)  # run first, same spool


def families() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.yaml"))


def _stdin(spec: dict[str, Any]) -> bytes:
    text = spec.get("input", "")
    if not isinstance(text, str):
        raise ValueError(f"input must be text, not {type(text).__name__}")
    if spec.get("raw"):
        # byte-exact: the author wrote every \r\n (YAML double-quoted escapes)
        return text.encode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return b"".join(line.encode("utf-8") + b"\r\n" for line in lines)


def _conf(family_conf: str | None, case: dict[str, Any]) -> str:
    if "conf_file" in case:
        return (CONFS / case["conf_file"]).read_text(encoding="utf-8")
    conf = case.get("conf", family_conf)
    if not isinstance(conf, str):
        raise ValueError(f"{case.get('id')}: no configuration")
    return conf


def load_family(family: str) -> list[Session]:
    doc = yaml.safe_load((CASES / f"{family}.yaml").read_text(encoding="utf-8")) or {}
    sessions: list[Session] = []
    seen: set[str] = set()
    for case in doc.get("cases", []):
        cid = case["id"]
        if not cid.startswith(f"{family}-") or cid in seen:
            raise ValueError(f"{family}: bad or duplicate id {cid!r}")
        seen.add(cid)
        conf = _conf(doc.get("conf"), case)
        args = tuple(str(a) for a in case.get("args", []))
        title = case.get("title", "")
        if "sessions" in case:
            prior: list[Session] = []
            for n, sub in enumerate(case["sessions"], 1):
                s = Session(f"{cid}.{n}", cid, family, title, conf,
                            str(sub.get("host", case.get("host", "192.0.2.1"))),
                            tuple(str(a) for a in sub.get("args", args)),
                            _stdin(sub), tuple(prior))
                sessions.append(s)
                prior.append(s)
        else:
            sessions.append(Session(cid, cid, family, title, conf,
                                    str(case.get("host", "192.0.2.1")), args, _stdin(case)))
    return sessions


def load_all() -> list[Session]:
    return [s for fam in families() for s in load_family(fam)]


def log_entries(stderr: str) -> list[str]:
    """The LOG: entries of a -bh run: each LOG: line with the indented lines
    that continue it; debug (>>>) and other lines are dropped."""
    entries: list[str] = []
    current: list[str] | None = None
    for line in stderr.splitlines():
        if line.startswith("LOG:"):
            current = [line]
            entries.append("")
        elif current is not None and line[:1] in (" ", "\t") and len(current) < MAX_LOG_CONTINUATION:
            current.append(line)
        else:
            current = None
            continue
        entries[-1] = "\n".join(current)
    return entries


def known_gaps(path: Path = KNOWN_GAPS) -> dict[str, str]:
    """`- \\`id\\`: reason` lines -> {id: reason}."""
    if not path.exists():
        return {}
    gaps: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^-\s+`([^`]+)`\s*:\s*(.*)$", line)
        if m:
            gaps[m.group(1)] = m.group(2).strip() or "listed in KNOWN_GAPS.md"
    return gaps


def exim_args(args: tuple[str, ...]) -> list[str]:
    """Exim wants -DNAME=VALUE in one word; the scenarios write `-D NAME=VALUE`."""
    out: list[str] = []
    it = iter(args)
    for a in it:
        out.append(f"-D{next(it, '')}" if a == "-D" else a)
    return out
