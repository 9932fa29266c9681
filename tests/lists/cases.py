"""The list-matching cases the recorder (record.py) runs through Exim."""

FILES = {
    "doms": "# local domains\na.example\n!d.example\n*.wild.example\n^re[0-9]+\\.example$\n",
    "negdoms": "a.example\n!d.example\n",
    "hosts": "10.0.0.0/8\n192.168.1.1  # a comment\n!192.0.2.99\n192.0.2.0/24\n",
    "ipl": "10.0.0.0/8: ten\n192.0.2.1: one\n2001:db8::/32: six\n",
    "nets": "192.0.2.0/24: net24 data\n10.0.0.0/8: net8 data\n",
    "lsd": "a.example: A data\n*.p.example: star data\nfoo: local foo\nu@q.example: rcpt data\n",
    "lps": "foo\n!bar\npostmaster\n",
    "addrs": "*@bad.example\njoe@x.example\n",
    "wl": "a.example: A\n*.w.example: W\n*: STAR\n",
    "atat": "a.example: joe : !bob : ^s.* : >b.example\nb.example: bob : ann\nc.example: *\n",
    "one": "x.example\n",
}

# (configuration lines, expansions) for exim -be.
BE = [
    ("hostlist h = 10.0.0.0/8 : !192.0.2.99 : 192.0.2.0/24 : <; 2001:db8::/32\n"
     "hostlist hf = {D}/hosts\n"
     "domainlist d = a.example : *.b.example : \\N^c(\\d+)\\.example$\\N\n"
     "domainlist bad = a.example : ^c(\\d+)\\.example$\n"
     "domainlist df = {D}/doms\n"
     "hostlist h6 = <; ::1 ; 2001:db8::/32 ; fe80::/10\n",
     [
         "${if match_ip{10.1.2.3}{+h}{y:$value}{n}}",
         "${if match_ip{192.0.2.99}{+h}{y}{n}}",
         "${if match_ip{192.0.2.5}{+h}{y}{n}}",
         "${if match_ip{2001:db8::1}{<; ::1 ; 2001:db8::/32}{y:$value}{n}}",
         "${if match_ip{2001:db9::1}{<; ::1 ; 2001:db8::/32}{y}{n}}",
         "${if match_ip{::ffff:10.1.2.3}{10.0.0.0/8}{y}{n}}",
         "${if match_ip{10.1.2.3}{*}{y:$value}{n}}",
         "${if match_ip{10.1.2.3}{!10.0.0.0/8}{y}{n}}",
         "${if match_ip{11.1.2.3}{!10.0.0.0/8}{y}{n}}",
         "${if match_ip{11.1.2.3}{!10.0.0.0/8 : 12.0.0.0/8}{y}{n}}",
         "${if match_ip{192.168.1.1}{+hf}{y}{n}}",
         "${if match_ip{192.0.2.99}{+hf}{y}{n}}",
         "${if match_ip{192.0.2.98}{+hf}{y}{n}}",
         "${if match_ip{10.1.2.3}{net-iplsearch;{D}/ipl}{y:$value}{n}}",
         "${if match_ip{2001:db8::7}{net-iplsearch;{D}/ipl}{y:$value}{n}}",
         "${if match_ip{192.0.2.1}{iplsearch;{D}/ipl}{y:$value}{n}}",
         "${if match_ip{192.0.2.7}{net24-lsearch;{D}/nets}{y:$value}{n}}",
         "${if match_ip{10.9.9.9}{net8-lsearch;{D}/nets}{y:$value}{n}}",
         "${if match_ip{10.9.9.9}{net16-lsearch;{D}/nets}{y:$value}{n}}",
         "${if match_ip{10.9.9.9}{mail.example : 10.0.0.0/8}{y}{n}}",
         "${if match_ip{10.9.9.9}{10.0.0.0/8 : mail.example}{y}{n}}",
         "${if match_ip{10.9.9.9}{1.2.3.4/33}{y}{n}}",
         "${if match_ip{1.2.3.4}{1.2.3.4/33}{y}{n}}",
         "${if match_ip{10.1.2.3}{+nosuch}{y}{n}}",
         "${if match_ip{bad}{10.0.0.0/8}{y}{n}}",
         "${if match_ip{}{:}{y}{n}}",
         "${if match_ip{127.0.0.1}{@[]}{y}{n}}",
         "${if match_domain{x.b.example}{+d}{y:$value}{n}}",
         "${if match_domain{C42.Example}{+d}{y:$value:$1}{n}}",
         "${if match_domain{a.example}{+d}{y:$value:$0}{n}}",
         "${if match_domain{mail.example}{@}{y:$value}{n}}",
         "${if match_domain{[127.0.0.1]}{@[]}{y:$value}{n}}",
         "${if match_domain{[192.0.2.200]}{@[]}{y:$value}{n}}",
         "${if match_domain{re12.example}{+df}{y:$value}{n}}",
         "${if match_domain{d.example}{+df}{y}{n}}",
         "${if match_domain{z.example}{+df}{y}{n}}",
         "${if match_domain{q.wild.example}{+df}{y:$value}{n}}",
         "${if match_domain{x.p.example}{partial-lsearch;{D}/lsd}{y:$value}{n}}",
         "${if match_domain{p.example}{partial-lsearch;{D}/lsd}{y:$value}{n}}",
         "${if match_domain{a.example}{lsearch;{D}/lsd}{y:$value}{n}}",
         "${if match_domain{A.EXAMPLE}{lsearch;{D}/lsd}{y:$value}{n}}",
         "${if match_domain{b.example}{!a.example}{y}{n}}",
         "${if match_domain{a.example}{!a.example}{y}{n}}",
         "${if match_domain{x.a.example}{*.a.example : !*}{y:$value}{n}}",
         "${if match_domain{a.example}{*a.example}{y:$value:$1}{n}}",
         "${if match_domain{a.example}{+bad}{y}{n}}",
         "${if match_domain{x.example}{@mx_any}{y}{n}}",
         "${if match_domain{x.example}{@mx_primary : x.example}{y}{n}}",
         "${if match_local_part{Foo}{foo}{y:$value}{n}}",
         '${if match_ip{192.0.2.1}{1.2.3 : 192.0.2.0/24}{y}{n}}',
         '${if match_ip{192.0.2.1}{192.0.2.0/24 : 1.2.3}{y}{n}}',
         '${if match_ip{192.0.2.1}{1.2.3/24 : 192.0.2.0/24}{y}{n}}',
         '${if match_ip{192.0.2.1}{./24 : 192.0.2.0/24}{y}{n}}',
         '${if match_ip{192.0.2.1}{!1.2.3 : 192.0.2.0/24}{y}{n}}',
         '${if match_ip{192.0.2.1}{1.2.3.4.5 : 192.0.2.0/24}{y}{n}}',
         '${if match_ip{192.0.2.1}{1.2.3.x : 192.0.2.0/24}{y}{n}}',
         '${if match_ip{2001:db8::1}{10.0.0.0/8 : 2001:db8::/32}{y}{n}}',
         "${if match_domain{a.b}{*.b : *b}{$value:$1}}",
         "${if match_domain{a.b}{*b : *.b}{$value:$1}}",
         "${if match_domain{xa.b}{*a.b : *b : xa.b}{$value:$1}}",
         "${if match_local_part{Foo}{+caseful : foo}{y:$value}{n}}",
         "${if match_local_part{Foo}{+caseful : Foo}{y:$value}{n}}",
         "${if match_domain{A.Example}{+caseful : a.example}{y:$value}{n}}",
         "${if match_ip{2001:db8::7}{<; net64-iplsearch;{D}/ipl}{y:$value}{n}}",
         "${if match_ip{10.1.2.3}{<; 10.0.0.0/8 ; !10.1.0.0/16}{y}{n}}",
         "${if match_ip{10.1.2.3}{<; !10.1.0.0/16 ; 10.0.0.0/8}{y}{n}}",
         "${if match_domain{b.example}{+nosuch}{y}{n}}",
         "${if match_domain{b.example}{lsearch;{D}/nonexist}{y}{n}}",
         '${if match_ip{192.168.1.200}{192.168.1.1/24}{y}{n}}',
         '${if match_ip{10.0.0.1}{10.0.0.1/0}{y}{n}}',
         '${if match_ip{10.0.0.1}{0.0.0.0/0}{y}{n}}',
         '${if match_ip{::ffff:192.0.2.1}{192.0.2.0/24}{y}{n}}',
         '${if match_ip{192.0.2.1}{<; ::ffff:192.0.2.0/120}{y}{n}}',
         '${if match_ip{2001:db8::1}{+h6}{y}{n}}',
         '${if match_ip{2001:DB8::1}{+h6}{y}{n}}',
         '${if match_ip{fe80::1%eth0}{+h6}{y}{n}}',
         '${if match_ip{1.2.3.4}{*}{y}{n}}',
         '${if match_ip{1.2.3.4}{}{y}{n}}',
         '${if match_ip{1.2.3.4}{ : }{y}{n}}',
         '${if match_ip{1.2.3.4}{!*}{y}{n}}',
         '${if match_ip{1.2.3.4}{1.2.3}{y}{n}}',
         '${if match_ip{1.2.3.4}{1.2.3.4/abc}{y}{n}}',
         '${if match_ip{1.2.3.4}{01.2.3.4}{y}{n}}',
         '${if match_ip{1.2.3.4}{^1}{y}{n}}',
         '${if match_ip{1.2.3.4}{*.example}{y}{n}}',
         '${if match_ip{1.2.3.4}{1.2.3.0/24 : *.example}{y}{n}}',
         '${if match_ip{1.2.3.4}{lsearch;{D}/ipl}{y:$value}{n}}',
         '${if match_ip{10.2.3.4}{iplsearch;{D}/ipl}{y:$value}{n}}',
         '${if match_ip{10.2.3.4}{net-iplsearch;{D}/ipl}{y:$value}{n}}',
         '${if match_ip{2001:db8::5}{<; iplsearch;{D}/ipl}{y:$value}{n}}',
         '${if match_ip{1.2.3.4}{net33-lsearch;{D}/nets}{y:$value}{n}}',
         '${if match_ip{1.2.3.4}{netx-lsearch;{D}/nets}{y:$value}{n}}',
         '${if match_ip{1.2.3.4}{@}{y}{n}}',
         '${if match_ip{1.2.3.4}{@[]}{y}{n}}',
         '${if match_ip{127.0.0.1}{@[]}{y}{n}}',
         '${if match_ip{1.2.3.4}{+h6 : 1.2.3.4}{y}{n}}',
         '${if match_ip{::1}{<; ::1}{y:$value}{n}}',
         '${if match_ip{::1}{::1}{y}{n}}',
         '${if match_ip{1.2.3.4}{1.2.3.4 : ! 1.2.3.4}{y}{n}}',
         '${if match_ip{1.2.3.4}{! 1.2.3.4}{y}{n}}',
         '${if match_ip{1.2.3.4}{!!1.2.3.4}{y}{n}}',
         '${if match_ip{9.9.9.9}{1.2.3.4/}{y}{n}}',
         '${if match_ip{2001:db8::2}{<; 2001:db8::1/}{y}{n}}',
         '${if match_ip{1.2.4.5}{1.2.3.4/ 24}{y}{n}}',
         '${if match_ip{1.2.3.5}{1.2.3.4/ 24}{y}{n}}',
         '${if match_ip{1.2.3.5}{1.2.3.4/24x}{y}{n}}',
         '${if match_ip{1.2.3.4}{1.2.3.4/ x}{y}{n}}',
         '${if match_ip{1.2.3.4}{1.2.3.4/-1}{y}{n}}',
         '${if match_ip{1.9.3.4}{1.2.3.4/+8}{y}{n}}',
         '${if match_ip{1.2.3.4}{1.2.3.4/}{y}{n}}',
         '${if match_domain{x.y.example}{*.example}{y:$value:$1}{n}}',
         '${if match_domain{example}{*.example}{y}{n}}',
         '${if match_domain{xexample}{*example}{y:$value:$1}{n}}',
         '${if match_domain{a.example}{*}{y:$value:$1}{n}}',
         '${if match_domain{}{*}{y}{n}}',
         '${if match_domain{}{:}{y}{n}}',
         '${if match_domain{}{}{y}{n}}',
         '${if match_domain{A.Example}{a.EXAMPLE}{y:$value}{n}}',
         '${if match_domain{a.example}{^(a)\\\\.(.*)}{y:$value:$0:$1:$2}{n}}',
         '${if match_domain{a.example}{\\N^(a)\\.(.*)\\N}{y:$value:$0:$1:$2}{n}}',
         '${if match_domain{q.w.example}{wildlsearch;{D}/wl}{y:$value}{n}}',
         '${if match_domain{z.example}{wildlsearch;{D}/wl}{y:$value}{n}}',
         '${if match_domain{z.example}{nwildlsearch;{D}/wl}{y:$value}{n}}',
         '${if match_domain{q.w.example}{partial-lsearch;{D}/wl}{y:$value}{n}}',
         '${if match_domain{w.example}{partial-lsearch;{D}/wl}{y:$value}{n}}',
         '${if match_domain{a.b.w.example}{partial2-lsearch;{D}/wl}{y:$value}{n}}',
         '${if match_domain{z.example}{lsearch*;{D}/wl}{y:$value}{n}}',
         '${if match_domain{z.q.w.example}{partial-lsearch*;{D}/wl}{y:$value}{n}}',
         '${if match_domain{A.example}{lsearch,ret=key;{D}/wl}{y:$value}{n}}',
         '${if match_domain{mail.example}{@ : x}{y:$value:$0}{n}}',
         '${if match_domain{MAIL.EXAMPLE}{@}{y:$value}{n}}',
         '${if match_domain{x.example}{{D}/one}{y:$value}{n}}',
         '${if match_domain{x.example}{!{D}/one}{y:$value}{n}}',
         '${if match_domain{y.example}{!{D}/one}{y:$value}{n}}',
         '${if match_domain{[127.0.0.1]}{@[] : x}{y:$value}{n}}',
         '${if match_domain{[IPv6:::1]}{@[]}{y:$value}{n}}',
         '${if match_domain{[ipv6:::1]}{@[]}{y:$value}{n}}',
         '${if match_domain{[::1]}{@[]}{y:$value}{n}}',
         '${if match_domain{a.example}{<; a.example;b}{y:$value}{n}}',
         '${if match_domain{a.example}{+caseful : A.example}{y:$value}{n}}',
         '${if match_local_part{A}{+caseful : a}{y:$value}{n}}',
         '${if match_local_part{a.b}{*.b}{y:$value:$1}{n}}',
         '${if match_local_part{Ab}{^a(B)}{y:$value:$1}{n}}',
         '${if match_local_part{Ab}{+caseful : ^a(B)}{y:$value:$1}{n}}',
         '${if match_local_part{x}{lsearch;{D}/wl}{y:$value}{n}}',
         '${if match_address{A@B.example}{a@b.EXAMPLE}{y:$value}{n}}',
         '${if match_address{A@B.example}{+caseful : a@b.example}{y:$value}{n}}',
         '${if match_address{A@B.example}{+caseful : A@b.example}{y:$value}{n}}',
         '${if match_address{a@b.example}{@b.example}{y:$value}{n}}',
         '${if match_address{a@b.example}{*@}{y:$value}{n}}',
         '${if match_address{a}{a}{y:$value}{n}}',
         '${if match_address{a}{*@b}{y:$value}{n}}',
         '${if match_address{a@b.example}{a@^b}{y:$value:$1}{n}}',
         '${if match_address{a@b.example}{a@*.example}{y:$value}{n}}',
         '${if match_address{a@b.example}{a@partial-lsearch;{D}/wl}{y:$value}{n}}',
         '${if match_address{a@q.w.example}{*@partial-lsearch;{D}/wl}{y:$value}{n}}',
         '${if match_address{a@a.example}{*@lsearch;{D}/wl}{y:$value}{n}}',
         "${if match_local_part{foo}{^f(o+)}{y:$value:$1}{n}}",
         "${if match_local_part{bar}{{D}/lps}{y}{n}}",
         "${if match_local_part{baz}{{D}/lps}{y}{n}}",
         "${if match_local_part{postmaster}{{D}/lps}{y:$value}{n}}",
         "${if match_address{joe@Bad.Example}{{D}/addrs}{y:$value}{n}}",
         "${if match_address{joe@x.example}{*@*.example}{y:$value}{n}}",
         "${if match_address{u@q.example}{lsearch;{D}/lsd}{y:$value}{n}}",
         "${if match_address{u@x.example}{^u@(.*)}{y:$value:$1}{n}}",
         "${if match_address{u@x.example}{x.example}{y:$value}{n}}",
         "${if match_address{u@x.example}{*@+d}{y:$value}{n}}",
         "${if match_address{u@a.example}{*@+d}{y:$value}{n}}",
     ]),
]

_RCPTS = ["foo@a.example", "bar@x.wild.example", "u@q.example", "joe@re7.example", "x@d.example"]

# SMTP sessions for exim -bh: the RCPT ACL ("acl") and the recipients.
BH = [
    {"name": "hosts_relay_and_named_cache", "ip": "192.0.2.1",
     "conf": "hostlist relay = 127.0.0.1 : 10.0.0.0/8\nhostlist ok = 192.0.2.0/24\n"
             "domainlist local = a.example : *.wild.example",
     "acl": "  warn hosts = +relay\n  warn hosts = +ok\n  warn hosts = +ok\n"
            "  deny hosts = !+relay : 198.51.100.0/24\n       domains = !+local\n"
            "       message = relay not permitted H=$host_data\n"
            "  warn domains = +local\n  warn domains = +local\n       set acl_m_d = $domain_data\n"
            "  accept message = D=$domain_data H=$host_data",
     "rcpts": _RCPTS},
    {"name": "host_negation_and_end", "ip": "192.0.2.99",
     "conf": "", "acl": "  warn hosts = !192.0.2.99 : 192.0.2.0/24\n       set acl_m_a = y\n"
                        "  warn hosts = !10.0.0.0/8\n       set acl_m_b = y\n"
                        "  warn hosts = {D}/hosts\n       set acl_m_c = y\n"
                        "  warn hosts = !{D}/hosts\n       set acl_m_e = y\n"
                        "  accept message = a=$acl_m_a b=$acl_m_b c=$acl_m_c e=$acl_m_e",
     "rcpts": ["u@q.example"]},
    {"name": "host_lookups", "ip": "192.0.2.1",
     "conf": "", "acl": "  warn hosts = net24-lsearch;{D}/nets\n       set acl_m_a = $host_data\n"
                        "  warn hosts = net-iplsearch;{D}/ipl\n       set acl_m_b = $host_data\n"
                        "  warn hosts = iplsearch;{D}/ipl\n       set acl_m_c = $host_data\n"
                        "  warn hosts = <; ::1 ; 192.0.2.0/24\n       set acl_m_e = $host_data\n"
                        "  accept message = a=$acl_m_a b=$acl_m_b c=$acl_m_c e=$acl_m_e",
     "rcpts": ["u@q.example"]},
    {"name": "host_names", "ip": "192.0.2.1", "host_name": "mx1.Example.com",
     "conf": "", "acl": "  warn hosts = 10.0.0.0/8 : *.example.com\n       set acl_m_a = $host_data\n"
                        "  warn hosts = ^mx\\\\d\\\\.\n       set acl_m_b = $host_data\n"
                        "  warn hosts = mx1.example.com\n       set acl_m_c = $host_data\n"
                        "  warn hosts = lsearch;{D}/lsd\n       set acl_m_e = $host_data\n"
                        "  warn hosts = iplsearch;{D}/ipl\n"
                        "  accept message = a=$acl_m_a b=$acl_m_b c=$acl_m_c e=$acl_m_e",
     "rcpts": ["u@q.example"]},
    {"name": "domains_and_local_parts",
     "conf": "domainlist local = {D}/doms\nlocalpartlist lp = {D}/lps\n"
             "domainlist_cache dc = ${if eq{1}{1}{a.example}} : q.example\n"
             "domainlist dx = ${if eq{1}{1}{a.example}} : q.example",
     "acl": "  warn domains = +local\n       set acl_m_a = $domain_data\n"
            "  warn domains = +local\n"
            "  warn domains = +dc\n  warn domains = +dc\n  warn domains = +dx\n  warn domains = +dx\n"
            "  warn domains = partial-lsearch;{D}/lsd\n       set acl_m_b = $domain_data\n"
            "  warn local_parts = +lp\n       set acl_m_c = $local_part_data\n"
            "  warn local_parts = +lp\n"
            "  warn local_parts = ^([a-z])(.*)\n       set acl_m_e = $local_part_data $1 $2\n"
            "  warn local_parts = lsearch;{D}/lsd\n       set acl_m_f = $local_part_data\n"
            "  accept message = a=$acl_m_a b=$acl_m_b c=$acl_m_c e=$acl_m_e f=$acl_m_f",
     "rcpts": _RCPTS + ["postmaster@x.p.example", "Foo@A.Example"]},
    {"name": "senders_recipients", "sender": "joe@Bad.Example",
     "conf": "addresslist bad = {D}/addrs\ndomainlist sd = bad.example : a.example",
     "acl": "  warn senders = +bad\n       set acl_m_a = $sender_data\n"
            "  warn senders = +bad\n"
            "  warn sender_domains = +sd\n  warn sender_domains = +sd\n"
            "  warn recipients = lsearch;{D}/lsd\n       set acl_m_b = $recipient_data\n"
            "  warn recipients = *@+sd : ^x@ : *@d.example\n       set acl_m_c = y\n"
            "  warn recipients = +bad\n  warn recipients = +bad\n"
            "  accept message = a=$acl_m_a b=$acl_m_b c=$acl_m_c",
     "rcpts": ["u@q.example", "foo@a.example", "x@d.example", "joe@x.example"]},
    {"name": "host_name_needed", "ip": "192.0.2.1",
     "conf": "", "acl": "  warn hosts = mx1.example.com : 192.0.2.0/24\n       set acl_m_a = y\n"
                        "  warn hosts = !mx1.example.com : 192.0.2.0/24\n       set acl_m_b = y\n"
                        "  warn hosts = iplsearch;{D}/ipl : 192.0.2.0/24\n       set acl_m_c = y\n"
                        "  warn hosts = *.example.com : 192.0.2.0/24\n       set acl_m_d = y\n"
                        "  warn hosts = @ : 192.0.2.0/24\n       set acl_m_e = y\n"
                        "  warn hosts = 192.0.2.0/24 : *.example.com\n       set acl_m_f = y\n"
                        "  accept message = a=$acl_m_a b=$acl_m_b c=$acl_m_c d=$acl_m_d e=$acl_m_e f=$acl_m_f",
     "rcpts": ["u@q.example"]},
    {"name": "negation_in_named_lists", "ip": "192.0.2.1", "sender": "",
     "conf": "hostlist notten = !10.0.0.0/8\nhostlist two = !192.0.2.0/24 : 10.0.0.0/8\n"
             "domainlist nd = !*.x.example : *\nlocalpartlist cf = +caseful : Foo : !bar : ^B(.*)",
     "acl": "  warn hosts = +notten\n       set acl_m_a = y\n"
            "  warn hosts = !+two\n       set acl_m_b = y\n"
            "  warn hosts = +two : 192.0.2.1\n       set acl_m_c = y\n"
            "  warn senders = :\n       set acl_m_e = y\n"
            "  warn domains = +nd\n       set acl_m_f = $domain_data\n"
            "  warn local_parts = +cf\n       set acl_m_g = $local_part_data $1\n"
            "  accept message = a=$acl_m_a b=$acl_m_b c=$acl_m_c e=$acl_m_e f=$acl_m_f g=$acl_m_g",
     "rcpts": ["Foo@a.x.example", "foo@y.example", "Bar@z.example", "Baz@q.example"]},
    {"name": "ipv6_client_and_atat", "ip": "2001:db8::25", "sender": "",
     "conf": "hostlist six = <; 2001:db8::/32 ; ::1\naddresslist at = @@lsearch;{D}/atat",
     "acl": "  warn hosts = <; 2001:db8::/32 ; ::1\n       set acl_m_a = y\n"
            "  warn hosts = +six\n       set acl_m_b = y\n"
            "  warn hosts = <; net64-iplsearch;{D}/ipl\n       set acl_m_c = $host_data\n"
            "  warn hosts = 10.0.0.0/8 : 2001:db8::/32\n       set acl_m_e = y\n"
            "  warn recipients = +at\n       set acl_m_f = $recipient_data\n"
            "  warn senders = : \n       set acl_m_g = y\n"
            "  accept message = a=$acl_m_a b=$acl_m_b c=$acl_m_c e=$acl_m_e f=$acl_m_f g=$acl_m_g",
     "rcpts": ["joe@a.example", "bob@a.example", "sue@a.example", "ann@a.example", "zed@c.example",
               "x@d.example"]},
    {"name": "cache_through_sublists",
     "conf": "domainlist local = a.example : *.b.example\n"
             "domainlist ld = ${if eq{1}{1}{a.example}} : *.b.example\n"
             "domainlist sub = +ld : c.example\ndomainlist sub2 = +local : c.example",
     "acl": "  warn domains = +sub\n  warn domains = +sub\n  warn domains = +sub2\n  warn domains = +sub2\n"
            "  warn domains = !+local\n  warn domains = !+local\n       set acl_m_a = $domain_data\n"
            "  accept message = a=$acl_m_a d=$domain_data",
     "rcpts": ["u@x.b.example", "u@q.example", "u@c.example"]},
    {"name": "lookup_defer", "ip": "192.0.2.1", "host_name": "h.example",
     "conf": "hostlist n = iplsearch;{D}/ipl\ndomainlist bad = a.example : ^c(\\d+)\\.example$",
     "acl": "  warn hosts = 10.0.0.0/8 : +n\n  warn domains = x.example : +bad\n"
            "  deny hosts = iplsearch;{D}/ipl\n       message = denied\n  accept",
     "rcpts": ["u@q.example"]},
]
