"""Facts about Exim's expansion syntax shared by the parser and the evaluator."""

from __future__ import annotations

# Number of brace arguments of each ${if} condition that takes plain strings.
# The parser needs them to tell condition arguments from the yes/no strings.
_COND_ARGS: dict[str, int] = {
    "<": 2, "<=": 2, "=": 2, "==": 2, ">": 2, ">=": 2,
    "bool": 1, "bool_lax": 1, "crypteq": 2, "eq": 2, "eqi": 2, "exists": 1,
    "first_delivery": 0, "ge": 2, "gei": 2, "gt": 2, "gti": 2, "inbound_srs": 2,
    "inlist": 2, "inlisti": 2, "isip": 1, "isip4": 1, "isip6": 1, "ldapauth": 1,
    "le": 2, "lei": 2, "lt": 2, "lti": 2, "match": 2, "match_address": 2,
    "match_domain": 2, "match_ip": 2, "match_local_part": 2, "pam": 1,
    "queue_running": 0, "radius": 1,
}


class _CondArgs:
    """Exim's fixed table, then whatever the registry adds."""

    def get(self, name: str) -> int | None:
        n = _COND_ARGS.get(name)
        if n is not None:
            return n
        from acl.builtins.registry import REGISTRY

        spec = REGISTRY.conditions.get(name)
        return spec.nargs if spec is not None else None


COND_ARGS = _CondArgs()

_ORD = {1: "1st", 2: "2nd", 3: "3rd"}


def ordinal(n: int) -> str:
    return _ORD.get(n, f"{n}th")
