"""localhost_number in message ids, $localhost_number and its start-up
errors, against
tests/smtp/data/localhost_number.json (recorded from Exim by
tests/smtp/record_localhost_number.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from acl.builtins import load_all
from acl.config import parse_config_text
from acl.errors import AclError
from acl.runtime.context import ExpansionContext
from acl.builtins.variables import localhost_number
from acl.expansion import expand
from acl.serve.daemon import _host_number
from acl.smtp.logs import message_id

DATA = json.loads((Path(__file__).parent / "data" / "localhost_number.json").read_text())
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _value(two: str) -> int:
    return B62.index(two[0]) * 62 + B62.index(two[1])


def _config(value: str):
    load_all()
    return parse_config_text(f"primary_hostname = mx.example.test\nlocalhost_number = {value}\n")


@pytest.mark.parametrize("value", sorted(DATA["ids"]))
def test_ids_fall_in_the_hosts_band(value: str) -> None:
    """Exim's ids for this host number all lie in one band of 200 values
    (host * 200 + 5 ms steps); ours lie in the same band, whatever the time."""
    bands = {_value(x) // 200 for x in DATA["ids"][value]}
    assert len(bands) == 1
    config = _config(value)
    host = localhost_number(ExpansionContext(config=config))
    assert host == _host_number(config)
    now = time.time()
    for step in range(0, 1000, 37):
        mid = message_id(now + step / 1000, host=host)
        assert _value(mid[-2:]) // 200 in bands, (value, mid)


@pytest.mark.parametrize("value", sorted(DATA["errors"]))
def test_startup_errors(value: str) -> None:
    with pytest.raises(AclError) as e:
        _host_number(_config(value))
    assert e.value.message == DATA["errors"][value]



@pytest.mark.parametrize("value", sorted(DATA["variable"]))
def test_variable(value: str) -> None:
    assert expand("$localhost_number", ExpansionContext(config=_config(value))) == DATA["variable"][value]
