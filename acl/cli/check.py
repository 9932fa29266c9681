"""``acl check`` / ``acl-check``: load a configuration and report problems as
``file:line:col: severity: message [rule]``, or as JSON or SARIF.

The rules live in :mod:`acl.lint`, one module per family; this module is the
command line and the output formats."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from acl.lint import RULES, Diagnostic, check_file  # noqa: F401  (re-exported)


# --- output --------------------------------------------------------------------

# SARIF has no "info" level: "note" is its word for it.
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def as_json(d: Diagnostic) -> dict[str, Any]:
    row = asdict(d)
    if row["suggestion"] is None:
        del row["suggestion"]
    return row


def as_sarif(diags: list[Diagnostic]) -> dict[str, Any]:
    from acl.lint import RULE_HELP

    ids = sorted({d.rule for d in diags} | set(RULE_HELP))
    index = {r: i for i, r in enumerate(ids)}
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "acl-check",
                "informationUri": "docs/LINT.md",
                "rules": [{"id": r, "shortDescription": {"text": RULE_HELP.get(r, r)}}
                          for r in ids],
            }},
            "results": [_sarif_result(d, index[d.rule]) for d in diags],
        }],
    }


def _sarif_result(d: Diagnostic, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": d.rule,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVEL.get(d.severity, "note"),
        "message": {"text": d.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": d.file},
            "region": {"startLine": max(d.line, 1), "startColumn": max(d.col, 1)},
        }}],
    }
    if d.suggestion:
        result["properties"] = {"suggestion": d.suggestion}
    return result


def render(diags: list[Diagnostic], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([as_json(d) for d in diags], indent=2) + "\n"
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
    # bytes that are not UTF-8 (kept as surrogates while reading) print as U+FFFD
    text = render(diags, args.format)
    out.write(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    return 1 if any(d.severity == "error" for d in diags) else 0
