"""Address signing: BATV (``${prvs}``, ``${prvscheck}``) and SRS
(``${srs_encode}``, the ``inbound_srs`` condition), with Exim's day numbering."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from acl.builtins.items._util import set_var, to_bytes, too_few, too_many
from acl.builtins.items.address import AddressError, extract_address
from acl.builtins.registry import ItemCall, condition, item
from acl.runtime import regex as rx
from acl.runtime.values import like

DAY = 86400


def _today(ctx: Any) -> int:
    return int(ctx.clock()) // DAY


# ---- BATV


def prvs_daystamp(ctx: Any, day_offset: int) -> str:
    """The last three digits of the day number ``day_offset`` days from now."""
    days = str(_today(ctx) + day_offset)
    return days[-3:] if len(days) >= 3 else "100"


def prvs_hmac_sha1(address: str, key: str, key_num: str | None, daystamp: str) -> str | None:
    """The six hex digits of the tag; None for a key longer than 64 bytes (Exim
    refuses to hash such keys down)."""
    k = to_bytes(key)
    if len(k) > 64:
        return None
    text = to_bytes((key_num or "0")[:1] + daystamp[:3] + address)
    return hmac.new(k, text, hashlib.sha1).hexdigest()[:6]


@item("prvs", args=(2, 3))
def prvs(ctx: Any, call: ItemCall) -> str:
    """A BATV prvs-signed address, valid for seven days."""
    subs = [a.expand(ctx) for a in call.args]
    address, secret = subs[0], subs[1]
    key_num = subs[2] if len(subs) > 2 else None
    at = address.rfind("@")
    if at <= 0 or at == len(address) - 1:
        raise call.error("prvs first argument must be a qualified email address")
    if key_num is not None and (len(key_num) != 1 or not key_num.isdigit()):
        raise call.error("prvs third argument must be a single digit")
    stamp = prvs_daystamp(ctx, 7)
    tag = prvs_hmac_sha1(address, secret, key_num, stamp)
    if tag is None:
        raise call.error("prvs hmac-sha1 conversion failed")
    return like(f"prvs={key_num or '0'}{stamp}{tag}={address}", address)


_PRVS_RE = r"^prvs\=([0-9])([0-9]{3})([A-F0-9]{6})\=(.+)\@(.+)$"


@item("prvscheck", args=(1, 64))
def prvscheck(ctx: Any, call: ItemCall) -> str:
    """Check a prvs-signed address; the decoded address (or the third string).
    Sets $prvscheck_result ("1" when valid); $prvscheck_address and
    $prvscheck_keynum are visible to the second and third strings only."""
    args, n = call.args, len(call.args)
    for name in ("prvscheck_result", "prvscheck_address", "prvscheck_keynum"):
        set_var(ctx, name, None)
    subject = args[0].expand(ctx)
    m = rx.search(rx.compile_regex(_PRVS_RE, caseless=True), subject, ctx)
    if m is None:
        # Not a prvs address: the other strings are still expanded, result empty.
        if n < 2:
            raise call.error(too_few("prvscheck", 1))
        for a in args[1:3]:
            a.expand(ctx)
        if n > 3:
            raise call.error(too_many("prvscheck", 2))
        return ""
    rx.set_captures(ctx, m)
    key_num, daystamp, tag, local, domain = m.groups()
    address = like(f"{local}@{domain}", subject)
    set_var(ctx, "prvscheck_address", address)
    set_var(ctx, "prvscheck_keynum", key_num)
    if n < 2:
        raise call.error(too_few("prvscheck", 1))
    secret = args[1].expand(ctx)
    computed = prvs_hmac_sha1(address, secret, key_num, daystamp)
    if computed is None:
        raise call.error("hmac-sha1 conversion failed")
    if computed == tag:
        inow, iexpire = int(prvs_daystamp(ctx, 0)), int(daystamp)
        if iexpire < 7 and inow >= 993:  # the three-digit day number wrapped
            inow = 0
        if iexpire >= inow:
            set_var(ctx, "prvscheck_result", "1")
    result = args[2].expand(ctx) if n > 2 else ""
    if n > 3:
        raise call.error(too_many("prvscheck", 1))
    set_var(ctx, "prvscheck_address", None)
    set_var(ctx, "prvscheck_keynum", None)
    return result or address


# ---- SRS

BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def hmac_md5_prefix(key: str, text: str, n: int = 4) -> str:
    return hmac.new(to_bytes(key), to_bytes(text), hashlib.md5).hexdigest()[:n]


def srs_timestamp(ctx: Any) -> str:
    i = _today(ctx) & 0x3FF
    out = ""
    while i:
        out = BASE32[i & 0x1F] + out
        i >>= 5
    return out


def _dequote(s: str) -> str:
    return s.replace('"', "")


@item("srs_encode", args=(3, 3))
def srs_encode(ctx: Any, call: ItemCall) -> str:
    """SRS0-encode a return path into a local part at the forwarding domain."""
    secret, return_path, orig_domain = (a.expand(ctx) for a in call.args)
    if not return_path:
        return ""
    cksum = hmac_md5_prefix(secret, return_path.lower())
    try:
        address, dom = extract_address(return_path)
    except AddressError as exc:
        raise call.error(str(exc)) from None
    local = address[: dom - 1] if dom else address
    quoted = '"' in local
    if quoted:
        local = _dequote(local)
    encoded = f"SRS0={cksum}={srs_timestamp(ctx)}={address[dom:] if dom else ''}={local}"
    if quoted:
        encoded = f'"{encoded}"'
    return like(f"{encoded}@{orig_domain}", return_path, orig_domain)


_SRS_RE = r"^SRS0=([^=]+)=([A-Z2-7]{2})=([^=]*)=(.*)$"
_NEEDS_QUOTES = set(' ()<>@,;:\\"[]')


@condition("inbound_srs", nargs=2)
def inbound_srs(ctx: Any, local_part: str, secret: str) -> bool:
    """True for a valid SRS0 local part (any SRS0 form when the secret is empty);
    sets $srs_recipient to the decoded address whenever the form matches."""
    m = rx.search(rx.compile_regex(_SRS_RE, caseless=True), local_part, ctx)
    if m is None:
        return False
    cksum, stamp, domain, local = m.groups()
    if any(c in _NEEDS_QUOTES or ord(c) < 32 or c == "\x7f" for c in local):
        local = f'"{local}"'
    recipient = like(f"{local}@{domain}", local_part)
    set_var(ctx, "srs_recipient", recipient)
    if not secret:
        return True
    then = 0
    for c in stamp:
        idx = BASE32.find(c)
        if idx < 0:  # upper case: Exim's decoding goes astray and rejects
            return False
        then = then * 32 + idx
    if (_today(ctx) - then) & 0x3FF > 10:
        return False
    if len(cksum) != 4:
        return False
    return hmac_md5_prefix(secret, recipient) == cksum
