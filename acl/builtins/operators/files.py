"""Operators that reach outside the string: expand (a second expansion) and
stat (a file's metadata)."""

from __future__ import annotations

import os
import stat as st
from typing import Any

from acl.builtins.registry import operator
from acl.errors import ExpansionError, ForcedFail
from acl.runtime.values import is_tainted

ANY = (0, 64)


@operator("expand", params=ANY, ctx=True, pure=False)
def expand(ctx: Any, subject: str, *params: str) -> str:
    """Expand the (already expanded) string once more; tainted text is refused."""
    if is_tainted(subject):
        raise ExpansionError(
            f"internal expansion of \"{subject}\" failed: attempt to expand tainted string '{subject}'")
    from acl.expansion import expand as expand_string  # lazy: the core imports the builtins

    try:
        return expand_string(str(subject), ctx)
    except ExpansionError as exc:
        kind = ForcedFail if isinstance(exc, ForcedFail) else ExpansionError
        raise kind(f'internal expansion of "{subject}" failed: {exc.message}') from None


_PERMS = ("---", "--x", "-w-", "-wx", "r--", "r-x", "rw-", "rwx")
_TYPES = {st.S_IFIFO: "p", st.S_IFCHR: "c", st.S_IFDIR: "d", st.S_IFBLK: "b", st.S_IFREG: "-"}


def symbolic_mode(mode: int) -> str:
    """ls-style mode string, with s/S and t/T for the set-id and sticky bits."""
    out = _TYPES.get(st.S_IFMT(mode), "?")
    for shift, special, letter in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        perms = _PERMS[(mode >> shift) & 7]
        if mode & special:
            perms = perms[:2] + (letter if perms[2] == "x" else letter.upper())
        out += perms
    return out


@operator("stat", params=ANY, pure=False)
def stat(subject: str, *params: str) -> str:
    """stat() of a file as name=value pairs; a tainted name is refused."""
    if is_tainted(subject):
        raise ExpansionError(f"Tainted filename '{subject}'")
    try:
        s = os.stat(subject)
    except (OSError, ValueError) as exc:
        reason = os.strerror(exc.errno) if isinstance(exc, OSError) and exc.errno else str(exc)
        raise ExpansionError(f"stat({subject}) failed: {reason}") from None
    return (f"mode={s.st_mode & 0o77777:04o} smode={symbolic_mode(s.st_mode)} inode={s.st_ino} "
            f"device={s.st_dev} links={s.st_nlink} uid={s.st_uid} gid={s.st_gid} size={s.st_size} "
            f"atime={int(s.st_atime)} mtime={int(s.st_mtime)} ctime={int(s.st_ctime)}")
