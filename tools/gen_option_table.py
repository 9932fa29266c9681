#!/usr/bin/env python3
"""Generate acl/config/option_table.py: every option Exim 4.96 knows, with its type.

Names come from the oracle's built-in ``_OPT_*`` macros (``exim -bP macros``), which
list exactly the options the binary accepts, per section and per driver. Types come
from the manual's OptionLists.txt; the few options missing there get the type that
``exim -bP`` suggests (``no_x`` means boolean). Options of drivers this build lacks
(gsasl, heimdal_gssapi) are taken from OptionLists.txt alone.

Run: python3 tools/gen_option_table.py [path/to/OptionLists.txt]  (needs /usr/sbin/exim)
"""

from __future__ import annotations

import pprint
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "acl" / "config" / "option_table.py"
OPTION_LISTS = Path("/work/shared/reference/exim-4.96/OptionLists.txt")

TYPE_WORDS = {
    "boolean": "bool", "bool": "bool", "boolean*": "expand_bool",
    "string": "string", "string*": "string",
    "integer": "int", "int": "int", "integer*": "string",
    "octal-integer": "octint", "fixed-point": "fixed",
    "time": "time", "time list": "timelist",
    "string list": "stringlist", "string list*": "stringlist",
    "host list": "hostlist", "host list*": "hostlist", "host_list": "hostlist",
    "domain list": "domainlist", "address list": "addresslist",
}
TYPE_RE = re.compile(r"^(\S+)\s+(" + "|".join(
    re.escape(t) for t in sorted(TYPE_WORDS, key=len, reverse=True)) + r")(\s|$)(.*)")
DEFAULT_DRIVER = {"routers": "accept", "transports": "pipe", "authenticators": "plaintext"}
CLASSES = {"ROUTER": "routers", "TRANSPORT": "transports", "AUTHENTICATOR": "authenticators"}


def exim(*args: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        return subprocess.run(["exim", "-C", f.name, *args], capture_output=True,
                              text=True, check=False).stdout


PROBE_TYPES = [("is not a valid value", "bool"), ("octal integer expected", "octint"),
               ("integer expected", "int"), ("invalid time value", "time"),
               ("fixed-point number expected", "fixed")]


def probe_type(prefix: str, name: str, listed: str) -> str:
    """Ask the oracle what it makes of a nonsense value: the error names the type."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        f.write(f"{prefix}{name} = zzz!\n")
        f.flush()
        err = subprocess.run(["exim", "-C", f.name, "-bV"], capture_output=True,
                             text=True, check=False).stderr
    if listed == "timelist":
        return listed
    for needle, typ in PROBE_TYPES:
        if needle in err:
            if typ == "int" and "time" in listed:
                return listed  # a time list reports integer errors too
            return typ
    if "boolean option" in err:
        return "bool"
    return listed if listed not in ("bool", "int", "octint", "time", "fixed") else "string"


def read_option_lists(path: Path) -> dict[tuple[str, str], str]:
    """(name, where) -> type, where is main/routers/transports/authenticators or a driver."""
    text = path.read_text(encoding="utf-8", errors="replace")
    body = text.split("-" * 80, 1)[1].split("\n2. COMMAND LINE OPTIONS")[0]
    wheres = r"(main|routers|transports|authenticators|[a-z_]+(?:,[a-z_]+)*)(?: \(auth\))?"
    found: dict[tuple[str, str], str] = {}
    name = typ = ""
    for line in body.splitlines():
        line = line.expandtabs(8)
        m = TYPE_RE.match(line)
        if m:
            name, typ, rest = m.group(1), TYPE_WORDS[m.group(2)], m.group(4)
        elif line.startswith(" ") and name:
            rest = line
        else:
            continue
        # the place column is the last word before the version number (or line end)
        mm = re.search(r"\s" + wheres + r"\s+(?:\d\.\d|$)", rest + " ") or \
            re.search(r"\s" + wheres + r"\s*$", rest)
        if mm:
            for w in mm.group(1).split(","):
                found[(name, w)] = typ
    return found


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else OPTION_LISTS
    listed = read_option_lists(src)
    macros_text = exim("-bP", "macros")
    builtin = [tuple(l.split("=", 1)) for l in macros_text.splitlines() if "=" in l]
    drivers: dict[str, list[str]] = {c: [] for c in CLASSES.values()}
    for name, _ in builtin:
        m = re.fullmatch(r"_DRIVER_(ROUTER|TRANSPORT|AUTHENTICATOR)_(\w+)", name)
        if m:
            drivers[CLASSES[m.group(1)]].append(m.group(2).lower())
    main_bp = {}
    for l in exim("-bP").splitlines():
        key = l.split(" = ")[0].strip()
        main_bp[key[3:] if key.startswith("no_") else key] = l
    table: dict[str, dict[str, str]] = {"main": {}, **{c: {} for c in CLASSES.values()}}
    private: dict[str, dict[str, dict[str, str]]] = {c: {} for c in CLASSES.values()}
    for name, _ in builtin:
        m = re.fullmatch(r"_OPT_(MAIN|ROUTERS|TRANSPORTS|AUTHENTICATORS)_(\w+)", name)
        if m:
            where = m.group(1).lower()
            opt = m.group(2).lower()
            typ = listed.get((opt, where))
            if typ is None:  # not in OptionLists.txt: guess from -bP's rendering
                shown = main_bp.get(opt, "")
                typ = "bool" if shown and " = " not in shown else \
                    "time" if re.search(r"= \d+[smhdw]$", shown) else "string"
            prefix = "" if where == "main" else \
                f"begin {where}\nx:\n  driver = {DEFAULT_DRIVER[where]}\n  "
            table[where][opt] = probe_type(prefix, opt, typ)
            continue
        m = re.fullmatch(r"_OPT_(ROUTER|TRANSPORT|AUTHENTICATOR)_(\w+)", name)
        if m:
            cls = CLASSES[m.group(1)]
            rest = m.group(2).lower()
            drv = max((d for d in drivers[cls] if rest.startswith(d + "_")), key=len)
            opt = rest[len(drv) + 1:]
            prefix = f"begin {cls}\nx:\n  driver = {drv}\n  "
            private[cls].setdefault(drv, {})[opt] = probe_type(
                prefix, opt, listed.get((opt, drv), "string"))
    for drv in drivers["authenticators"]:
        private["authenticators"].setdefault(drv, {})
    for drv in drivers["routers"]:
        private["routers"].setdefault(drv, {})
    # drivers this build lacks, known from the manual only
    unavailable: dict[str, dict[str, str]] = {}
    for (opt, where), typ in listed.items():
        if where in ("gsasl", "heimdal_gssapi"):
            unavailable.setdefault(where, {})[opt] = typ
    for k in private:
        private[k] = {d: dict(sorted(o.items())) for d, o in sorted(private[k].items())}
    out = [
        '"""Generated by tools/gen_option_table.py from OptionLists.txt and the oracle\'s',
        "built-in macros; do not edit by hand. Types: bool, expand_bool, string, int, octint,",
        'fixed, time, timelist, stringlist, hostlist, domainlist, addresslist."""',
        "",
        "# main, and the generic options of routers/transports/authenticators",
        f"GENERIC: dict[str, dict[str, str]] = {pprint.pformat({k: dict(sorted(v.items())) for k, v in table.items()}, width=100)}",
        "",
        "# class -> driver -> private option -> type",
        f"PRIVATE: dict[str, dict[str, dict[str, str]]] = {pprint.pformat(private, width=100)}",
        "",
        "# authenticator drivers documented but not built into Exim 4.96 as packaged",
        f"UNAVAILABLE_AUTHENTICATORS: dict[str, dict[str, str]] = {pprint.pformat(unavailable, width=100)}",
        "",
        "# Exim's built-in macros, in the order Exim applies them",
        f"BUILTIN_MACROS: list[tuple[str, str]] = {pprint.pformat(builtin, width=100)}",
        "",
    ]
    OUT.write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
