"""resolv.conf is read again only when it changes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from acl.dns import config


def test_read_once_until_changed(tmp_path: Path, monkeypatch: Any) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 192.0.2.1\noptions timeout:2 attempts:3\n")
    monkeypatch.setattr(config, "RESOLV_CONF", str(conf))
    monkeypatch.setattr(config, "_SYSTEM", None)
    monkeypatch.setattr(config, "RECHECK", 0.0)
    reads: list[str] = []
    real = config._read_system_config
    monkeypatch.setattr(config, "_read_system_config", lambda p: reads.append(p) or real(p))
    first = config.system_config()
    assert first.nameservers == ("192.0.2.1",) and first.timeout == 2.0 and first.attempts == 3
    assert config.system_config() is first and len(reads) == 1
    conf.write_text("nameserver 192.0.2.2\n")
    os.utime(conf, ns=(1, 1))  # a different date whatever the clock's resolution
    assert config.system_config().nameservers == ("192.0.2.2",) and len(reads) == 2


def test_missing_file_read_each_time(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(config, "RESOLV_CONF", str(tmp_path / "absent"))
    monkeypatch.setattr(config, "_SYSTEM", None)
    monkeypatch.setattr(config, "RECHECK", 0.0)
    assert config.system_config().nameservers == ("127.0.0.1",)
    (tmp_path / "absent").write_text("nameserver 192.0.2.9\n")
    assert config.system_config().nameservers == ("192.0.2.9",)


def test_environment_server_over_cached_system(monkeypatch: Any) -> None:
    monkeypatch.setenv(config.ENV_SERVER, "127.0.0.1:5353")
    a, b = config.base_config(), config.base_config()
    assert a is b and a.nameservers == ("127.0.0.1",) and a.port == 5353


def test_signature_looked_at_once_a_second(tmp_path: Path, monkeypatch: Any) -> None:
    """A server asks per connection: the file's date is not looked at again
    within RECHECK seconds (a change shows after that)."""
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 192.0.2.1\n")
    monkeypatch.setattr(config, "RESOLV_CONF", str(conf))
    monkeypatch.setattr(config, "_SYSTEM", None)
    clock = [1000.0]
    monkeypatch.setattr(config.time, "monotonic", lambda: clock[0])
    looks: list[str] = []
    real = config._signature
    monkeypatch.setattr(config, "_signature", lambda p: looks.append(p) or real(p))
    assert config.system_config().nameservers == ("192.0.2.1",)
    conf.write_text("nameserver 192.0.2.2\n")
    os.utime(conf, ns=(1, 1))
    clock[0] += 0.5
    assert config.system_config().nameservers == ("192.0.2.1",) and len(looks) == 1
    clock[0] += config.RECHECK
    assert config.system_config().nameservers == ("192.0.2.2",) and len(looks) == 2
