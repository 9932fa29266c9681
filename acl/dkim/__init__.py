"""DKIM verification as Exim 4.96 offers it to ACLs (see docs/DKIM.md).

The SMTP dialogue, once a message is received and before the DATA ACL::

    sigs = acl.dkim.verify_message(ctx, raw_bytes, controls=policy.controls)
    verdict = acl.dkim.run_dkim_acl(engine, ctx, sigs, run=lambda: policy.run("dkim"))
"""

from __future__ import annotations

from acl.dkim.acl import (
    AuthResults, disabled, log_lines, overall_domain, reset, run_dkim_acl, signature_values, verify_message,
)
from acl.dkim.signature import Ext, Signature, Status

__all__ = ["AuthResults", "Ext", "Signature", "Status", "disabled", "log_lines", "overall_domain", "reset",
           "run_dkim_acl", "signature_values", "verify_message"]
