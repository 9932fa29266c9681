"""The dnsdb queries whose results Exim recorded (goldens.json). Each is run
as ``${lookup dnsdb{QUERY}{[$value]}{NOTFOUND}}``; a few whole expansion
strings are recorded too."""

from __future__ import annotations

QUERIES: list[str] = [
    # plain record types
    "a=mail.example.test", "a=example.test", "aaaa=mail.example.test", "aaaa=v6only.example.test",
    "a+=mail.example.test", "a+=v6only.example.test", "a+=mail2.example.test", "a+=example.test",
    "A=mail.example.test", "mx=example.test", "MX=example.test", "mxh=example.test",
    "mx=nullmx.example.test", "mxh=nullmx.example.test", "ns=example.test", "ns=sub.example.test",
    "zns=example.test", "zns=a.b.c.example.test", "zns=mail.example.test", "zns=x.sub.example.test",
    "soa=example.test", "soa=mail.example.test", "soa=a.b.example.test",
    "cname=www.example.test", "cname=alias2.example.test", "cname=mail.example.test",
    "a=www.example.test", "a=alias2.example.test", "mx=www.example.test", "a=outside.example.test",
    "a=deadend.example.test",
    "txt=example.test", "example.test", "txt=multi.example.test", "txt=empty.example.test",
    "txt=odd.example.test", "spf=example.test", "srv=_smtp._tcp.example.test",
    "tlsa=_25._tcp.mail.example.test", "tlsa=_25._tcp.mail2.example.test",
    "ptr=192.0.2.10", "ptr=192.0.2.1", "ptr=1.2.0.192.in-addr.arpa", "ptr=2001:db8::10",
    "ptr=2001:0db8:0000:0000:0000:0000:0000:0010", "ptr=<;192.0.2.1;2001:db8::10", "ptr=192.0.2.99",
    "csa=csa.example.test", "csa=deny.example.test", "csa=unk.example.test", "csa=badver.example.test",
    "csa=deep.strict.example.test", "csa=nothing.example.test",
    # not found, NODATA, temporary errors
    "a=nope.example.test", "mx=mail.example.test", "txt=mail.example.test", "a=x.broken.test",
    "a=x.unserved.test", "mx=x.broken.test", "a=bad_name.example.test", "a=bad name.example.test",
    "txt=bad_name.example.test", "srv=_smtp._tcp.nope.example.test",
    "a=_under.example.test", "txt=_under.example.test", "mx=_under.example.test", "a+=_under.example.test",
    "cname=_under.example.test", "ptr=_under.example.test", "a=loop1.example.test", "cname=loop1.example.test",
    ">/; soa=example.test", "ptr=192.0.2", "a=MAIL.Example.TEST", "a=mail.example.test.",
    # separators
    ">, a=mail.example.test", ">; mx=example.test", ">:, txt=multi.example.test",
    ">:; txt=multi.example.test", "> txt=multi.example.test", ">|,; txt=multi.example.test",
    ">\n; txt=odd.example.test", ">/,- mx=example.test", ">/; mx=example.test",
    ">/,- srv=_smtp._tcp.example.test", ">/; srv=_smtp._tcp.example.test",
    ">/,_ tlsa=_25._tcp.mail.example.test", ">/; tlsa=_25._tcp.mail.example.test",
    ">/,+ soa=example.test", ">:, spf=example.test", ">:, txt=example.test", "  >,  a=mail.example.test",
    # lists of domains
    "a=mail.example.test:example.test", "a=mail.example.test : nope.example.test",
    "a=nope.example.test:nope2.example.test", "a=<,mail.example.test,mail2.example.test",
    "mx=example.test:nullmx.example.test", ">, a=mail.example.test:example.test",
    "a=mail.example.test:x.broken.test", "a=x.broken.test:mail.example.test",
    "a=nope.example.test:x.broken.test",
    # defer modes
    "defer_strict,a=mail.example.test:x.broken.test", "defer_lax,a=mail.example.test:x.broken.test",
    "defer_never,a=mail.example.test:x.broken.test", "defer_never,a=x.broken.test",
    "defer_lax,a=x.broken.test", "defer_strict,a=x.broken.test", "defer_strict,a=nope.example.test",
    "defer_never,a=nope.example.test:x.broken.test", "defer_bogus,a=mail.example.test",
    "DEFER_NEVER,a=x.broken.test", "defer_never , a=x.broken.test",
    # dnssec modes (no DNSSEC here: nothing is authenticated)
    "dnssec_never,a=mail.example.test", "dnssec_lax,a=mail.example.test",
    "dnssec_strict,a=mail.example.test", "dnssec_strict,defer_never,a=mail.example.test",
    "defer_never,dnssec_strict,a=mail.example.test", "dnssec_bogus,a=mail.example.test",
    # retrans / retry
    "retrans_2s,a=mail.example.test", "retry_3,a=mail.example.test", "retrans_1s,retry_1,mx=example.test",
    "retrans_0s,a=mail.example.test", "retrans_x,a=mail.example.test", "retry_-1,a=mail.example.test",
    "retry_2 a=mail.example.test",
    # syntax
    "bogus=example.test", "a =mail.example.test", "a= mail.example.test", "=example.test",
    "a+ = mail.example.test", "defer_strict", "",
]

# Whole expansion strings (variables set by the lookup, ${lookup} forms).
EXPANSIONS: list[str] = [
    "${lookup dnsdb{a=mail.example.test}}",
    "${lookup dnsdb{a=nope.example.test}}",
    "${lookup dnsdb{a=mail.example.test}{$lookup_dnssec_authenticated}}",
    "${lookup dnsdb{dnssec_never,a=mail.example.test}{<$lookup_dnssec_authenticated>}}",
    "${lookup dnsdb{dnssec_lax,a=mail.example.test}{<$lookup_dnssec_authenticated>}}",
    "${lookup dnsdb {a=mail.example.test}{$value}fail}",
    "${lookup dnsdb{a=nope.example.test}{$value}fail}",
    "${if eq{${lookup dnsdb{a=x.broken.test}{y}{n}}}{n}{notfound}{found}}",
    "${lookup{a=mail.example.test}dnsdb{x}}",
    "${map{<, mail.example.test,example.test}{${lookup dnsdb{a=$item}}}}",
    "${lookup dnsdb,opt{a=mail.example.test}}",
    "${lookup dnsdb{>\\n a=mail.example.test}}",
]
