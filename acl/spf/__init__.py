"""SPF as Exim 4.96 has it (the ``spf`` and ``spf_guess`` ACL conditions and
the ``$spf_*`` variables), evaluated by pyspf with DNS through acl.dns.
See docs/SPF.md."""

from __future__ import annotations

from acl.spf.process import Outcome, evaluate, matches, spf_process

__all__ = ["Outcome", "evaluate", "matches", "spf_process"]
