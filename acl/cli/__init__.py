"""Command-line interface: ``acl expand``, ``acl check`` / ``acl-check``, the REPL."""
