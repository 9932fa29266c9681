"""The ``dkim_signers`` and ``dkim_status`` ACL conditions (DKIM ACL only):
string lists matched caselessly against $dkim_cur_signer and against each
item of $dkim_verify_status."""

from __future__ import annotations

from typing import Any

from acl.engine.verdict import Result
from acl.runtime.lists_split import iter_list


def _match(frame: Any, subject: str, arg: str) -> Result:
    from acl.engine.conditions import _list_match
    from acl.runtime.lists import match_domain

    ctx = frame.state.ctx
    return _list_match(frame, lambda: match_domain(ctx, subject, arg, data_var=None))


def dkim_signers(frame: Any, cb: Any, arg: str) -> Result:
    signer = frame.state.ctx.variables.get("dkim_cur_signer")
    return _match(frame, signer, arg) if signer else Result.FAIL


def dkim_status(frame: Any, cb: Any, arg: str) -> Result:
    status = frame.state.ctx.variables.get("dkim_verify_status") or "none"
    rc = Result.FAIL
    for item in list(iter_list(status))[:1000]:
        rc = _match(frame, item, arg)
        if rc is Result.OK:
            break
    return rc
