"""The ``acl`` command (a click group) and ``acl-check``.

Every subcommand takes Exim's own flags (``-oMa``, ``-bem``, ``-DNAME=V`` ...),
which click cannot describe, so each parses its arguments itself; ``main``
dispatches to it before importing click, to keep start-up fast, and click only
lists the subcommands for ``acl --help``."""

from __future__ import annotations

import importlib
import sys
from typing import Any, NoReturn

# name: (module, entry point, keyword arguments, one line for `acl --help`)
SUBCOMMANDS: dict[str, tuple[str, str, dict[str, str], str]] = {
    "expand": ("acl.cli.expand", "main", {}, "Expand strings as `exim -be` does (acl expand --help)."),
    "check": ("acl.cli.check", "main", {"prog": "acl check"}, "Check a configuration (acl check --help)."),
    "session": ("acl.cli.session", "main", {}, "An SMTP session as `exim -bh` runs it (acl session --help)."),
    "serve": ("acl.cli.serve", "serve_main", {}, "Run the SMTP server (acl serve --help)."),
    "queue": ("acl.cli.serve", "queue_main", {}, "List or remove spooled messages (acl queue --help)."),
}


def _run(name: str, args: list[str], **override: str) -> NoReturn:
    module, entry, kwargs, _ = SUBCOMMANDS[name]
    func = getattr(importlib.import_module(module), entry)
    sys.exit(func(args, **{**kwargs, **override}))


def _group() -> Any:
    import click

    passthrough = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

    @click.group(help="Exim's ACL and string-expansion language as a standalone policy interpreter.")
    @click.version_option(package_name="exim-acl", prog_name="acl")
    def cli() -> None:
        pass

    for name, (_, _, _, help_text) in SUBCOMMANDS.items():
        def command(args: tuple[str, ...], _name: str = name) -> None:
            _run(_name, list(args))

        cli.command(name=name, context_settings=passthrough, help=help_text)(
            click.argument("args", nargs=-1, type=click.UNPROCESSED)(command))
    return cli


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] and args[0] in SUBCOMMANDS:
        _run(args[0], args[1:])
    _group().main(args=args, prog_name="acl")


def check_main(argv: list[str] | None = None) -> None:
    _run("check", sys.argv[1:] if argv is None else argv, prog="acl-check")
