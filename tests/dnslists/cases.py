"""The sessions recorded from Exim 4.96 (record.py) and replayed against
``acl session`` (test_goldens.py). Each case is an ACL body run at RCPT time
for a client address, with the HELO name and sender given; ``warn`` statements
with ``logwrite`` make variables and outcomes visible in the LOG: lines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STDLIB = Path(__file__).resolve().parents[2] / "stdlib" / "dnsbl.conf"

HEAD = """primary_hostname = mx.example.test
acl_smtp_rcpt = rcpt
{options}
begin acl

rcpt:
{acl}
"""

SHOW = "logwrite = dom=[$dnslist_domain] matched=[$dnslist_matched] value=[$dnslist_value] text=[$dnslist_text]"


@dataclass(frozen=True)
class Case:
    id: str
    acl: str
    ip: str = "192.0.2.1"
    helo: str = "client.example"
    sender: str = "user@spammer.example"
    options: str = ""
    rcpts: tuple[str, ...] = ("rcpt@dest.example",)

    def conf(self) -> str:
        return HEAD.format(options=self.options, acl=self.acl)

    def stdin(self) -> bytes:
        lines = [f"EHLO {self.helo}", f"MAIL FROM:<{self.sender}>"]
        lines += [f"RCPT TO:<{r}>" for r in self.rcpts] + ["QUIT"]
        return "".join(line + "\r\n" for line in lines).encode()


def _dl(cid: str, spec: str, ip: str = "192.0.2.1", **kw: str) -> Case:
    """A dnslists condition whose outcome and variables are logged, then a
    deny that shows the message Exim builds from them."""
    acl = (f"  warn dnslists = {spec}\n       {SHOW}\n"
           f"  deny dnslists = {spec}\n"
           "       message = listed at $dnslist_domain ($dnslist_value): $dnslist_text\n"
           "  accept\n")
    return Case(cid, acl, ip, **kw)  # type: ignore[arg-type]


CASES: list[Case] = [
    _dl("plain-hit", "bl.test"),
    _dl("plain-miss", "bl.test", "192.0.2.99"),
    _dl("two-lists", "nothere.bl.test : bl.test"),
    _dl("multi-a", "bl.test", "192.0.2.2"),
    _dl("non-127", "bl.test", "192.0.2.3"),
    _dl("mixed-127", "bl.test", "192.0.2.6"),
    _dl("no-txt", "bl.test", "192.0.2.4"),
    _dl("cname-nodata", "bl.test", "192.0.2.5"),
    _dl("cname-a", "bl.test", "192.0.2.8"),
    _dl("txt-only", "bl.test", "192.0.2.7"),
    _dl("eq-hit", "bl.test=127.0.0.2"),
    _dl("eq-miss", "bl.test=127.0.0.3"),
    _dl("eq-list", "bl.test=127.0.0.9,127.0.0.5", "192.0.2.2"),
    _dl("eqeq-some", "bl.test==127.0.0.3", "192.0.2.2"),
    _dl("eqeq-all", "bl.test==127.0.0.3,127.0.0.5", "192.0.2.2"),
    _dl("not-eq", "bl.test!=127.0.0.2"),
    _dl("not-eq-other", "bl.test!=127.0.0.3"),
    _dl("not-eqeq", "bl.test!==127.0.0.3", "192.0.2.2"),
    _dl("not-eqeq-all", "bl.test!==127.0.0.3,127.0.0.5", "192.0.2.2"),
    _dl("and-hit", "bl.test&0.0.0.1", "192.0.2.2"),
    _dl("and-miss", "bl.test&0.0.0.8", "192.0.2.2"),
    _dl("and-two", "bl.test&0.0.0.8,0.0.0.4", "192.0.2.2"),
    _dl("eqand-all", "bl.test=&0.0.0.1", "192.0.2.2"),
    _dl("eqand-not-all", "bl.test=&0.0.0.4", "192.0.2.2"),
    _dl("not-and", "bl.test!&0.0.0.4", "192.0.2.2"),
    _dl("not-and-none", "bl.test!&0.0.0.8", "192.0.2.2"),
    _dl("not-eqand", "bl.test!=&0.0.0.4", "192.0.2.2"),
    _dl("and-non-127", "bl.test&0.0.0.1", "192.0.2.3"),
    _dl("eq-non-127", "bl.test=10.0.0.1", "192.0.2.3"),
    _dl("key-domain", "bl.test/$sender_address_domain"),
    _dl("key-domain-case", "bl.test/spam.EXAMPLE"),
    _dl("key-ip", "bl.test/192.0.2.2", "192.0.2.99"),
    _dl("key-list-colons", "bl.test/nothing.example::spammer.example", "192.0.2.99"),
    _dl("key-list-semi", "bl.test/<;192.0.2.99;192.0.2.4", "192.0.2.99"),
    _dl("key-ipv6", "<; bl.test/2001:db8::19", "192.0.2.99"),
    _dl("key-expanded", "bl.test/${lc:SPAMMER.example}", "192.0.2.99"),
    _dl("key-wild", "bl.test/a.b.wild", "192.0.2.99"),
    _dl("key-eq", "bl.test=127.0.0.2/spammer.example", "192.0.2.99"),
    _dl("key-empty", "bl.test/", "192.0.2.99"),
    _dl("txt-domain", "bl.test,merged.test=127.0.0.10"),
    _dl("txt-domain-miss", "bl.test,merged.test=127.0.0.2"),
    _dl("txt-domain-nolist", "nothere.test,merged.test", "192.0.2.2"),
    _dl("defer-default", "broken.test : bl.test"),
    _dl("defer-default-miss", "broken.test", "192.0.2.99"),
    _dl("defer-unknown", "+defer_unknown : broken.test : bl.test"),
    _dl("include-unknown", "+include_unknown : broken.test"),
    _dl("exclude-unknown", "+include_unknown : +exclude_unknown : broken.test", "192.0.2.99"),
    _dl("unknown-plus", "+bogus_item : bl.test"),
    _dl("strange-chars", "bl!test"),
    _dl("key-defer-then-hit", "+defer_unknown : bl.test/x.broken.test::spammer.example", "192.0.2.99"),
    _dl("key-defer-only", "+defer_unknown : bl.test/x.broken.test", "192.0.2.99"),
    _dl("ipv6-client", "bl.test", "2001:db8::19"),
    Case("negated-cond", "  deny !dnslists = bl.test\n       message = not listed\n  accept\n", "192.0.2.99"),
    Case("vars-after-miss",
         "  warn dnslists = bl.test\n  warn dnslists = nothere.bl.test\n  warn " + SHOW + "\n"
         "  accept\n"),
    Case("vars-next-rcpt",
         "  warn domains = a.example\n       dnslists = bl.test\n  warn " + SHOW + "\n  accept\n",
         rcpts=("x@a.example", "y@b.example")),
    Case("vars-in-message",
         "  warn dnslists = bl.test/192.0.2.4\n  deny dnslists = nothere.bl.test : bl.test=127.0.0.99\n"
         "  deny message = dom=[$dnslist_domain] value=[$dnslist_value]\n", "192.0.2.99"),
    Case("cache-two-rcpts",
         "  warn dnslists = bl.test\n       " + SHOW + "\n  accept\n",
         rcpts=("a@dest.example", "b@dest.example")),
    Case("defer-statement",
         "  deny dnslists = +defer_unknown : broken.test\n       message = listed\n  accept\n"),
    # Host names, reverse lookup, HELO and CSA.
    Case("rev-ok", "  require verify = reverse_host_lookup\n  accept logwrite = name=[$sender_host_name]\n"),
    Case("rev-forged", "  require verify = reverse_host_lookup\n  accept\n", "192.0.2.2"),
    Case("rev-none", "  require verify = reverse_host_lookup\n  accept\n", "192.0.2.99"),
    Case("rev-defer", "  require verify = reverse_host_lookup\n  accept\n", "198.51.100.10"),
    Case("rev-defer-ok", "  require verify = reverse_host_lookup/defer_ok\n"
                         "  accept logwrite = name=[$sender_host_name]\n", "198.51.100.10"),
    Case("rev-twice", "  warn verify = reverse_host_lookup\n  require verify = reverse_host_lookup\n  accept\n",
         "192.0.2.99"),
    Case("host-star", "  accept hosts = *.hosts.test\n         logwrite = name=[$sender_host_name]\n"
                      "  deny message = not in list\n"),
    Case("host-regex", "  accept hosts = \\N^alias\\.\\N\n         logwrite = name=[$sender_host_name]\n"
                       "  deny message = not in list\n"),
    Case("host-exact", "  accept hosts = two.hosts.test\n  deny message = not in list\n", "192.0.2.4"),
    Case("host-noname", "  accept hosts = *.hosts.test\n  deny message = not in list\n", "192.0.2.99"),
    Case("host-forged", "  accept hosts = *.hosts.test\n  deny message = not in list\n", "192.0.2.2"),
    Case("host-defer", "  accept hosts = *.hosts.test\n  deny message = not in list\n", "198.51.100.10"),
    Case("host-name-defer", "  accept hosts = x.broken.test\n  deny message = not in list\n"),
    Case("helo-name", "  require verify = helo\n  accept\n", helo="good.hosts.test"),
    Case("helo-alias", "  require verify = helo\n  accept\n", helo="alias.hosts.test"),
    Case("helo-wrong", "  require verify = helo\n  accept\n", helo="other.example"),
    Case("helo-forward", "  require verify = helo\n  accept\n", "192.0.2.3", helo="helo-fwd.hosts.test"),
    Case("helo-literal", "  require verify = helo\n  accept\n", helo="[192.0.2.1]"),
    Case("helo-literal-bad", "  require verify = helo\n  accept\n", helo="[192.0.2.5]"),
    Case("csa-warn", "  warn verify = csa\n       logwrite = csa=[$csa_status]\n  accept\n",
         helo="csa-ok.hosts.test"),
    *[Case(f"csa-{k}", "  require verify = csa\n  accept logwrite = csa=[$csa_status]\n",
           helo=f"csa-{k}.hosts.test")
      for k in ("ok", "mismatch", "explicit", "domain", "unk", "dot", "noaddr", "defer", "none")],
    Case("csa-literal", "  require verify = csa\n  accept logwrite = csa=[$csa_status]\n", helo="[192.0.2.1]"),
    Case("csa-given", "  require verify = csa/csa-mismatch.hosts.test\n  accept\n"),
    Case("mx-any", "  accept domains = @mx_any\n         logwrite = mx [$domain]\n  deny message = no mx\n",
         rcpts=("a@loopmx.hosts.test", "b@secmx.hosts.test", "c@nomx.hosts.test", "d@x.broken.test")),
    Case("mx-primary", "  accept domains = @mx_primary\n  deny message = not primary\n",
         rcpts=("a@loopmx.hosts.test", "b@secmx.hosts.test")),
    Case("mx-secondary", "  accept domains = @mx_secondary\n  deny message = not secondary\n",
         rcpts=("a@loopmx.hosts.test", "b@secmx.hosts.test")),
    Case("mx-ignore", "  accept domains = @mx_any/ignore=127.0.0.1\n  deny message = ignored\n",
         rcpts=("a@loopmx.hosts.test",)),
    *[Case(f"stdlib-{n}", f"  require acl = dnsbl_policy\n  accept\n.include {STDLIB}\n", ip, options=opts,
           sender=sender)
      for n, ip, opts, sender in (
          ("listed", "192.0.2.1", "DNSBL_IP_LISTS = broken.test : bl.test", "u@clean.example"),
          ("clean", "192.0.2.99", "DNSBL_IP_LISTS = broken.test : bl.test", "u@clean.example"),
          ("defer", "192.0.2.99", "DNSBL_IP_LISTS = broken.test : bl.test\nDNSBL_DEFER_UNKNOWN = yes",
           "u@clean.example"),
          ("domain", "192.0.2.99", "DNSBL_DOMAIN_LISTS = bl.test/$sender_address_domain",
           "u@spammer.example"),
          ("reverse", "192.0.2.99", "DNSBL_REQUIRE_REVERSE = yes", "u@clean.example"),
          ("reverse-defer", "198.51.100.10", "DNSBL_REQUIRE_REVERSE = yes", "u@clean.example"),
          ("warn", "192.0.2.4", "DNSBL_WARN_LISTS = bl.test\nDNSBL_EXEMPT_HOSTS = 192.0.2.1",
           "u@clean.example"),
      )],
]
