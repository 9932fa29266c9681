"""The authenticators section as Exim's auth_instance list: driver, public
name, and which instances can act as a server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Drivers with server code here; others are configured but never servers.
SERVER_DRIVERS = ("plaintext", "cram_md5")


@dataclass
class Authenticator:
    name: str  # the instance name: $sender_host_authenticated, log lines, A=
    driver: str
    public_name: str  # the mechanism as advertised and matched (caselessly)
    options: dict[str, Any] = field(default_factory=dict)

    def opt(self, name: str) -> str | None:
        v = self.options.get(name)
        return None if v is None else str(v)

    @property
    def server(self) -> bool:
        """Exim's au->server: set by the driver's init from its server options."""
        if self.driver == "plaintext":
            return self.opt("server_condition") is not None
        if self.driver == "cram_md5":
            return self.opt("server_secret") is not None
        return False


def authenticators(config: Any) -> list[Authenticator]:
    """The configured instances in order (cached on the config object)."""
    if config is None:
        return []
    cached = getattr(config, "_auth_instances", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    sections = getattr(config, "sections", None) or {}
    out = []
    for inst in sections.get("authenticators") or sections.get("authenticator") or []:
        opts = {o.name: o.value for o in inst.options}
        driver = inst.driver or str(opts.get("driver") or "")
        public = opts.get("public_name")
        out.append(Authenticator(inst.name, driver, str(public) if public else inst.name, opts))
    try:
        config._auth_instances = out
    except AttributeError:  # pragma: no cover - a config without attributes
        pass
    return out
