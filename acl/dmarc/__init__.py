"""DMARC (RFC 7489) as Exim 4.96 offers it: the ``dmarc_status`` ACL
condition (acl.dmarc.condition), the $dmarc_* variables, the dmarc_*
controls and the dmarc_tld_file / dmarc_history_file / dmarc_forensic_sender
options. See docs/DMARC.md."""
