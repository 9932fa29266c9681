"""DNS zones for the SPF goldens and tests (served by NSD on loopback).

Names under example.test cover each SPF result; broken.test answers SERVFAIL
(a temporary DNS failure)."""

from __future__ import annotations

ZONES: dict[str, str] = {
    "example.test": """
pass        IN TXT "v=spf1 ip4:192.0.2.1 -all"
fail        IN TXT "v=spf1 -all"
softfail    IN TXT "v=spf1 ~all"
neutral     IN TXT "v=spf1 ?all"
nospf       IN A   192.0.2.9
nospf       IN TXT "not an spf record"
perm        IN TXT "v=spf1 foo:bar -all"
two         IN TXT "v=spf1 -all"
two         IN TXT "v=spf1 +all"
inclnx      IN TXT "v=spf1 include:nx.example.test -all"
incltemp    IN TXT "v=spf1 include:x.broken.test -all"
exp         IN TXT "v=spf1 -all exp=explain.example.test"
explain     IN TXT "%{i} is not one of %{d}'s designated mail servers."
softexp     IN TXT "v=spf1 ~all exp=explain.example.test"
guess       IN A   192.0.2.1
guessmx     IN MX  10 mx.example.test.
mx          IN A   192.0.2.1
guessno     IN A   198.51.100.1
host        IN A   192.0.2.1
ptr         IN TXT "v=spf1 ptr -all"
helo        IN TXT "v=spf1 a -all"
helo        IN A   192.0.2.1
helofail    IN TXT "v=spf1 -all"
pass6       IN TXT "v=spf1 ip6:2001:db8::/32 -all"
redir       IN TXT "v=spf1 redirect=fail.example.test"
amech       IN TXT "v=spf1 a:host.example.test mx:guessmx.example.test -all"
macro       IN TXT "v=spf1 exists:%{l}.users.example.test -all"
alice.users IN A   127.0.0.2
mxonly      IN TXT "v=spf1 mx:guessmx.example.test -all"
mx24        IN TXT "v=spf1 mx/24 -all"
mx24        IN MX  10 mx.example.test.
nodefault   IN TXT "v=spf1 ip4:198.51.100.0/24"
defaultexp  IN TXT "v=spf1 ip4:198.51.100.0/24 exp=explain.example.test"
""",
    "2.0.192.in-addr.arpa": """
1 IN PTR host.example.test.
""",
}
BROKEN = ("broken.test",)
