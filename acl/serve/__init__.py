"""``acl serve``: the SMTP daemon around the dialogue of :mod:`acl.smtp`
(:mod:`acl.serve.daemon`), one protocol object per connection
(:mod:`acl.serve.protocol`), the main log, and local delivery from the spool
(:mod:`acl.spool`). See docs/SERVE.md."""
