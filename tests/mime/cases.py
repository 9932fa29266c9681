"""The MIME goldens' cases: messages and ACLs shared by the recorder
(record.py, against Exim) and the replay test (through acl.engine)."""

from __future__ import annotations

VARS = ("mime_part_count mime_content_type mime_charset mime_boundary mime_filename "
        "mime_content_disposition mime_content_transfer_encoding mime_content_id "
        "mime_content_description mime_is_multipart mime_is_coverletter mime_is_rfc822 "
        "mime_content_size mime_decoded_filename mime_anomaly_level mime_anomaly_text").split()
LOG_ALL = ("  warn logwrite = " + " ".join(f"{v[5:]}=<${v}>" for v in VARS) + "\n"
           "  warn decode = default\n"
           "       logwrite = dec size=$mime_content_size an=$mime_anomaly_level "
           "<$mime_anomaly_text> [$mime_decoded_filename] "
           "b64=${str2b64:${readfile{$mime_decoded_filename}}}\n"
           "  accept\n")
DATA_LOG = ("  warn logwrite = DATA count=$mime_part_count rfc=$mime_is_rfc822 "
            "type=<$mime_content_type>\n  accept\n")


def config_text(case: dict, spool: str) -> str:
    return (f"primary_hostname = test.example\nspool_directory = {spool}\n"
            "acl_smtp_rcpt = accept\nacl_smtp_mime = mime\nacl_smtp_data = data\n"
            f"{case.get('options', '')}\nbegin acl\nmime:\n{case.get('mime', LOG_ALL)}"
            f"data:\n{case.get('data', DATA_LOG)}")


MIXED = """Subject: hello there
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

preamble
--XX
Content-Type: text/plain; charset=utf-8

body one
--XX
Content-Type: application/octet-stream; name="a.bin"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="a.bin"

aGVsbG8gd29ybGQ=
--XX--
epilogue
"""

QUIRKS = """Subject: t
Content-type:Multipart/Mixed (a comment) ; boundary=b1;
  Charset = X (comment)
Content-ID: <ABC@x>
Content-Description: Some Desc; name=zz
\tcontinued

--b1
Content-Type: text/plain;
\tcharset="iso-8859-1"
Content-Transfer-Encoding: Quoted-Printable

caf=E9 =
soft =ZZ bad
--b1
Content-Type: application/pdf; name="=?utf-8?Q?r=C3=A9sum=C3=A9.pdf?="
Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rates.pdf
Content-Transfer-Encoding: base64

aGVsbG8g!d29y
bGQ
--b1
Content-Type: text/plain; name="a b" ; charset=x y
Content-Disposition: INLINE; filename*0*=iso-8859-1'en'%E9t; filename*1=e.txt

QQ
--b1--
"""

NESTED = """Subject: t
Content-Type: multipart/mixed; boundary=O

--O
Content-Type: multipart/alternative; boundary=A

--A
Content-Type: text/plain

plain
--A
Content-Type: text/html

<b>html</b>
--A--
--O
Content-Type: message/rfc822
Content-Disposition: attachment; filename*=''my_file%41.txt

Subject: inner
Content-Type: multipart/mixed; boundary=I

--I
Content-Type: text/plain; name*=utf-8''x_y

inner text
--I
Content-Type: application/x; name="=?iso-8859-1?q?caf=e9_x?="
Content-Transfer-Encoding: base64

QQ
--I--
--O
Content-Type: text/plain
Content-Disposition: attachment; filename*=utf-8''a_b.txt

last
--O--
"""

_VARIANTS = [
    "Content-Type: text/plain (a comment) ; charset=us",
    "Content-Type: text/plain; charset=a (c) b",
    "Content-Type: text/plain; charset = a b",
    'Content-Type: text/plain; charset="a b" c d',
    "Content-Type: a b; charset=x y",
    'Content-Type: "a b" c; charset=x y',
    "Content-Type: a(b)c; charset=x(y)z w",
    "Content-Type: a; charset=x\n y",
    "Content-Type: a; charset=x\n  y z",
    "Content-Type: a; (c) charset=x y",
    "Content-Type: a (c (d) e) f; charset = x y",
    'Content-Type: a "(c)" f; charset = x y',
    "Content-Type: a ; charset=x ; name=y z",
    "Content-Type:a;NAME=Q;CHARSET=W",
    "Content-Type: a; xcharset=u; charset=v",
    "Content-Type: a; charset=",
    'Content-Type: a; charset="x;y"; name=q',
    'Content-Type: a; charset="x',
    "Content-Type: a\tb ; charset=x\ty",
    'Content-Type: a; charset="x; y z"; name=q',
    "Content-Type: a=b c; charset=x",
    "Content-Type: text/plain; name*0*=utf-8''a%41; name*1=b_c; name=\"zz\"",
    "Content-Type: text/plain; name=\"n1\"\nContent-Disposition: attachment; filename*=utf-8''f_1",
    "Content-Disposition: attachment; filename=\"q1\"; filename*=utf-8''f_2",
    "Content-Disposition: attachment; filename*=utf-8''f%2; filename*1=\"x y\"",
    "Content-Description: foo; name*=utf-8''p4",
    "Content-Type: text/plain; name*=p7",
    "Content-Type: text/plain; name*=\"utf-8'en'p8 x\"",
    "Content-Type: text/plain; name=\"=?utf-8?B?w6k=?= =?utf-8?Q?_x?=\"",
    "Content-ID: <A;B>; name=x",
]


def _variants() -> str:
    out = ["Subject: t", "Content-Type: multipart/mixed; boundary=B", "", ""]
    for v in _VARIANTS:
        out += ["--B", v, "", "x"]
    return "\n".join(out + ["--B--", ""])


SHORT_LOG = "  warn logwrite = $mime_part_count [$mime_content_type]|[$mime_charset]|[$mime_filename]\n  accept\n"

ENCODINGS = """Subject: t
Content-Type: multipart/mixed; boundary=E

--E
Content-Transfer-Encoding: base64

QQ
--E
Content-Transfer-Encoding: base64

QUJD RA==
=QUJD
--E
Content-Transfer-Encoding: quoted-printable

a=3Db=\t
c = d=
=4
--E
Content-Transfer-Encoding: x-uuencode

as is
--E
Content-Transfer-Encoding: BASE64

  YWJj
--E--
"""

CASES: list[dict] = [
    {"name": "mixed", "message": MIXED},
    {"name": "quirks", "message": QUIRKS},
    {"name": "nested_rfc822", "message": NESTED},
    {"name": "header_variants", "message": _variants(), "mime": SHORT_LOG},
    {"name": "encodings", "message": ENCODINGS},
    {"name": "not_mime", "message": "Subject: plain\n\nno content type\n"},
    {"name": "content_type_spaced", "message": "Subject: t\ncontent-type : text/plain\n\nx\n"},
    {"name": "single_part_qp", "message": "Subject: t\nContent-Type: TEXT/Plain; charset=\"UTF-8\"\n"
                                         "Content-Transfer-Encoding: quoted-printable\n\n=C3=A9t=C3=A9\n"},
    {"name": "broken_boundary", "message": "Subject: t\nContent-Type: multipart/mixed; boundary=\"b1\" ;\n\n"
                                          "--b1 \nContent-Type: text/plain\n\nnever\n--b1--\n"},
    {"name": "missing_end", "message": "Subject: t\nContent-Type: multipart/mixed; boundary=Z\n\n"
                                      "--Z\nContent-Type: text/plain\n\none\n--Zextra\nContent-Type: text/html\n\ntwo\n"},
    {"name": "deny", "message": MIXED,
     "mime": "  accept condition = ${if eq{$mime_part_count}{0}}\n"
             "  deny message = no $mime_content_type here\n       log_message = part $mime_part_count\n"},
    {"name": "defer", "message": MIXED,
     "mime": "  defer condition = ${if eq{$mime_part_count}{2}}\n       message = later\n  accept\n"},
    {"name": "discard", "message": MIXED, "mime": "  discard\n"},
    {"name": "regex", "message": MIXED,
     "mime": "  warn regex = (bad : f(o+) : ^body (\\\\w+) : false : ^(b)(o)dy\n"
             "       logwrite = R $mime_part_count [$regex1] [$regex2] [$regex3] [$regex_match_string]\n"
             "  warn mime_regex = w(or)ld : ^(b)ody\n"
             "       logwrite = M $mime_part_count [$regex1] [$regex2] [$regex_match_string] "
             "size=$mime_content_size\n"
             "  accept\n",
     "data": "  warn regex = ^Subject: (\\\\w+) (\\\\w+)\n       logwrite = D1 [$regex1] [$regex2]\n"
             "  warn regex = ^X-Envelope-From: <(.*)>\n       logwrite = D2 [$regex1] [$regex2]\n"
             "  warn regex = ^aGVs(.*)\n       logwrite = D3 [$regex1]\n"
             "  warn regex = 0\n       logwrite = never\n"
             "  accept\n"},
    {"name": "decode_paths", "message": MIXED,
     "mime": "  warn decode = myname\n       logwrite = D1 [$mime_decoded_filename] $mime_content_size\n"
             "  warn decode = ${if eq{1}{1}{$h_subject:}}\n       logwrite = D2 [$mime_decoded_filename]\n"
             "  warn decode = 0\n       logwrite = D3 [$mime_decoded_filename]\n"
             "  warn decode = false\n       logwrite = D4 [$mime_decoded_filename]\n"
             "  warn decode = /nonexistent/dir/file\n       logwrite = D5 [$mime_decoded_filename]\n"
             "  accept\n"},
    {"name": "phase_errors", "message": MIXED, "mime": "  accept\n",
     "data": "  warn mime_regex = x\n  warn decode = default\n  accept regex = zz\n"},
]
CASES[3]["message"] = _variants()
