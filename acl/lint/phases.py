"""Which SMTP phase(s) each ACL runs in: from the acl_smtp_* options naming it,
inherited through ``acl = name`` conditions."""

from __future__ import annotations

from typing import Any

from acl.engine.conditions import split_acl_args


def option_phase(option: str) -> str | None:
    """acl_smtp_rcpt -> rcpt, acl_not_smtp_mime -> not_smtp_mime, acl_smtp_data_prdr -> prdr."""
    if option == "acl_smtp_data_prdr":
        return "prdr"
    if option.startswith("acl_smtp_"):
        return option[len("acl_smtp_"):]
    if option.startswith("acl_not_smtp"):
        return option[len("acl_"):]
    return None


def acl_name(value: str) -> str | None:
    """The ACL an option or ``acl =`` condition names statically (None when it is
    expanded, a file, or inline ACL text)."""
    value = value.strip()
    if not value or "$" in value or value.startswith("/") or any(c.isspace() for c in value):
        return None
    return value


def called(cond: Any) -> str | None:
    if cond.name != "acl" or not isinstance(cond.value, str):
        return None
    try:
        args = split_acl_args(cond.value)
    except Exception:  # malformed quoting: the engine reports it at run time
        return None
    return acl_name(args[0]) if args else None


def acl_phases(cfg: Any) -> dict[str, set[str]]:
    """ACL name -> phases it can run in (absent: not reachable from an option)."""
    out: dict[str, set[str]] = {}
    todo: list[tuple[str, str]] = []
    for name, setting in cfg.settings.items():
        phase = option_phase(name)
        target = acl_name(setting.raw) if phase and isinstance(setting.raw, str) else None
        if phase and target in cfg.acls:
            todo.append((target, phase))
    for _ in range(100_000):  # bounded: each (acl, phase) pair is visited once
        if not todo:
            break
        name, phase = todo.pop()
        if phase in out.setdefault(name, set()):
            continue
        out[name].add(phase)
        for stmt in cfg.acls[name].statements:
            for cond in stmt.conditions:
                target = called(cond)
                if target in cfg.acls:
                    todo.append((target, phase))
    return out
