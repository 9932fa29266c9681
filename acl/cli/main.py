"""The ``acl`` command (a click group) and ``acl-check``.

``acl expand`` takes Exim's own flags (``-oMa``, ``-bem``, ``-DNAME=V`` ...), which
click cannot describe, so it parses its arguments itself; ``main`` also sends it
there before importing click, to keep start-up fast."""

from __future__ import annotations

import sys
from typing import Any, NoReturn


def _expand(args: list[str]) -> NoReturn:
    from acl.cli.expand import main as expand_main

    sys.exit(expand_main(args))


def _check(args: list[str], prog: str) -> NoReturn:
    from acl.cli.check import main as check_main_

    sys.exit(check_main_(args, prog=prog))


def _session(args: list[str]) -> NoReturn:
    from acl.cli.session import main as session_main

    sys.exit(session_main(args))


def _serve(args: list[str]) -> NoReturn:
    from acl.cli.serve import serve_main

    sys.exit(serve_main(args))


def _queue(args: list[str]) -> NoReturn:
    from acl.cli.serve import queue_main

    sys.exit(queue_main(args))


def _group() -> Any:
    import click

    passthrough = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

    @click.group(help="Exim's ACL and string-expansion language as a standalone policy interpreter.")
    @click.version_option(package_name="exim-acl", prog_name="acl")
    def cli() -> None:
        pass

    @cli.command(context_settings=passthrough, help="Expand strings as `exim -be` does (acl expand --help).")
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def expand(args: tuple[str, ...]) -> None:
        _expand(list(args))

    @cli.command(context_settings=passthrough, help="Check a configuration (acl check --help).")
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def check(args: tuple[str, ...]) -> None:
        _check(list(args), "acl check")

    @cli.command(context_settings=passthrough, help="An SMTP session as `exim -bh` runs it (acl session --help).")
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def session(args: tuple[str, ...]) -> None:
        _session(list(args))

    @cli.command(context_settings=passthrough, help="Run the SMTP server (acl serve --help).")
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def serve(args: tuple[str, ...]) -> None:
        _serve(list(args))

    @cli.command(context_settings=passthrough, help="List or remove spooled messages (acl queue --help).")
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def queue(args: tuple[str, ...]) -> None:
        _queue(list(args))

    return cli


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["expand"]:
        _expand(args[1:])
    if args[:1] == ["check"]:
        _check(args[1:], "acl check")
    if args[:1] == ["session"]:
        _session(args[1:])
    if args[:1] == ["serve"]:
        _serve(args[1:])
    if args[:1] == ["queue"]:
        _queue(args[1:])
    _group().main(args=args, prog_name="acl")


def check_main(argv: list[str] | None = None) -> None:
    _check(sys.argv[1:] if argv is None else argv, "acl-check")
