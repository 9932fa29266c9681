"""The zones the dnslists goldens were recorded against (record.py runs Exim
resolving through NSD serving them in a private network namespace) and that
the tests serve again with their own NSD. Change them only together with a
re-recording."""

from __future__ import annotations

# 192.0.2.0/24 clients, looked up at bl.test (a block list keyed on inverted
# addresses), dom.test (keyed on domain names) and merged.test.
ZONES: dict[str, str] = {
    "bl.test": """
1.2.0.192      IN A    127.0.0.2
1.2.0.192      IN TXT  "Listed: see http://bl.test/?192.0.2.1"
2.2.0.192      IN A    127.0.0.3
2.2.0.192      IN A    127.0.0.5
2.2.0.192      IN TXT  "two values" "second string"
3.2.0.192      IN A    10.0.0.1
4.2.0.192      IN A    127.0.0.4
5.2.0.192      IN CNAME nothing.bl.test.
6.2.0.192      IN A    10.0.0.2
6.2.0.192      IN A    127.0.0.6
7.2.0.192      IN TXT  "only text"
8.2.0.192      IN CNAME target.bl.test.
target         IN A    127.0.0.8
9.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2 IN A 127.0.0.9
9.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2 IN TXT "v6 listed"
10.100.51.198  IN A    127.0.0.2
spammer.example IN A   127.0.0.2
spammer.example IN TXT "domain listed"
Spam.example   IN A    127.0.1.7
*.wild         IN A    127.0.0.11
""",
    "merged.test": """
1.2.0.192      IN A    127.0.0.10
2.2.0.192      IN A    127.0.0.2
4.2.0.192      IN A    127.0.0.4
""",
    "hosts.test": """
good           IN A    192.0.2.1
good           IN AAAA 2001:db8::19
alias          IN A    192.0.2.1
forged         IN A    192.0.2.99
two            IN A    192.0.2.4
mx1            IN A    127.0.0.1
mx2            IN A    192.0.2.200
loopmx         IN MX   10 mx1
loopmx         IN MX   20 mx2
secmx          IN MX   10 mx2
secmx          IN MX   20 mx1
nomx           IN A    192.0.2.201
helo-fwd       IN A    192.0.2.3
_client._smtp.csa-ok      IN SRV 1 2 0 good.hosts.test.
_client._smtp.csa-mismatch IN SRV 1 2 0 forged.hosts.test.
_client._smtp.csa-explicit IN SRV 1 1 0 csa-explicit.hosts.test.
_client._smtp.csa-domain  IN SRV 1 0 0 csa-domain.hosts.test.
_client._smtp.csa-unk     IN SRV 1 3 0 csa-unk.hosts.test.
_client._smtp.csa-dot     IN SRV 1 2 0 .
_client._smtp.csa-noaddr  IN SRV 1 2 0 nowhere.hosts.test.
_client._smtp.csa-defer   IN SRV 1 2 0 x.broken.test.
""",
    "2.0.192.in-addr.arpa": """
1              IN PTR  good.hosts.test.
1              IN PTR  alias.hosts.test.
2              IN PTR  forged.hosts.test.
4              IN PTR  two.hosts.test.
5              IN PTR  gone.broken.test.
""",
}

# Zones NSD is told to serve but cannot load: SERVFAIL, a temporary error.
BROKEN = ("broken.test", "100.51.198.in-addr.arpa", "defer.test")
