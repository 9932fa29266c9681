"""Expansion operators (``${name:subject}``), one module per family. Importing
this package registers them all in :data:`acl.builtins.registry.REGISTRY`."""

from __future__ import annotations

from . import address, encoding, files, lists, network, numeric, strings

__all__ = ["address", "encoding", "files", "lists", "network", "numeric", "strings"]
