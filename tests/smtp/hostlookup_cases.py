"""host_lookup sessions: recorded from Exim 4.96 resolving through NSD
(record_hostlookup.py) and replayed through ``acl session --dns-server``
(test_hostlookup.py). The zones are those of tests/dnslists/zones.py."""

from __future__ import annotations

CONF = """primary_hostname = mx.example.test
host_lookup = {lookup}
acl_smtp_connect = acl_connect
acl_smtp_rcpt = acl_rcpt
acl_smtp_data = acl_data
begin acl
acl_connect:
  warn logwrite = connect {name}failed=[$host_lookup_failed] \\
                  deferred=[$host_lookup_deferred] full=[$sender_fullhost]
  accept
acl_rcpt:
  deny local_parts = deny
       message = no
  accept
acl_data:
  warn logwrite = rcvhost=[$sender_rcvhost] received=[$h_received:]
  accept
"""

STDIN = (b"EHLO client.example\r\nMAIL FROM:<s@example.net>\r\nRCPT TO:<deny@example.com>\r\n"
         b"RCPT TO:<a@example.com>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n")

# id -> (host_lookup option, client address, does the connect ACL read $sender_host_name)
CASES: dict[str, tuple[str, str, bool]] = {
    "found": ("*", "192.0.2.1", True),  # PTR good.hosts.test (and alias), confirmed
    "forged": ("*", "192.0.2.2", True),  # PTR forged.hosts.test, whose A is elsewhere
    "no-ptr": ("*", "192.0.2.99", True),  # no PTR record
    "deferred": ("*", "198.51.100.10", True),  # the reverse zone answers SERVFAIL
    "not-listed": ("192.0.2.2", "192.0.2.1", False),  # host_lookup does not match the client
    "lazy": ("192.0.2.2", "192.0.2.1", True),  # ... but reading $sender_host_name looks it up
}


def conf(cid: str) -> str:
    lookup, _, name = CASES[cid]
    return CONF.format(lookup=lookup, name="name=[$sender_host_name] " if name else "")
