"""Local delivery of spooled messages: the configuration's routers pick an
``accept`` router whose transport is a Maildir ``appendfile``; each recipient
is delivered once (Maildir name fixed by id and position, journal written
after), and a message whose recipients are all done leaves the spool.
Recipients no router takes stay queued (remote delivery comes later)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from acl.errors import AclError
from acl.spool import Envelope, Spool, SpoolError
from acl.spool import maildir

# A local part that may become part of a file name (the ACLs should already
# have refused the rest; this is the last line of defence).
_SAFE_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+=?^_`{|}~-][A-Za-z0-9!#$%&'*+=?^_`{|}~.-]{0,63}$")


@dataclass
class Route:
    router: str
    transport: str
    directory: Path
    options: Any  # the transport instance (delivery_date_add ...)


def _instances(config: Any, section: str) -> list[Any]:
    return list((getattr(config, "sections", None) or {}).get(section, []))


def route(ctx: Any, config: Any, address: str) -> Route | str:
    """The first accept router that takes ``address``, with its Maildir; or
    the reason there is none."""
    from acl.expansion import expand
    from acl.runtime.lists import match_domain, match_local_part

    local, _, domain = address.rpartition("@")
    if not _SAFE_LOCAL.match(local) or ".." in local:
        return "local part not usable as a mailbox name"
    # Checked above, so no longer a risk in a file name (Exim's $local_part_data).
    v = ctx.variables
    v.update(local_part=local, domain=domain.lower(), local_part_data=local,
             domain_data=domain.lower())
    transports = {t.name: t for t in _instances(config, "transports")}
    for r in _instances(config, "routers"):
        if r.driver != "accept":
            continue
        try:
            if r.option("domains") is not None and not match_domain(
                    ctx, domain, str(r.option("domains")), expand=True):
                continue
            if r.option("local_parts") is not None and not match_local_part(
                    ctx, local, str(r.option("local_parts")), expand=True):
                continue
        except AclError:
            continue
        t = transports.get(str(r.option("transport", "")))
        if t is None or t.driver != "appendfile" or not t.option("maildir_format"):
            continue
        try:
            directory = expand(str(t.option("directory", "")), ctx)
        except AclError as e:
            return f'expansion of "directory" failed: {e.message}'
        if not directory.startswith("/"):
            return f'"directory" ({directory}) is not an absolute path'
        return Route(r.name, t.name, Path(directory), t)
    return "no local router accepts this address"


def _added_headers(t: Any, env: Envelope, rcpt: str, now: float) -> bytes:
    """What appendfile prepends when asked (the default configuration asks)."""
    from acl.builtins.variables import tod_full

    out = ""
    if t.option("return_path_add"):
        out += f"Return-path: <{env.sender}>\n"
    if t.option("envelope_to_add"):
        out += f"Envelope-to: {rcpt}\n"
    if t.option("delivery_date_add"):
        out += f"Delivery-date: {tod_full(time.localtime(now))}\n"
    return out.encode("utf-8", "surrogateescape")


class Deliverer:
    def __init__(self, spool: Spool, config: Any, log: Callable[[str], None]) -> None:
        self.spool = spool
        self.config = config
        self.log = log

    def context(self, env: Envelope) -> Any:
        from acl.runtime.context import ExpansionContext

        ctx = ExpansionContext(config=self.config)
        ctx.variables.update(sender_address=env.sender, message_id=env.id,
                             message_exim_id=env.id, sender_host_address=env.host_address,
                             received_protocol=env.protocol)
        return ctx

    def run(self, mid: str) -> bool:
        """One delivery attempt; True when the message is complete (gone)."""
        with self.spool.locked(mid) as mine:
            if not mine:
                return False
            try:
                env = self.spool.envelope(mid)
                if env.frozen:
                    return False
                data = self.spool.data(mid)
            except SpoolError as e:
                self.log(f"{mid} spool read error: {e}")
                return False
            done = self.spool.delivered(mid)
            pending = 0
            for index, rcpt in enumerate(env.recipients):
                if rcpt in done:
                    continue
                if not self.one(env, index, rcpt, data):
                    pending += 1
                else:
                    done.add(rcpt)
            if pending:
                return False
            self.spool.remove(mid)
            self.log(f"{mid} Completed")
            return True

    def one(self, env: Envelope, index: int, rcpt: str, data: bytes) -> bool:
        ctx = self.context(env)
        found = route(ctx, self.config, rcpt)
        if isinstance(found, str):
            self.log(f"{env.id} == {rcpt} routing defer (-1): {found}")
            return False
        now = time.time()
        name = maildir.unique_name(env.received, env.id, index)
        try:
            maildir.deliver(found.directory, name,
                            _added_headers(found.options, env, rcpt, now) + data)
            self.spool.journal(env.id, rcpt)
        except OSError as e:
            self.log(f"{env.id} == {rcpt} R={found.router} T={found.transport} defer "
                     f"({e.errno}): {e.strerror}")
            return False
        local = rcpt.rpartition("@")[0]
        self.log(f"{env.id} => {local} <{rcpt}> R={found.router} T={found.transport}")
        return True
