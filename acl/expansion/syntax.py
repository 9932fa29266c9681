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


# ---- the brace arguments of Exim's items, as its parser checks them

# Items read by Exim's generic argument reader: name -> (max, min) arguments.
SUBS_ITEMS: dict[str, tuple[int, int]] = {
    "acl": (10, 1), "authresults": (1, 1), "dlfunc": (10, 2), "hash": (3, 2), "hmac": (3, 3),
    "imapfolder": (3, 1), "length": (2, 2), "listquote": (2, 2), "nhash": (3, 2), "perl": (9, 1),
    "prvs": (3, 2), "prvscheck": (3, 1), "readfile": (2, 1), "readsocket": (5, 2), "sg": (3, 3),
    "srs_encode": (3, 3), "substr": (3, 2), "tr": (3, 3),
}
# Items with their own reader: the names Exim gives the required arguments (its
# "missing '{' for ... arg" message), then whether a {yes}{no} tail follows.
_NAMED_ARGS: dict[str, tuple[tuple[str, ...], bool]] = {
    "extract": (("arg 1", "arg 2"), True),
    "listextract": (("arg 1", "arg 2"), True),
    "map": (("first arg", "last arg"), False),
    "filter": (("first arg", "last arg"), False),
    "reduce": (("first arg", "second arg", "last arg"), False),
    "sort": (("list arg", "comparator arg", "extractor arg"), False),
    "run": (("command arg",), True),
    "env": (("",), True),
    "certextract": (("field arg", "cert variable arg"), True),
}
ITEM_NAMES = frozenset(SUBS_ITEMS) | frozenset(_NAMED_ARGS) | {"if", "lookup"}


def _missing(name: str, what: str) -> str:
    return f"missing '{{' for {what} of {name}" if what else ""


def item_error(name: str, nargs: int, stop: str, remaining: str = "", required: int | None = None) -> str | None:
    """Exim's message for item ``name`` after ``nargs`` brace arguments, when the
    next character is ``stop`` ("}" closes the item, "" is the end of the string,
    anything else is stray text; ``remaining`` is the text from there). None when
    Exim accepts it. ``required`` overrides the count of required arguments
    (extract needs three when its first one is a number)."""
    subs = SUBS_ITEMS.get(name)
    if subs is not None:
        most, least = subs
        if name == "readsocket" and (nargs > most or (nargs == most and stop != "}")):
            return "missing '}' closing readsocket"  # Exim reads the fail string by hand
        if name == "prvscheck" and nargs > most and stop == "}":
            return None  # the count Exim states depends on the address: the item says it
        if nargs < least:
            return f"Not enough arguments for '{name}' (min is {least})"
        if nargs > most or (stop == "{" and nargs == most):
            return f"Too many arguments for '{name}' (max is {most})"
        if stop != "}":
            return f"missing '}}' after '{name}'"
        return None
    named = _NAMED_ARGS.get(name)
    if named is None:
        return None
    whats, tail = named
    need = required if required is not None else len(whats)
    if nargs < need:
        what = whats[nargs] if nargs < len(whats) else f"arg {nargs + 1}"
        return _missing(name, what)
    if not tail:
        return None if stop == "}" and nargs == need else f'missing }} at end of "{name}"'
    extra = nargs - need
    if stop == "}" and extra <= 2:
        return None
    if extra == 0:
        return ("curly-bracket problem in conditional yes/no parsing: 'yes' part did not start with '{'\n"
                f" remaining string is '{remaining}'")
    if extra == 1:
        return f'syntax error in "{name}" item - "fail" expected'
    return ("curly-bracket problem in conditional yes/no parsing: did not close with '}'\n"
            f" remaining string is '{remaining}'")
