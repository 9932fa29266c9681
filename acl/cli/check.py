"""``acl check`` / ``acl-check``: load a configuration and report problems as
``file:line:col: severity: message [rule]``, or as JSON or SARIF.

Each rule is one function taking the loaded configuration and yielding
diagnostics; add a rule by writing a function and listing it in ``RULES``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Iterator

from acl.errors import AclError
from acl.source import Span


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    col: int
    severity: str  # "error" or "warning"
    message: str
    rule: str

    def text(self) -> str:
        message = " ".join(part.strip() for part in self.message.splitlines())
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {message} [{self.rule}]"


def _diag(span: Span | None, fallback: str, message: str, rule: str, severity: str = "error") -> Diagnostic:
    if span is None:
        return Diagnostic(fallback, 0, 0, severity, message, rule)
    return Diagnostic(span.file, span.line, span.col, severity, message, rule)


# --- what can be expanded ------------------------------------------------------


def expandable_values(cfg: Any) -> Iterator[tuple[str, Span | None, str]]:
    """(text, span of the text, what) for every value the configuration would
    expand: option settings holding a ``$``, ACL condition and modifier values,
    driver options."""
    for name, setting in (getattr(cfg, "settings", None) or {}).items():
        raw = getattr(setting, "raw", None)
        if isinstance(raw, str) and "$" in raw:
            yield raw, getattr(setting, "value_span", None) or getattr(setting, "span", None), f"option {name}"
    for acl in (getattr(cfg, "acls", None) or {}).values():
        for stmt in getattr(acl, "statements", []):
            for cond in getattr(stmt, "conditions", []):
                value = getattr(cond, "value", None)
                if not isinstance(value, str):
                    continue
                if getattr(cond, "name", "") == "set" and "=" in value:
                    value = value.split("=", 1)[1].lstrip()
                    span = None
                else:
                    span = getattr(cond, "value_span", None)
                yield value, span or getattr(cond, "span", None), f"{cond.name} in ACL {acl.name}"
    for section, instances in (getattr(cfg, "sections", None) or {}).items():
        for inst in instances or []:
            for setting in getattr(inst, "options", None) or []:
                raw = getattr(setting, "raw", None)
                if isinstance(raw, str) and "$" in raw:
                    span = getattr(setting, "value_span", None) or getattr(setting, "span", None)
                    yield raw, span, f"option {setting.name} of {getattr(inst, 'name', section)}"


# --- rules ---------------------------------------------------------------------


def rule_expansion_syntax(cfg: Any, path: str) -> Iterator[Diagnostic]:
    """Every expanded value must parse."""
    try:
        from acl.expansion import parse
    except ImportError:
        from acl.expansion.parser import parse
    for text, span, what in expandable_values(cfg):
        try:
            parse(text, origin=span)
        except AclError as exc:
            yield _diag(exc.span or span, path, f"{exc.message} (in {what})", "expansion-syntax")


Rule = Callable[[Any, str], Iterable[Diagnostic]]
RULES: list[Rule] = [rule_expansion_syntax]


def check_file(path: str, defines: dict[str, str] | None = None) -> list[Diagnostic]:
    """All diagnostics for one configuration file, in file order."""
    try:
        from acl.config import load_config
    except ImportError as exc:
        return [Diagnostic(path, 0, 0, "error", f"configuration reader not available ({exc})", "internal")]
    try:
        with open(path, "rb"):
            pass
        cfg = load_config(path, defines=defines or {})
    except OSError as exc:
        return [Diagnostic(path, 0, 0, "error", f"cannot open configuration file: {exc.strerror}", "config")]
    except AclError as exc:
        return [_diag(exc.span, path, exc.message, "config")]
    out: list[Diagnostic] = []
    for rule in RULES:
        try:
            out.extend(rule(cfg, path))
        except AclError as exc:
            out.append(_diag(exc.span, path, exc.message, rule.__name__.removeprefix("rule_")))
        except Exception as exc:  # a broken rule is reported, never a traceback
            out.append(Diagnostic(path, 0, 0, "error", f"{type(exc).__name__}: {exc}", "internal"))
    out.sort(key=lambda d: (d.file, d.line, d.col))
    return out


# --- output --------------------------------------------------------------------


def as_sarif(diags: list[Diagnostic]) -> dict[str, Any]:
    rules = sorted({d.rule for d in diags})
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "acl-check", "rules": [{"id": r} for r in rules]}},
            "results": [{
                "ruleId": d.rule,
                "level": d.severity,
                "message": {"text": d.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": d.file},
                    "region": {"startLine": max(d.line, 1), "startColumn": max(d.col, 1)},
                }}],
            } for d in diags],
        }],
    }


def render(diags: list[Diagnostic], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([asdict(d) for d in diags], indent=2) + "\n"
    if fmt == "sarif":
        return json.dumps(as_sarif(diags), indent=2) + "\n"
    return "".join(d.text() + "\n" for d in diags)


def main(argv: list[str], *, prog: str = "acl-check", out: Any = None) -> int:
    out = out or sys.stdout
    ap = argparse.ArgumentParser(prog=prog, description="Check an Exim-style configuration.")
    ap.add_argument("-C", "--config", dest="config", help="configuration file")
    ap.add_argument("files", nargs="*", help="configuration files (alternative to -C)")
    ap.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    args = ap.parse_args(argv)
    files = ([args.config] if args.config else []) + args.files
    if not files:
        ap.error("no configuration file given (use -C FILE)")
    defines = dict(d.partition("=")[::2] for d in args.defines)
    diags = [d for f in files for d in check_file(f, defines)]
    out.write(render(diags, args.format))
    return 1 if any(d.severity == "error" for d in diags) else 0
