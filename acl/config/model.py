"""The typed configuration model. Values of expandable options and ACL conditions
stay as written (unexpanded); spans point at the physical source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from acl.source import Span


@dataclass
class OptionSetting:
    name: str
    value: Any  # typed: bool, int (seconds for times), float (fixed-point), str
    raw: str  # text after "=" as written ("" for a bare boolean)
    span: Span
    value_span: Span | None = None
    hidden: bool = False
    effective: bool = True  # False: accepted for compatibility, no effect here
    written: str = ""  # the name as written when it was an old alias (MAIN_ALIASES)


@dataclass
class NamedList:
    kind: str  # "domain", "host", "address", "localpart"
    name: str
    value: str  # raw list text
    cache: bool
    span: Span
    hidden: bool = False


@dataclass
class Condition:
    """A condition or modifier of an ACL statement."""

    name: str
    value: str | None  # None for endpass; for set: "acl_m_x = value" minus "set "
    negated: bool
    span: Span
    value_span: Span | None = None
    varname: str | None = None  # for set: "acl_m_x"


@dataclass
class Statement:
    verb: str
    conditions: list[Condition]
    span: Span


@dataclass
class AclDef:
    name: str
    statements: list[Statement]
    span: Span


@dataclass
class Instance:
    """A router, transport or authenticator instance."""

    name: str
    options: list[OptionSetting]
    span: Span
    driver: str | None = None

    def option(self, name: str, default: Any = None) -> Any:
        for o in self.options:
            if o.name == name:
                return o.value
        return default


@dataclass
class RuleLine:
    """A retry or rewrite rule, kept as text."""

    text: str
    span: Span
    fields: list[str] = field(default_factory=list)


@dataclass
class Config:
    options: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, OptionSetting] = field(default_factory=dict)
    named_lists: dict[str, dict[str, NamedList]] = field(
        default_factory=lambda: {"domain": {}, "host": {}, "address": {}, "localpart": {}})
    acls: dict[str, AclDef] = field(default_factory=dict)
    sections: dict[str, list[Any]] = field(default_factory=dict)
    macros: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # Facts modules derive from the configuration once (e.g. whether any ACL
    # scans messages), memoised here so no per-message path recomputes them.
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
