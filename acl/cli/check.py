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
