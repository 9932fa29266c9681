"""The configuration linter behind ``acl check``: one module per rule family,
each rule a function ``(config, path) -> diagnostics``, listed in ``RULES``."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from acl.errors import AclError
from acl.lint.base import Diagnostic, diag
from acl.lint.deprecated import rule_deprecated
from acl.lint.flow import rule_unreachable
from acl.lint.loading import load
from acl.lint.names import rule_expansion_syntax, rule_unknown_names
from acl.lint.options import rule_no_effect
from acl.lint.references import rule_undefined_acl, rule_undefined_list, rule_unused_macro
from acl.lint.regexes import rule_regex
from acl.lint.taint import rule_taint, rule_taint_in_lists
from acl.lint.usage import rule_always_empty, rule_misuse

Rule = Callable[[Any, str], Iterable[Diagnostic]]
RULES: list[Rule] = [
    rule_no_effect, rule_expansion_syntax, rule_unknown_names, rule_undefined_acl,
    rule_undefined_list, rule_always_empty, rule_misuse, rule_unreachable, rule_deprecated,
    rule_taint, rule_taint_in_lists, rule_regex, rule_unused_macro,
]

# Rule id -> one line on what it catches (SARIF's rule list; docs/LINT.md has more).
RULE_HELP = {
    "config": "the configuration reader refuses this line, as Exim would",
    "expansion-syntax": "an expanded string that does not parse",
    "unknown-name": "unknown variable, operator, item, lookup type, control or verify type",
    "undefined": "reference to an ACL or named list that is not defined",
    "always-empty": "variable or header that is always empty in the ACL's SMTP phase",
    "misuse": "condition, modifier, control or verify type Exim refuses in this phase; "
              "message on warn",
    "unreachable": "statement after an unconditional accept/deny/drop/defer/discard",
    "deprecated": "old spelling of an option, variable, control or SPF result; endpass",
    "taint": "remote data reaching a file name, command, regex or unquoted query",
    "regex": "regular expression that does not compile or can backtrack catastrophically",
    "unused-macro": "macro defined and never used",
    "no-effect": "option accepted but without effect in exim-acl",
    "internal": "a fault of the linter itself",
}

__all__ = ["Diagnostic", "RULES", "RULE_HELP", "check_file"]


def check_file(path: str, defines: Mapping[str, str] | None = None,
               rules: list[Rule] | None = None) -> list[Diagnostic]:
    """All diagnostics for one configuration file, in file order."""
    cfg, out = load(path, defines or {})
    if cfg is not None:
        for rule in rules or RULES:
            name = rule.__name__.removeprefix("rule_").replace("_", "-")
            try:
                out.extend(rule(cfg, path))
            except AclError as exc:
                out.append(diag(exc.span, path, exc.message, name))
            except Exception as exc:  # a broken rule is reported, never a traceback
                out.append(Diagnostic(path, 0, 0, "error", f"{type(exc).__name__}: {exc}", "internal"))
    seen: set[Diagnostic] = set()
    unique = [d for d in out if not (d in seen or seen.add(d))]  # type: ignore[func-returns-value]
    unique.sort(key=lambda d: (d.file, d.line, d.col))
    return unique
