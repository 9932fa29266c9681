"""The DKIM scenarios recorded from Exim (tests/dkim/record_goldens.py) and
replayed by tests/dkim/test_goldens.py. Keys are made when recording; the
zones and signed messages are stored with Exim's results."""

from __future__ import annotations

from typing import Any

from tests.dkim.signer import Key, message, new_key, sign, zone_txt

VARS = ("cur_signer verify_status verify_reason domain identity selector algo canon_body canon_headers "
        "copiedheaders bodylength created expires headernames key_length key_testing key_nosubdomains "
        "key_srvtype key_granularity key_notes").split()
DKIM_LOG = "DKIMACL " + " ".join(f"{v}=[$dkim_{v}]" for v in VARS)
DATA_LOG = ("DATA status=[$dkim_verify_status] reason=[$dkim_verify_reason] signers=[$dkim_signers] "
            "dom=[$dkim_domain] sel=[$dkim_selector] cur=[$dkim_cur_signer] algo=[$dkim_algo] kl=[$dkim_key_length]")


def config(options: str = "", dkim: str = "", data: str = "", rcpt: str = "") -> str:
    return (f"primary_hostname = mx.example.org\nrfc1413_hosts =\nacl_smtp_rcpt = rcpt_acl\n"
            f"acl_smtp_dkim = dkim_acl\nacl_smtp_data = data_acl\n{options}\n"
            f"begin acl\nrcpt_acl:\n{rcpt}  accept\n"
            f"dkim_acl:\n  warn logwrite = {DKIM_LOG}\n{dkim}  accept\n"
            f"data_acl:\n  warn logwrite = {DATA_LOG}\n"
            "  warn logwrite = AR ${authresults{mx.example.org}}\n"
            f"{data}  accept\n")


def build() -> tuple[dict[str, str], list[dict[str, Any]]]:
    """(zones, cases) with fresh keys."""
    rsa, rsa2, ed = new_key(), new_key(), new_key("ed25519")
    zones = {
        "dkim.test": "".join([
            zone_txt("sel._domainkey", rsa.record()),
            zone_txt("sel2._domainkey", rsa2.record()),
            zone_txt("ed._domainkey", ed.record()),
            zone_txt("rev._domainkey", "v=DKIM1; p="),
            zone_txt("tst._domainkey", rsa.record("t=y:s; n=hello=20world; g=foo; s=email; ")),
            zone_txt("srv._domainkey", rsa.record("s=other; ")),
            zone_txt("h1._domainkey", rsa.record("h=sha1; ")),
            zone_txt("bad._domainkey", "v=DKIM1; k=rsa; p=bm90IGEga2V5"),
            zone_txt("v2._domainkey", "v=DKIM2; " + rsa.record()[9:]),
            zone_txt("nop._domainkey", "v=DKIM1; k=rsa"),
            zone_txt("edrsa._domainkey", rsa.record()),
            zone_txt("multi._domainkey", "v=spf1 -all") + zone_txt("multi._domainkey", rsa.record()),
        ]),
        "other.test": zone_txt("ed._domainkey", ed.record()),
    }
    m = message()
    s = lambda k=rsa, **kw: sign(m, k, **kw)  # noqa: E731
    changed_body = s().replace(b"A test", b"A Test")
    cases: list[dict[str, Any]] = [
        {"name": "pass", "msg": s()},
        {"name": "simple", "msg": s(canon="simple/simple")},
        {"name": "simple_headers_relaxed_body", "msg": s(canon="simple/relaxed")},
        {"name": "body_changed", "msg": changed_body},
        {"name": "header_changed", "msg": s().replace(b"DKIM test", b"DKIM Test")},
        {"name": "both_changed", "msg": changed_body.replace(b"DKIM test", b"DKIM Test")},
        {"name": "missing_key", "msg": s(selector="nokey")},
        {"name": "revoked_key", "msg": s(selector="rev")},
        {"name": "testing_flags", "msg": s(selector="tst", identity="alice@dkim.test", length=True,
                                           expires=1800000000, copied="From:alice")},
        {"name": "ed25519", "msg": s(ed, selector="ed")},
        {"name": "body_length", "msg": s(length=True) + b"Appended after signing.\r\n"},
        {"name": "body_length_short", "msg": s(length=5)},
        {"name": "temp_dns", "msg": s(domain="broken.test")},
        {"name": "several", "msg": sign(sign(sign(m, rsa), ed, selector="ed", domain="other.test"),
                                        rsa2, selector="sel2").replace(b"A test", b"A Test")},
        {"name": "several_pass", "msg": sign(sign(m, rsa), ed, selector="ed", domain="other.test")},
        {"name": "sha1_default", "msg": s(algo="rsa-sha1")},
        {"name": "sha1_allowed", "msg": s(algo="rsa-sha1"), "options": "dkim_verify_hashes = sha1 : sha256"},
        {"name": "keytypes_rsa_only", "msg": sign(s(), ed, selector="ed"), "options": "dkim_verify_keytypes = rsa"},
        {"name": "min_keysize", "msg": s(), "options": "dkim_verify_min_keysizes = rsa=4096 ed25519=250"},
        {"name": "minimal", "msg": sign(sign(m, rsa), ed, selector="ed"), "options": "dkim_verify_minimal"},
        {"name": "signers_option", "msg": s(identity="alice@dkim.test"),
         "options": "dkim_verify_signers = extra.test:$dkim_signers:dkim.test:ALICE@dkim.test"},
        {"name": "disable_verify", "msg": s(), "rcpt": "  warn control = dkim_disable_verify\n"},
        {"name": "deny_fail", "msg": s().replace(b"DKIM test", b"DKIM Test"),
         "dkim": "  deny dkim_status = fail:invalid\n       message = DKIM $dkim_verify_reason\n"},
        {"name": "policy_override", "msg": s(),
         "dkim": "  warn set dkim_verify_status = fail\n       set dkim_verify_reason = local policy\n"},
        {"name": "conditions", "msg": sign(s(identity="alice@dkim.test"), ed, selector="ed", domain="other.test"),
         "dkim": "  warn dkim_signers = other.test : *@dkim.test\n       logwrite = SIGNER $dkim_cur_signer\n"
                 "  warn dkim_status = PASS\n       logwrite = STATUS pass\n",
         "data": "  warn dkim_status = pass\n       logwrite = DATA_STATUS pass\n"},
        {"name": "missing_bh", "msg": s(drop=("bh",))},
        {"name": "version_2", "msg": s(version="2")},
        {"name": "srvtype_other", "msg": s(selector="srv")},
        {"name": "key_hash_sha1_only", "msg": s(selector="h1")},
        {"name": "bad_key_data", "msg": s(selector="bad")},
        {"name": "key_v_dkim2", "msg": s(selector="v2")},
        {"name": "key_no_p", "msg": s(selector="nop")},
        {"name": "ed_sig_rsa_key", "msg": s(ed, selector="edrsa")},
        {"name": "txt_not_dkim_first", "msg": s(selector="multi")},
        {"name": "unknown_algo", "msg": s(algo="rsa-md5") if False else
         s().replace(b"a=rsa-sha256", b"a=rsa-sha384")},
        {"name": "no_signature", "msg": m},
        {"name": "dkim_acl_disable", "msg": sign(s(), ed, selector="ed", domain="other.test"),
         "dkim": "  warn control = dkim_disable_verify\n"},
    ]
    for c in cases:
        c["config"] = config(c.pop("options", ""), c.pop("dkim", ""), c.pop("data", ""), c.pop("rcpt", ""))
        c["msg"] = c["msg"].decode("latin-1")
    return zones, cases


BROKEN = ("broken.test",)
_ = Key  # re-exported for the tests
