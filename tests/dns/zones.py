"""The zones the dnsdb goldens were recorded against (by record_goldens.py,
with Exim resolving through NSD in a private network namespace) and that the
tests serve again with their own NSD. Change them only together with a
re-recording."""

from __future__ import annotations

ZONES: dict[str, str] = {
    "example.test": """
@        IN SOA  ns1.example.test. hostmaster.example.test. 2024010101 3600 600 86400 60
@        IN NS   ns1
@        IN NS   ns2.example.test.
ns1      IN A    127.0.0.1
ns2      IN A    127.0.0.2
@        IN MX   10 mail
@        IN MX   20 mail2.example.test.
@        IN A    192.0.2.1
@        IN TXT  "v=spf1 ip4:192.0.2.0/24 -all"
@        IN SPF  "v=spf1 " "-all"
mail     IN A    192.0.2.10
mail     IN A    192.0.2.11
mail     IN AAAA 2001:db8::10
mail2    IN AAAA 2001:db8::20
v6only   IN AAAA 2001:db8::1:2
www      IN CNAME mail
alias2   IN CNAME www
outside  IN CNAME host.nowhere.example.
deadend  IN CNAME gone.example.test.
multi    IN TXT  "part one" "part two" "part three"
multi    IN TXT  "second record"
empty    IN TXT  ""
odd      IN TXT  "semi;colon, comma" "tab\\009and\\\\back"
nullmx   IN MX   0 .
_smtp._tcp IN SRV 0 5 25 mail.example.test.
_smtp._tcp IN SRV 10 0 2525 mail2.example.test.
_25._tcp.mail IN TLSA 3 1 1 8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d
_25._tcp.mail2 IN TLSA 2 0 0 30820122300d06092a864886f70d01010105000382010f00
sub      IN NS   ns1.example.test.
_client._smtp.csa IN SRV 1 2 0 csa.example.test.
csa      IN A    192.0.2.50
_client._smtp.deny IN SRV 1 1 0 deny.example.test.
_client._smtp.unk IN SRV 1 3 0 unk.example.test.
_client._smtp.badver IN SRV 2 2 0 badver.example.test.
_client._smtp.strict IN SRV 1 0 1 .
deep.strict IN A 192.0.2.51
_under   IN A    192.0.2.77
_under   IN TXT  "u"
_under   IN MX   5 mail
bad_name IN A    192.0.2.78
bad_name IN TXT  "bn"
loop1    IN CNAME loop2
loop2    IN CNAME loop1
"""
    ,
    "2.0.192.in-addr.arpa": """
1        IN PTR  example.test.
10       IN PTR  mail.example.test.
10       IN PTR  mail-alias.example.test.
11       IN PTR  mail.example.test.
66       IN PTR  forged.example.test.
""",
    "8.b.d.0.1.0.0.2.ip6.arpa": """
0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR mail.example.test.
""",
}

BROKEN = ("broken.test",)
