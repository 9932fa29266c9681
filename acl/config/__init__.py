"""Exim configuration reader: preprocess -> LALR parse per logical line -> model.

``load_config(path)`` and ``parse_config_text(text)`` return a ``Config`` or raise
``acl.errors.ConfigError`` carrying Exim's message and the physical position."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from acl.config.model import (AclDef, Condition, Config, Instance, NamedList,
                              OptionSetting, RuleLine, Statement)
from acl.config.parser import parse_text
from acl.errors import ConfigError

__all__ = ["AclDef", "Condition", "Config", "ConfigError", "Instance", "NamedList",
           "OptionSetting", "RuleLine", "Statement", "load_config", "parse_config_text"]

_NO_DEFINES: Mapping[str, str] = {}


def parse_config_text(text: str, *, filename: str = "<string>",
                      defines: Mapping[str, str] = _NO_DEFINES) -> Config:
    return parse_text(text, filename, defines)


def load_config(path: str | Path, *, defines: Mapping[str, str] = _NO_DEFINES) -> Config:
    name = str(path)
    try:
        data = Path(name).read_bytes()
    except OSError as e:
        raise ConfigError(f"failed to open configuration file {name}: {e.strerror}") from None
    return parse_text(data.decode("utf-8", "surrogateescape"), name, defines)
