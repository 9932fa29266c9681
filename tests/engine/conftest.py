"""Helpers: build an engine from ACL text and run one ACL in a fresh context."""

from __future__ import annotations

from typing import Any

import pytest

import acl.builtins
from acl.config import parse_config_text
from acl.engine import Engine, Verdict
from acl.runtime.context import ExpansionContext

acl.builtins.load_all()

RCPT_VARS = {"sender_host_address": "10.0.0.1", "sender_helo_name": "x",
             "sender_address": "a@b", "local_part": "c", "domain": "d"}


class Harness:
    def __init__(self, acls: str, options: str = "") -> None:
        self.config = parse_config_text(f"{options}\nbegin acl\n{acls}\n", filename="t.conf")
        self.engine = Engine(self.config)
        self.ctx = ExpansionContext(config=self.config)
        self.ctx.variables.update(RCPT_VARS)

    def run(self, name: str = "r", where: str = "rcpt", **variables: str) -> Verdict:
        self.ctx.variables.update(variables)
        return self.engine.run_acl(name, self.ctx, where=where)


@pytest.fixture
def make() -> Any:
    return Harness
