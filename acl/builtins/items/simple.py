"""Small items: ``${acl}``, ``${authresults}``, ``${env}``, ``${hmac}``,
``${listquote}``, and the two that this build cannot offer (``${dlfunc}``,
``${perl}``)."""

from __future__ import annotations

import hashlib
import hmac as _hmac
import os
from typing import Any

from acl.builtins.items._util import to_bytes
from acl.builtins.registry import ItemCall, item
from acl.errors import ForcedFail
from acl.runtime import regex as rx
from acl.runtime.values import join, like

# ---- ${acl{name}{arg}...}

# What the ACL runner may answer, mapped to Exim's return-code names.
_RC_NAMES = {
    "accept": "OK", "ok": "OK", "deny": "FAIL", "fail": "FAIL", "defer": "DEFER",
    "error": "ERROR", "discard": "DISCARD", "drop": "FAIL_DROP", "fail_drop": "FAIL_DROP",
}


@item("acl", args=(1, 10))
def acl_item(ctx: Any, call: ItemCall) -> str:
    """Run a named ACL with up to nine arguments ($acl_arg1...); the result is the
    message it set when it accepts or denies."""
    subs = [a.expand(ctx) for a in call.args]
    runner = ctx.acl_runner
    if runner is None:
        raise call.error(f'cannot run ACL "{subs[0]}": no ACL engine is attached to this expansion')
    verb, message = runner(subs[0], subs[1:])
    rc = _RC_NAMES.get(str(verb).lower(), str(verb).upper())
    if rc in ("OK", "FAIL"):
        return message or ""
    text = f'{rc} from acl "{subs[0]}"'
    if rc == "DEFER":
        raise ForcedFail(text, call.span)
    raise call.error(text)


# ---- ${authresults{authserv-id}}


def _v(ctx: Any, name: str) -> str:
    return ctx.variables.get(name) or ""


def _authres_iprev(ctx: Any) -> str:
    name, addr = _v(ctx, "sender_host_name"), _v(ctx, "sender_host_address")
    ip = f" smtp.remote-ip={addr}" if addr else ""
    if name:
        return f";\n\tiprev=pass ({name}){ip}"
    if _v(ctx, "host_lookup_deferred") == "1":
        return f";\n\tiprev=temperror{ip}"
    if _v(ctx, "host_lookup_failed") == "1":
        return f";\n\tiprev=fail{ip}"
    return ""


def _authres_smtpauth(ctx: Any) -> str:
    pubname = _v(ctx, "sender_host_authenticated")
    if not pubname:
        return ""
    auth_id, sender = _v(ctx, "authenticated_id"), _v(ctx, "authenticated_sender")
    out = f";\n\tauth=pass ({pubname}"
    if pubname == "tls":
        out += f") x509.auth={auth_id}" if auth_id else ") reason=x509.auth"
    else:
        out += f") smtp.auth={auth_id}" if auth_id else ", no id saved)"
    if sender:
        out += f" smtp.mailfrom={sender}"
    return out


def _authres_spf(ctx: Any) -> str:
    result = _v(ctx, "spf_result")
    if not result:
        return ""
    out = f";\n\tspf={result}"
    if ctx.extra.get("spf_result_guessed"):
        out += " (best guess record for domain)"
    domain, helo = _v(ctx, "sender_address_domain"), _v(ctx, "sender_helo_name")
    if domain:
        return out + f" smtp.mailfrom={domain}"
    return out + (f" smtp.helo={helo}" if helo else " smtp.mailfrom=<>")


@item("authresults", args=(1, 1))
def authresults(ctx: Any, call: ItemCall) -> str:
    """An Authentication-Results: header line for the checks this session made."""
    servid = call.args[0].expand(ctx)
    parts = ["Authentication-Results: ", servid]
    if ctx.extra.get("authentication_local"):
        parts.append(f";\n\tlocal=pass (non-smtp, {servid})")
    parts += [_authres_iprev(ctx), _authres_smtpauth(ctx), _authres_spf(ctx)]
    # DKIM verification results, when the DKIM module recorded them as text.
    parts.extend(ctx.extra.get("authres_dkim", ()))
    # The DMARC result, once the dmarc_status condition has evaluated the message.
    if dmarc := ctx.extra.get("authres_dmarc"):
        parts.append(dmarc)
    return join(parts)


# ---- ${env{name}{yes}{no}}


def _kept(name: str, patterns: list[str]) -> bool:
    """Exim's string-list match: ^regex, *suffix, or the exact name."""
    for p in patterns:
        if p.startswith("^"):
            if rx.search(rx.compile_regex(p), name):
                return True
        elif p.startswith("*"):
            if name.endswith(p[1:]):
                return True
        elif p == name:
            return True
    return False


def environment(ctx: Any) -> dict[str, str]:
    """Exim's environment after ``keep_environment`` and ``add_environment``:
    without ``keep_environment`` everything is dropped. ``ctx.extra["environment"]``
    overrides the whole computation (tests, embedding applications)."""
    env = ctx.extra.get("environment")
    if env is not None:
        return dict(env)
    from acl.expansion.runtime import list_items

    keep = ctx.option("keep_environment")
    out: dict[str, str] = {}
    if keep:
        patterns = list_items(ctx, str(keep))
        out = {k: v for k, v in os.environ.items() if _kept(k, patterns)}
    add = ctx.option("add_environment")
    if add:
        for entry in list_items(ctx, str(add)):
            name, eq, value = entry.partition("=")
            if eq:
                out[name] = value
    return out


@item("env", args=(1, 3))
def env_item(ctx: Any, call: ItemCall) -> str:
    """An environment variable, with the optional yes/no strings."""
    key = call.args[0].expand(ctx).strip()
    value = environment(ctx).get(key)
    return call.yes_no(ctx, value is not None, value, 1)


# ---- ${hmac{md5|sha1}{secret}{text}}

_HMAC_ALGOS = {"md5": hashlib.md5, "sha1": hashlib.sha1}


@item("hmac", args=(3, 3))
def hmac_item(ctx: Any, call: ItemCall) -> str:
    """RFC 2104 HMAC of the text with the secret, as lower-case hex."""
    algo, secret, text = (a.expand(ctx) for a in call.args)
    digest = _HMAC_ALGOS.get(algo)
    if digest is None:
        raise call.error(f'hmac algorithm "{algo}" is not recognised')
    return _hmac.new(to_bytes(secret), to_bytes(text), digest).hexdigest()


# ---- ${listquote{sep}{string}}


@item("listquote", args=(2, 2))
def listquote(ctx: Any, call: ItemCall) -> str:
    """The string made safe as one list element: separators doubled, and an
    empty string turned into a single space."""
    sep_s, s = (a.expand(ctx) for a in call.args)
    if not s:
        return " "
    if not sep_s:
        return s
    sep = sep_s[0]
    return like(s.replace(sep, sep + sep), s)


# ---- items this build does not provide


@item("dlfunc", args=(2, 10))
def dlfunc(ctx: Any, call: ItemCall) -> str:
    """Not available: exim-acl does not load C shared objects."""
    for a in call.args:
        a.expand(ctx)
    raise call.error("${dlfunc} is not supported by exim-acl (no dynamically loaded C functions)")


@item("perl", args=(1, 9))
def perl(ctx: Any, call: ItemCall) -> str:
    """Not available: exim-acl has no embedded Perl interpreter."""
    for a in call.args:
        a.expand(ctx)
    raise call.error("${perl} is not supported by exim-acl (no embedded Perl interpreter)")


