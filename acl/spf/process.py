"""Exim's spf_process(): run the check (once per identity: later conditions
reuse the outcome), set the $spf_* variables, and match the outcome against
the condition's list of result names."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import spf

from acl.runtime.lists import iter_list
from acl.runtime.values import TaintedStr
from acl.spf import texts
from acl.spf.resolver import resolving_for

DEFAULT_GUESS = "v=spf1 a/24 mx/24 ptr ?all"
DEFAULT_TEMPLATE = "Please%_see%_http://www.open-spf.org/Why"
INVALID = "(invalid)"  # libspf2's name of result 0; the list item for it is "invalid"
_CACHE_KEY = "spf.results"
_CACHE_MAX = 64
_LIST_MAX = 1000  # items examined in one condition's list
RESULT_NAMES = ("invalid", "neutral", "pass", "fail", "softfail", "none", "temperror", "permerror")
# The 4.83-era names (Exim's spf.c of that time: err_temp = 6 = temperror,
# err_perm = 7 = permerror; the seed's text swaps their descriptions). Exim 4.96
# dropped them, so there they silently match nothing; the project keeps seed
# names working (DIVERGENCES.md) and the linter suggests the current ones.
OLD_NAMES = {"err_perm": "permerror", "err_temp": "temperror"}


@dataclass(frozen=True)
class Outcome:
    result: str  # pass, fail, softfail, neutral, none, permerror, temperror
    header_comment: str
    received: str
    smtp_comment: str
    explanation: str  # the domain's own explanation (exp=), which Exim does not show


def _client_ip(ip: str) -> str:
    try:
        return str(ipaddress.ip_address(ip.split("%")[0]))
    except ValueError:
        return ip


def _template(ctx: Any) -> str:
    """spf_smtp_comment_template, expanded as an Exim string."""
    from acl.expansion import expand

    return expand(ctx.option("spf_smtp_comment_template", None) or DEFAULT_TEMPLATE, ctx)


def evaluate(ctx: Any, sender: str, helo: str, ip: str, record: str | None = None) -> Outcome:
    """One SPF check of ``sender`` (the HELO name when empty) from ``ip``;
    ``record`` replaces the domain's own record (best guess)."""
    receiver = ctx.option("primary_hostname", None) or ctx.variables.get("primary_hostname") or ""
    client = _client_ip(ip)
    try:
        q = spf.query(i=client, s=sender, h=helo, receiver=receiver)
    except spf.PermError as e:
        return _outcome("permerror", receiver, sender or helo, client, sender, helo, str(e))
    with resolving_for(ctx):
        result, _code, explanation = q.check(spf=record)
    if result == "ambiguous":
        result = "permerror"
    env_from = sender or f"postmaster@{helo}"
    domain = q.o
    comment = texts.header_comment(result, receiver, domain, client, getattr(q, "prob", "") or "")
    smtp = ""
    if result in texts.SMTP_COMMENT_RESULTS:
        smtp = texts.smtp_comment(result, q.expand(_template(ctx), stripdot=False), bool(q.mechanism))
    return Outcome(result, comment, texts.received_spf(result, comment, client, env_from, helo),
                   smtp, explanation)


def _outcome(result: str, receiver: str, domain: str, ip: str, sender: str, helo: str,
             problem: str) -> Outcome:
    comment = texts.header_comment(result, receiver, domain.rpartition("@")[2], ip, problem)
    return Outcome(result, comment, texts.received_spf(result, comment, ip, sender, helo), "", "")


def _cached(ctx: Any, sender: str, helo: str, ip: str, record: str | None) -> Outcome:
    cache = ctx.extra.setdefault(_CACHE_KEY, {})
    key = (record, sender, helo, ip)
    hit = cache.get(key)
    if hit is None:
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        hit = cache[key] = evaluate(ctx, sender, helo, ip, record)
    return hit  # type: ignore[no-any-return]


def _publish(ctx: Any, out: Outcome, guessed: bool) -> None:
    v = ctx.variables
    v["spf_result"] = TaintedStr(out.result)
    v["spf_header_comment"] = TaintedStr(out.header_comment)
    v["spf_received"] = TaintedStr(out.received)
    v["spf_smtp_comment"] = TaintedStr(out.smtp_comment)
    ctx.extra["spf.explanation"] = out.explanation
    if guessed:  # Exim never sets it back to "no" within a process
        v["spf_result_guessed"] = "yes"
        ctx.extra["spf_result_guessed"] = True


def matches(result: str, names: str) -> bool:
    """The list is read left to right; the first item that holds decides."""
    name = "invalid" if result == INVALID else result
    for count, item in enumerate(iter_list(names)):
        if count >= _LIST_MAX:
            break
        negate = item.startswith("!")
        if negate:
            item = item[1:]
        item = OLD_NAMES.get(item, item)
        if negate != (item == name):
            return True
    return False


def spf_process(ctx: Any, names: str, *, guess: bool = False) -> bool:
    """The ``spf`` (``spf_guess`` when ``guess``) condition with its expanded list."""
    v = ctx.variables
    ip, helo = v.get("sender_host_address") or "", v.get("sender_helo_name") or ""
    sender = v.get("sender_address") or ""
    if not ip or not helo:
        # Exim sets up SPF at HELO/EHLO: without it the outcome is permerror
        # and the variables are left alone.
        return matches("permerror", names)
    out = _cached(ctx, sender, helo, ip, None)
    _publish(ctx, out, False)
    if guess and out.result == "none":
        record = ctx.option("spf_guess", None) or DEFAULT_GUESS
        out = _cached(ctx, sender, helo, ip, record)
        _publish(ctx, out, True)
    return matches(out.result, names)
