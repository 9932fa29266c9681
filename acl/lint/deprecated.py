"""Names Exim renamed or dropped: warn with the current spelling."""

from __future__ import annotations

from typing import Any, Iterator

from acl.expansion import nodes as N
from acl.lint.base import Diagnostic, diag, parsed, values, walk, where

RENAMED_OPTIONS = {"proxy_required_hosts": "hosts_proxy"}
# Exim 4.86 moved proxy support out of "experimental" and renamed these: the
# proxy's own (inbound) side became "local", the side the client reached
# became "external" (ChangeLog JH/26; smtp_in.c stores them the same way).
RENAMED_VARIABLES = {
    "proxy_host_address": "proxy_local_address",
    "proxy_host_port": "proxy_local_port",
    "proxy_target_address": "proxy_external_address",
    "proxy_target_port": "proxy_external_port",
}
# Old names 4.96 still understands, with the name the manual now uses.
OLD_VARIABLES = {
    "interface_address": "received_ip_address", "interface_port": "received_port",
    "message_id": "message_exim_id", "return_size_limit": "bounce_return_size_limit",
    "tls_bits": "tls_in_bits", "tls_certificate_verified": "tls_in_certificate_verified",
    "tls_cipher": "tls_in_cipher", "tls_peerdn": "tls_in_peerdn", "tls_sni": "tls_in_sni",
}
OLD_OPERATORS = {"str2b64": "base64"}
RENAMED_CONTROLS = {"dmarc_forensic_enable": "dmarc_enable_forensic"}
SPF_RESULTS = {"err_perm": "permerror", "err_temp": "temperror"}


def rule_deprecated(cfg: Any, path: str) -> Iterator[Diagnostic]:
    for setting in cfg.settings.values():
        if getattr(setting, "written", "") in RENAMED_OPTIONS:
            old, new = setting.written, RENAMED_OPTIONS[setting.written]
            yield diag(setting.span, path, f'option "{old}" was renamed "{new}"; exim-acl '
                       "accepts the seed's name, Exim 4.96 refuses it", "deprecated", "warning",
                       new)
    for acl in cfg.acls.values():
        for stmt in acl.statements:
            for cond in stmt.conditions:
                if cond.name == "endpass":
                    # still obeyed by 4.96 (Debian's template uses it): information only
                    yield diag(cond.span, path, '"endpass" is discouraged: split the statement, '
                               "or use a nested ACL (acl = name)", "deprecated", "info")
                elif cond.name == "control" and cond.value:
                    name = cond.value.strip().split("/", 1)[0]
                    if name in RENAMED_CONTROLS:
                        # The seed's spelling: exim-acl accepts it, Exim 4.96 fails the
                        # statement (syntax error in "control=..."), hence a warning.
                        yield diag(cond.value_span or cond.span, path,
                                   f'control "{name}" is spelt "{RENAMED_CONTROLS[name]}"; '
                                   "exim-acl accepts the seed's spelling, Exim 4.96 refuses it",
                                   "deprecated", "warning",
                                   RENAMED_CONTROLS[name])
                elif cond.name in ("spf", "spf_guess") and cond.value:
                    for item in cond.value.split(":"):
                        word = item.strip().lstrip("!").strip()
                        if word in SPF_RESULTS:
                            yield diag(cond.value_span or cond.span, path,
                                       f'SPF result "{word}" is deprecated: use '
                                       f'"{SPF_RESULTS[word]}"', "deprecated", "warning",
                                       SPF_RESULTS[word])
    for v in values(cfg):
        tree = parsed(v)
        for node in walk(tree):
            if isinstance(node, N.Var) and node.name in RENAMED_VARIABLES:
                new = RENAMED_VARIABLES[node.name]
                yield diag(where(v, node), path, f"${node.name} is the Exim 4.83 name of ${new}; "
                           "exim-acl accepts it, Exim 4.96 fails on it (unknown variable name)",
                           "deprecated", "warning", "$" + new)
            elif isinstance(node, N.Var) and node.name in OLD_VARIABLES:
                new = OLD_VARIABLES[node.name]
                yield diag(where(v, node), path, f"${node.name} is an old name: use ${new}",
                           "deprecated", "warning", "$" + new)
            elif isinstance(node, N.Operator) and node.name in OLD_OPERATORS:
                new = OLD_OPERATORS[node.name]
                yield diag(where(v, node), path, f'operator "{node.name}" is an old name: use '
                           f'"{new}"', "deprecated", "warning", new)
