"""The MIME ACL as Exim 4.96 runs it (receive.c run_mime_acl, mime.c
mime_acl_check): the message is spooled as an mbox file under the spool's
scan directory, its parts are walked in order (nested multiparts depth
first), the ACL runs once per part with the $mime_* variables set, and
message/rfc822 parts are decoded to ``__rfc822_NNNNN`` files that are walked
afterwards, each as a message of its own ($mime_is_rfc822 = 1)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable

from acl.engine.verdict import Effects, LogLine, Result, Verdict
from acl.mime.headers import MAX_HEADER, apply_header, get_header
from acl.mime.stream import Stream
from acl.runtime.values import TaintedStr, is_tainted, untaint

STATE = "mime"  # ctx.extra key of the MimeState
MAX_DEPTH = 100  # nested multiparts followed (Exim recurses without a limit)
MAX_PARTS = 100_000  # parts walked in one message
MAX_RFC822 = 1000  # message/rfc822 attachments walked in one message

# What the mbox file starts with (spool_mbox.c), before the header lines.
MBOX_PREFIX = ("From ${if def:return_path{$return_path}{MAILER-DAEMON}} ${tod_bsdinbox}\n"
               "${if def:sender_address{X-Envelope-From: <${sender_address}>\n}}"
               "${if def:recipients{X-Envelope-To: ${recipients}\n}}")

PART_VARIABLES = ("mime_anomaly_text", "mime_boundary", "mime_charset", "mime_decoded_filename",
                  "mime_filename", "mime_content_description", "mime_content_disposition",
                  "mime_content_id", "mime_content_transfer_encoding", "mime_content_type")
ZERO_VARIABLES = ("mime_anomaly_level", "mime_is_multipart", "mime_content_size")

# Exim's boundary contexts: how $mime_is_coverletter is decided.
ATTACHMENT, COVERLETTER_ALL, COVERLETTER_ONESHOT = range(3)


@dataclass
class Boundary:
    boundary: bytes
    kind: int


@dataclass
class MimeState:
    """Per message: the spool paths, and while a part's ACL runs, the stream
    positioned after the part's headers and the enclosing boundary."""

    message_id: str
    scan_dir: str
    mbox: bytes
    stream: Stream | None = None
    boundary: bytes | None = None
    encoding: bytes | None = None  # the part's Content-Transfer-Encoding
    effects: Effects = field(default_factory=Effects)


# Conditions that read the spooled mbox file (Exim's spool_mbox() callers).
SCANNERS = frozenset({"regex", "mime_regex", "malware", "spam"})


def scan_needed(config: Any) -> bool:
    """Whether messages under ``config`` need the scan file at all: a MIME
    ACL is set, or some ACL has a condition that scans. Exim writes the file
    only on demand; deciding once per configuration saves the mkdir, write and
    rmdir per message when nothing would read it. ACL text the model cannot
    see (inline, from a file, or built by expansion) counts as scanning."""
    if config is None:
        return True
    derived = getattr(config, "derived", None)
    if derived is None:  # not a loaded Config (a test double): no memo
        return _config_scans(config)
    if "mime.scan_needed" not in derived:
        derived["mime.scan_needed"] = _config_scans(config)
    return bool(derived["mime.scan_needed"])


def _config_scans(config: Any) -> bool:
    options = getattr(config, "options", {}) or {}
    if options.get("acl_smtp_mime") or options.get("acl_not_smtp_mime"):
        return True
    acls = getattr(config, "acls", {}) or {}
    refs = [str(v) for k, v in options.items() if k.startswith("acl_") and v]
    for acl in acls.values():
        for st in acl.statements:
            for c in st.conditions:
                if c.name in SCANNERS:
                    return True
                if c.name == "acl" and c.value:
                    refs.append(c.value)
    # A reference that is not a defined ACL's name may be inline text or a file.
    return any(r.strip() not in acls and any(m in r for m in ("$", "/", "regex", "malware", "spam"))
               for r in refs)


def spool_directory(ctx: Any) -> str:
    spool = ctx.option("spool_directory")
    return str(spool) if spool else os.path.join(tempfile.gettempdir(), "exim-acl-spool")


def build_mbox(ctx: Any, body: bytes) -> bytes:
    """The mbox file Exim scans: a From line, X-Envelope-From/To, the header
    lines as they stand, a blank line and the body."""
    from acl.builtins.items._util import to_bytes
    from acl.expansion import expand

    head = expand(MBOX_PREFIX, ctx) + "".join(f"{n}:{v}\n" for n, v in ctx.headers)
    return to_bytes(head) + b"\n" + body


def spool_mbox(ctx: Any, body: bytes) -> MimeState:
    """The message's scan state, made once per message (the DATA ACL's
    ``regex`` reuses the MIME ACL's file, as Exim does)."""
    mid = str(ctx.variables.get("message_exim_id") or ctx.variables.get("message_id") or "")
    state = ctx.extra.get(STATE)
    if isinstance(state, MimeState) and state.message_id == mid:
        return state
    scan_dir = os.path.join(spool_directory(ctx), "scan", mid)
    state = MimeState(mid, scan_dir, build_mbox(ctx, body))
    try:
        os.makedirs(scan_dir, mode=0o750, exist_ok=True)
        with open(os.path.join(scan_dir, f"{mid}.eml"), "wb") as f:
            f.write(state.mbox)
    except OSError:
        pass  # decode then fails as Exim's would on an unwritable spool
    ctx.extra[STATE] = state
    return state


def unspool(ctx: Any) -> None:
    """Remove the message's scan directory (Exim's unspool_mbox) unless
    control = no_mbox_unspool was used; the dialogue calls this when the
    message is done with."""
    import shutil

    state = ctx.extra.pop(STATE, None)
    if isinstance(state, MimeState) and not ctx.extra.get("no_mbox_unspool"):
        shutil.rmtree(state.scan_dir, ignore_errors=True)


def reset_part(ctx: Any) -> None:
    v = ctx.variables
    for name in PART_VARIABLES:
        v.pop(name, None)
    for name in ZERO_VARIABLES:
        v[name] = "0"


def _text(b: bytes) -> str:
    from acl.builtins.items._util import from_bytes

    return TaintedStr(from_bytes(b))


PartRunner = Callable[[], Verdict]


class Walker:
    """mime_acl_check(): walk one message (the mbox or an rfc822 file)."""

    def __init__(self, ctx: Any, state: MimeState, run: PartRunner) -> None:
        self.ctx, self.state, self.run = ctx, state, run
        self.last: Verdict | None = None
        self.parts = 0
        lencheck = ctx.option("check_rfc2047_length", True)
        if isinstance(lencheck, str):
            lencheck = lencheck.strip().lower() not in ("false", "no")
        self.lencheck = bool(lencheck)

    def walk(self, f: Stream, context: Boundary | None, depth: int = 0) -> Result:
        ctx, v = self.ctx, self.ctx.variables
        rc = Result.OK
        while self.parts < MAX_PARTS:
            self.parts += 1
            reset_part(ctx)
            if context is not None and not self._next_part(f, context.boundary):
                return rc
            found: dict[str, bytes | None] = {}
            for _ in range(len(f.data) + 1):
                header = get_header(f)
                if header is None:
                    break
                apply_header(header, found, self.lencheck)
            for name, value in found.items():
                if value is not None:
                    v[name] = _text(value)
            ctype = found.get("mime_content_type")
            if ctype is not None and ctype.startswith(b"multipart"):
                v["mime_is_multipart"] = "1"
            boundary = found.get("mime_boundary")
            v["mime_part_count"] = str(int(v.get("mime_part_count") or "-1") + 1)
            v["mime_is_coverletter"] = "0" if context and context.kind == ATTACHMENT else "1"
            rc = self._run_part(f, context, found.get("mime_content_transfer_encoding"))
            if rc != Result.OK:
                break
            if ctype is not None and boundary is not None and ctype.startswith(b"multipart"):
                if depth < MAX_DEPTH:
                    kind = (ATTACHMENT if context and context.kind == ATTACHMENT
                            else COVERLETTER_ALL if ctype in (b"multipart/alternative",
                                                              b"multipart/related")
                            else COVERLETTER_ONESHOT)
                    rc = self.walk(f, Boundary(boundary, kind), depth + 1)
                    if rc != Result.OK:
                        break
            elif ctype is not None and ctype.startswith(b"message/rfc822"):
                rc = self._save_rfc822(f, context, found.get("mime_content_transfer_encoding"))
                if rc != Result.OK:
                    break
            if context is None:
                break  # a message has one top-level part
            if context.kind == COVERLETTER_ONESHOT:
                context.kind = ATTACHMENT
        reset_part(ctx)
        return rc

    @staticmethod
    def _next_part(f: Stream, boundary: bytes) -> bool:
        """Skip to the next ``--boundary`` line; False at the end boundary or EOF."""
        for _ in range(len(f.data) + 1):
            line = f.fgets(MAX_HEADER)
            if line is None:
                return False
            if line.startswith(b"--" + boundary):
                return not line[2 + len(boundary):].startswith(b"--")
        return False

    def _run_part(self, f: Stream, context: Boundary | None, encoding: bytes | None) -> Result:
        state = self.state
        state.stream, state.boundary = f, context.boundary if context else None
        state.encoding = encoding
        try:
            verdict = self.run()
        finally:
            state.stream = state.boundary = None
        from acl.dkim.acl import _merge

        _merge(state.effects, verdict.effects)
        self.last = verdict
        return verdict.result

    def _save_rfc822(self, f: Stream, context: Boundary | None, encoding: bytes | None) -> Result:
        from acl.mime.files import decode_part

        state = self.state
        name = ""
        for nr in range(MAX_RFC822 + 1):
            name = os.path.join(state.scan_dir, f"__rfc822_{nr:05d}")
            if not os.path.exists(name):
                break
        state.stream, state.boundary, state.encoding = f, context.boundary if context else None, encoding
        try:
            rc = decode_part(self.ctx, name, state.effects.logs)
        finally:
            state.stream = state.boundary = None
        self.ctx.variables.pop("mime_decoded_filename", None)
        if rc != Result.OK:
            state.effects.logs.append(LogLine(
                "MIME acl condition warning - could not decode RFC822 MIME part to file."))
            self.last = Verdict(Result.DEFER, where="mime")
            return Result.DEFER
        return Result.OK


def _has_content_type(ctx: Any) -> bool:
    return any(f"{n}:"[:13].lower() == "content-type:" for n, _ in ctx.headers)


def _rfc822_files(scan_dir: str) -> list[str]:
    try:
        return [e.name for e in os.scandir(scan_dir) if e.name.lower().startswith("__rfc822_")]
    except OSError:
        return []


def run_mime_acl(engine: Any, ctx: Any, raw_message: bytes, *, where: str = "mime",
                 run: PartRunner | None = None) -> Verdict | None:
    """Spool the message for content scanning and run the MIME ACL
    (``where`` "mime": acl_smtp_mime, "not_smtp_mime": acl_not_smtp_mime)
    once per part. ``raw_message`` is the message as received (header lines,
    blank line, body; LF line ends for SMTP). Returns None when the ACL is
    not run (option unset, or no Content-Type: header), else the deciding
    verdict (the first that is not accept, or the last) carrying the effects
    of every run. Call it even when no MIME ACL is set: the DATA ACL's
    ``regex`` scans the file it spools."""
    from acl.runtime.message import parse_message

    smtp = where == "mime"
    body = parse_message(raw_message, smtp=smtp).body
    state = spool_mbox(ctx, body)
    acl = engine.acl_for(where)
    if not acl or not _has_content_type(ctx):
        return None
    runner: PartRunner = run or (lambda: engine.run_acl(acl, ctx, where="mime"))
    walker = Walker(ctx, state, runner)
    v = ctx.variables
    v["mime_is_rfc822"] = "0"
    stream, saved_count, path = Stream(state.mbox), None, None
    rc = Result.OK
    for _ in range(MAX_RFC822 + 1):
        v["mime_part_count"] = "-1"
        rc = walker.walk(stream, None)
        if path is not None:
            v["mime_part_count"] = saved_count
            try:
                os.unlink(path)
            except OSError:
                break
        if rc != Result.OK:
            break
        names = _rfc822_files(state.scan_dir)
        if not names:
            break
        path = os.path.join(state.scan_dir, names[0])
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            break
        v["mime_is_rfc822"] = "1"
        saved_count = v.get("mime_part_count")
        stream = Stream(data)
    last = walker.last or Verdict(rc, where="mime")
    if rc == Result.OK and last.result != Result.OK:
        last = Verdict(rc, where="mime")
    last.effects = state.effects
    state.effects = Effects()
    return last


def name_ok(name: str, logs: list[LogLine]) -> bool:
    """Exim refuses to open a tainted file name (and logs it)."""
    if not is_tainted(name):
        return True
    logs.append(LogLine(f"Tainted filename '{untaint(name)}'", ("main", "panic")))
    return False
