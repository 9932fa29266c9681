"""Content scanning of MIME messages: the MIME ACL (acl_smtp_mime,
acl_not_smtp_mime) with the $mime_* variables, and the ``regex``,
``mime_regex`` and ``decode`` ACL conditions. See docs/MIME.md."""

from acl.mime.scan import run_mime_acl, unspool

__all__ = ["run_mime_acl", "unspool"]
