"""The DNS conditions of ACLs: ``dnslists`` (:mod:`.dnsbl`), the client's host
name and ``verify = reverse_host_lookup`` / ``helo`` (:mod:`.hostlookup`),
``verify = csa`` (:mod:`.csa`), and the resolver host and domain lists use for
host-name items and ``@mx_*`` (:mod:`.resolver`). All of them ask the DNS
layer (:mod:`acl.dns`). See docs/DNSLISTS.md."""
