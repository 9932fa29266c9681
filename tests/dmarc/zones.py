"""DNS data for the DMARC tests (served by NSD, tests/dnsserver)."""

ZONES = {
    # p=reject, SPF allows 192.0.2.1 only; forensic reports wanted (fo=1)
    "reject.test": (
        "@ IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
        "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:agg@reject.test; "
        "ruf=mailto:forensic@reject.test!10m; fo=1\"\n"
        "sub IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
        "mail IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"),
    "quarantine.test": (
        "@ IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
        "_dmarc IN TXT \"v=DMARC1; p=quarantine; sp=reject; aspf=s\"\n"
        "mail IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"),
    "none.test": "@ IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n_dmarc IN TXT \"v=DMARC1; p=none\"\n",
    "norecord.test": "@ IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n",
    "pct.test": "_dmarc IN TXT \"v=DMARC1; p=reject; pct=50\"\n",
    "two.test": ("_dmarc IN TXT \"v=DMARC1; p=reject\"\n"
                 "_dmarc IN TXT \"v=DMARC1; p=none\"\n"),
    "bad.test": "_dmarc IN TXT \"v=DMARC1; p=bogus\"\n",
    "norua.test": "_dmarc IN TXT \"v=DMARC1; rua=mailto:a@norua.test\"\n",
    "other.test": "@ IN TXT \"v=spf1 ip4:192.0.2.1 -all\"\n",
    # a mailing list host: its own SPF passes for 192.0.2.9
    "lists.test": "@ IN TXT \"v=spf1 ip4:192.0.2.9 -all\"\n",
    "recv.test": "",
}
BROKEN = ("broken.test",)
