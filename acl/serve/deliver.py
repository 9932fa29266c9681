"""Local delivery of spooled messages: the configuration's routers pick an
``accept`` router whose transport is a Maildir ``appendfile``; each recipient
is delivered once (Maildir name fixed by id and position, journal written
after), and a message whose recipients are all done leaves the spool.
Recipients no router takes stay queued (remote delivery comes later)."""

from __future__ import annotations

import errno
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from acl.errors import AclError
from acl.spool import Envelope, Spool, SpoolError
from acl.spool import dsn as spool_dsn
from acl.spool import maildir
from acl.spool.dsn import notify_of

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
            succeeded: list[str] = []
            failed: list[tuple[str, str]] = []
            deferred: list[tuple[str, str]] = []
            for index, rcpt in enumerate(env.recipients):
                if rcpt in done:
                    continue
                outcome, why = self.one(env, index, rcpt, data)
                if outcome == "delivered":
                    done.add(rcpt)
                    succeeded.append(rcpt)
                elif outcome == "failed":
                    done.add(rcpt)
                    failed.append((rcpt, why))
                else:
                    deferred.append((rcpt, why))
            self.notify(env, data, succeeded, failed, deferred)
            if deferred:
                return False
            self.spool.remove(mid)
            self.log(f"{mid} Completed")
            return True

    def one(self, env: Envelope, index: int, rcpt: str, data: bytes) -> tuple[str, str]:
        """("delivered" | "failed" | "deferred", reason)."""
        ctx = self.context(env)
        found = route(ctx, self.config, rcpt)
        if isinstance(found, str):
            self.log(f"{env.id} == {rcpt} routing defer (-1): {found}")
            return "deferred", found
        now = time.time()
        name = maildir.unique_name(env.received, env.id, index)
        try:
            maildir.deliver(found.directory, name,
                            _added_headers(found.options, env, rcpt, now) + data)
            self.spool.journal(env.id, rcpt)
        except OSError as e:
            why = f"{e.strerror}: {e.filename}" if e.filename else str(e.strerror)
            if e.errno in _PERMANENT:  # the mailbox cannot be written: a bounce
                self.spool.journal(env.id, rcpt, "failed")
                self.log(f"{env.id} ** {rcpt} R={found.router} T={found.transport}: {why}")
                return "failed", why
            self.log(f"{env.id} == {rcpt} R={found.router} T={found.transport} defer "
                     f"({e.errno}): {e.strerror}")
            return "deferred", why
        local = rcpt.rpartition("@")[0]
        self.log(f"{env.id} => {local} <{rcpt}> R={found.router} T={found.transport}")
        return "delivered", ""

    # -- notifications (acl.spool.dsn) -----------------------------------------

    def notify(self, env: Envelope, data: bytes, succeeded: list[str],
               failed: list[tuple[str, str]], deferred: list[tuple[str, str]]) -> None:
        """Queue the DSNs this attempt calls for: success for NOTIFY=SUCCESS,
        failure unless NOTIFY excludes it, a delay warning each time the
        message passes a delay_warning time (as Exim counts them)."""
        dsn = env.dsn or {}
        ok = [r for r in succeeded if "SUCCESS" in notify_of(dsn, r)]
        bad = [(r, why) for r, why in failed if "FAILURE" in notify_of(dsn, r)]
        late: list[tuple[str, str]] = []
        shown = 0
        # Exim asks only the first deferred recipient's NOTIFY; the warning,
        # once sent, names every deferred recipient whatever theirs.
        if deferred and "DELAY" in notify_of(dsn, deferred[0][0]):
            count, shown = warning_due(_delay_warnings(self.config),
                                       int(time.time() - env.received))
            done = [int(v) for v in self.spool.journaled(env.id, ("warned",)) if v.isdigit()]
            if count > max(done, default=0):
                late = deferred
                self.spool.journal(env.id, str(count), "warned")
        if not (ok or bad or late):
            return
        if not env.sender:  # never a report about a report
            self.log(f"{env.id} no DSN for a message with a null sender")
            return
        ctx = self.context(env)
        host = _var(ctx, "primary_hostname")
        frm = _dsn_from(ctx)
        now = time.time()
        reports = []
        if ok:
            reports.append(spool_dsn.success(env, dsn, ok, data, frm=frm, host=host, now=now))
        if bad:
            reports.append(spool_dsn.failure(env, dsn, bad, data, frm=frm, host=host, now=now))
        if late:
            reports.append(spool_dsn.delay(env, dsn, late, data, frm=frm, host=host, now=now,
                                           waited=spool_dsn.delay_words(shown)))
        for report in reports:
            self.queue_report(env, report, host, now)

    def queue_report(self, env: Envelope, report: spool_dsn.Report, host: str,
                     now: float) -> None:
        """Spool a report as a new local message from <> (left queued: its
        delivery is a later queue run's)."""
        import getpass

        from acl.builtins.variables import tod_full
        from acl.builtins.variables import localhost_number
        from acl.runtime.context import ExpansionContext
        from acl.smtp.logs import message_id

        number = localhost_number(ExpansionContext(config=self.config))
        mid = message_id(now, host=number)
        for _ in range(1000):  # a fresh id (another report may have taken it)
            if not self.spool.exists(mid):
                break
            now += 0.0005 if number is None else 0.005
            mid = message_id(now, host=number)
        date = tod_full(time.localtime(now))
        user = getpass.getuser()
        head, _, body = report.data.partition(b"\n\n")
        text = (f"Received: from {user} by {host} with local (Exim 4.96)\n\tid {mid}\n"
                f"\tfor {report.recipient};\n\t{date}\n").encode()
        message = (text + head + f"\nMessage-Id: <E{mid}@{host}>\nDate: {date}\n\n".encode()
                   + body)
        rep = Envelope(id=mid, sender="", recipients=[report.recipient], received=now,
                       protocol="local", size=len(message), queued=True, dsn={})
        try:
            self.spool.store(rep, message)
        except SpoolError as e:
            self.log(f"{env.id} {report.kind} DSN not spooled: {e}")
            return
        self.log(f"{mid} <= <> R={env.id} U={user} P=local S={len(message)}")


# errno values for which a Maildir delivery can never succeed as configured.
_PERMANENT = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR}


def _var(ctx: Any, name: str) -> str:
    return ctx.registry.variables[name].getter(ctx) or ""


def _dsn_from(ctx: Any) -> str:
    """dsn_from, expanded; Exim's default when unset or when it fails."""
    from acl.expansion import expand

    raw = ctx.option("dsn_from", None) or "Mail Delivery System <Mailer-Daemon@$qualify_domain>"
    try:
        return expand(str(raw), ctx)
    except AclError:
        return f"Mail Delivery System <Mailer-Daemon@{_var(ctx, 'qualify_domain')}>"


def _delay_warnings(config: Any) -> list[int]:
    """delay_warning's times in seconds (empty, or a zero first: never)."""
    raw = (getattr(config, "options", None) or {}).get("delay_warning")
    if raw is None:
        raw = "24h"
    items = raw if isinstance(raw, list) else str(raw).split(":")
    times = [v if isinstance(v, int) else parse_time(str(v).strip()) for v in items[:10]]
    return [] if not times or times[0] <= 0 else times


def warning_due(times: list[int], age: int) -> tuple[int, int]:
    """How many warnings a message ``age`` seconds old should have had by now,
    and the delay the last of them reports: past the list, the last gap
    between its times (or its only time) repeats."""
    count = 0
    while count < len(times) and age >= times[count]:
        count += 1
    if count == 0:
        return 0, 0
    shown = times[count - 1]
    if count == len(times):
        gap = shown - (times[-2] if count > 1 else 0)
        if gap > 0:
            extra = (age - shown) // gap
            shown, count = shown + gap * extra, count + extra
    return count, shown


_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_time(text: str) -> int:
    """Exim's time value (1d2h30m, plain seconds); 0 when unreadable."""
    total, num = 0, ""
    for ch in text[:64]:
        if ch.isdigit():
            num += ch
        elif ch in _UNIT and num:
            total, num = total + int(num) * _UNIT[ch], ""
        else:
            return 0
    return total + (int(num) if num else 0)
