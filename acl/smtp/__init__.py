"""Exim's SMTP server dialogue (smtp_in.c) on aiosmtpd: the protocol in
:mod:`acl.smtp.server`, the policy (ACLs, logs, message handling) in
:mod:`acl.smtp.policy`, and a driver over plain bytes (``exim -bh``) in
:mod:`acl.smtp.stdio`."""
