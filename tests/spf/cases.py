"""The SPF cases recorded from Exim 4.96 (record_goldens.py) and replayed by
test_goldens.py. Each case is one SMTP session from ``ip`` (EHLO ``helo``
unless it is None, MAIL FROM ``sender``): the ACL of ``phase`` tests each
condition in its own ``warn`` statement, then logs the SPF variables."""

from __future__ import annotations

from dataclasses import dataclass, field

ALL = "pass:fail:softfail:none:neutral:permerror:temperror"
GUESS_DEFAULT = "v=spf1 a/24 mx/24 ptr ?all"


@dataclass(frozen=True)
class Case:
    id: str
    sender: str
    conditions: tuple[str, ...] = (f"spf = {ALL}",)
    ip: str = "192.0.2.1"
    helo: str | None = "helo.example.test"
    phase: str = "mail"
    options: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


def _results(domain: str, **kw: object) -> Case:
    return Case(domain, f"user@{domain}.example.test", **kw)  # type: ignore[arg-type]


CASES: list[Case] = [
    _results("pass"),
    _results("fail"),
    _results("softfail"),
    _results("neutral"),
    _results("nospf"),
    Case("nxdomain", "user@nx.example.test"),
    _results("perm"),
    _results("two"),
    _results("inclnx"),
    _results("incltemp"),
    Case("temp-sender", "user@x.broken.test"),
    _results("exp"),
    _results("softexp"),
    _results("ptr"),
    _results("redir"),
    _results("amech"),
    Case("macro-pass", "alice@macro.example.test"),
    Case("macro-fail", "bob@macro.example.test"),
    Case("pass6", "user@pass6.example.test", ip="2001:db8::25"),
    Case("pass-wrong-ip", "user@pass.example.test", ip="198.51.100.7"),
    # The HELO identity: empty sender.
    Case("helo-pass", "", helo="helo.example.test"),
    Case("helo-fail", "", helo="helofail.example.test"),
    Case("helo-none", "", helo="nospf.example.test"),
    Case("no-helo", "user@pass.example.test", helo=None, options=("hosts_require_helo =",)),
    # Names in the list: negation, short-circuit, old names, unknown words.
    Case("names-neg", "user@fail.example.test",
         conditions=("spf = !fail", "spf = !pass", "spf = !pass:fail", "spf = fail:!fail",
                     "spf = ! fail", "spf = PASS", "spf = bogus", "spf = invalid",
                     "spf = ", "spf = <; pass; fail", "!spf = fail")),
    Case("names-invalid", "user@perm.example.test",
         conditions=("spf = invalid", "spf = (invalid)", "spf = !invalid", "spf = permerror")),
    Case("names-old-perm", "user@two.example.test",
         conditions=("spf = err_perm", "spf = permerror", "spf = !err_perm", "spf = err_temp")),
    Case("names-old-temp", "user@incltemp.example.test",
         conditions=("spf = err_temp", "spf = temperror", "spf = !err_temp", "spf = err_perm")),
    # Best guess: the default record, then a configured one.
    Case("guess-a", "user@guess.example.test", conditions=(f"spf_guess = {ALL}",)),
    Case("guess-mx", "user@guessmx.example.test", conditions=(f"spf_guess = {ALL}",)),
    Case("guess-no", "user@guessno.example.test", conditions=(f"spf_guess = {ALL}",)),
    Case("guess-has-record", "user@fail.example.test", conditions=(f"spf_guess = {ALL}",)),
    Case("guess-nx", "user@nx.example.test", conditions=(f"spf_guess = {ALL}",)),
    Case("guess-option", "user@guessno.example.test", conditions=(f"spf_guess = {ALL}",),
         options=("spf_guess = v=spf1 ip4:198.51.100.0/24 -all",)),
    Case("guess-option-fail", "user@guess.example.test", conditions=(f"spf_guess = {ALL}",),
         options=("spf_guess = v=spf1 -all",)),
    Case("guess-then-spf", "user@guess.example.test",
         conditions=(f"spf_guess = {ALL}", f"spf = {ALL}")),
    Case("spf-then-guess", "user@guess.example.test",
         conditions=(f"spf = {ALL}", f"spf_guess = {ALL}")),
    # The smtp comment template option.
    Case("template", "user@fail.example.test",
         options=("spf_smtp_comment_template = Sorry%_%{s}%_from%_%{i}%_(%{h})",)),
    Case("template-expanded", "user@softfail.example.test",
         options=("spf_smtp_comment_template = ${uc:see}%_%{d}",)),
    _results("mxonly"),
    _results("mx24"),
    _results("nodefault"),
    _results("defaultexp"),
    # Phases where the condition is allowed or refused.
    Case("phase-rcpt", "user@fail.example.test", phase="rcpt"),
    Case("phase-predata", "user@fail.example.test", phase="predata"),
    Case("phase-data", "user@fail.example.test", phase="data"),
    Case("phase-connect", "user@fail.example.test", phase="connect"),
    Case("phase-helo", "user@fail.example.test", phase="helo"),
    Case("phase-vrfy", "user@fail.example.test", phase="vrfy"),
    Case("phase-quit", "user@fail.example.test", phase="quit"),
]
