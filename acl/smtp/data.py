"""Reading a message after DATA as Exim 4.96 (with the smuggling fix) does:
only CR LF . CR LF ends it, a bare LF is data, a leading dot is removed; then
the headers and message variables (acl.runtime.message), the DATA ACL and
the arrival log line."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from acl.engine import Result, Verdict
from acl.runtime.message import apply_message, parse_message
from acl.runtime.values import TaintedStr
from acl.smtp import prdr
from acl.builtins.variables import localhost_number
from acl.smtp.logs import message_id, rcvhost, timediff
from acl.smtp.selectors import selected

if TYPE_CHECKING:
    from acl.smtp.server import EximSMTP

CHUNK = 1 << 16  # bytes read at a time; lines may be longer
MAX_STORED = 64 << 20  # message bytes kept in memory when there is no size limit
SIZE_MARGIN = 1 << 16  # kept past message_size_limit (the excess is only counted)


def store_limit(size_limit: int) -> int:
    """Bytes of a message kept in memory: a message past message_size_limit is
    read to its end (to answer 552 in step) but no more of it is kept."""
    return size_limit + SIZE_MARGIN if size_limit > 0 else MAX_STORED


@dataclass
class Received:
    data: bytearray = field(default_factory=bytearray)  # as stored: CR LF -> LF
    size: int = 0  # bytes stored (counted even past MAX_STORED)
    body_lines: int = 0  # lines of the body ended by CR LF
    ended: bool = False  # the terminating dot was seen
    in_header: bool = True
    header_end: int = -1


class DotReader:
    """Exim's read_message_data_smtp() state machine, fed in chunks."""

    def __init__(self, msg: Received, limit: int) -> None:
        self.msg = msg
        self.limit = store_limit(limit)
        self.state = 0  # 0 line start, 1 normal, 2 after CR, 3 after dot, 4 after dot CR
        # A client whose first line ends in a bare LF uses LF as line ending
        # throughout; otherwise a bare LF is data (Exim's smuggling defence).
        self.lf_mode: bool | None = None

    def put(self, b: int) -> None:
        m = self.msg
        m.size += 1
        if len(m.data) < self.limit:
            m.data.append(b)

    def line_end(self) -> None:
        m = self.msg
        self.put(10)
        if m.in_header:
            if m.data[-2:] == b"\n\n" or m.data == b"\n":
                m.in_header = False
                m.header_end = len(m.data)
        else:
            m.body_lines += 1

    def put_run(self, run: bytes) -> None:
        m = self.msg
        m.size += len(run)
        room = self.limit - len(m.data)
        if room > 0:
            m.data += run[:room]

    def feed(self, chunk: bytes) -> int:
        """Consume ``chunk``; returns how many bytes were used (less than all
        when the message ended inside it). Runs of ordinary bytes are copied
        whole (found with bytes.find); only CR, LF and a line-start dot go
        through the state machine one at a time."""
        n = len(chunk)
        i = 0
        while i < n:
            st = self.state
            if st == 0 and chunk[i] != 0x2E:
                st = self.state = 1
            if st == 1:
                j = _next_eol(chunk, i)
                if j > i:
                    self.put_run(chunk[i:j])
                    i = j
                    if i >= n:
                        break
            if self.step(chunk[i]):
                return i + 1
            i += 1
        return n

    def step(self, ch: int) -> bool:
        """One byte through the state machine; True when the message ended."""
        st = self.state
        if st == 0:
            if ch == 0x2E:
                self.state = 3
                return False
            st = self.state = 1
        if st == 1:
            if ch == 0x0D:
                self.state = 2
                return False
            if ch == 0x0A:
                if self.lf_mode is None:
                    self.lf_mode = True
                if self.lf_mode:
                    self.line_end()
                    self.state = 0
                    return False
            self.put(ch)
        elif st == 2:
            if self.lf_mode is None:
                self.lf_mode = False
            if ch == 0x0A:
                self.line_end()
                self.state = 0
                return False
            self.line_end()
            if ch == 0x0D:
                return False
            self.state = 1
            self.put(ch)
        elif st == 3:
            if ch == 0x0D:
                self.state = 4
                return False
            if ch == 0x0A and self.lf_mode:
                self.msg.ended = True
                return True
            self.state = 1
            self.put(ch)
        else:  # 4: after CR LF . CR
            if ch == 0x0A:
                self.msg.ended = True
                return True
            self.line_end()
            if ch == 0x0D:
                self.state = 2
                return False
            self.state = 1
            self.put(ch)
        return False


def _next_eol(chunk: bytes, start: int) -> int:
    """Index of the next CR or LF at or after ``start`` (len(chunk) if none)."""
    cr = chunk.find(b"\r", start)
    lf = chunk.find(b"\n", start, cr if cr >= 0 else len(chunk))
    if lf >= 0:
        return lf
    return cr if cr >= 0 else len(chunk)


def header_text(name: str, value: str) -> str:
    return f"{name}:{value}\n"


async def read_data(smtp: "EximSMTP", limit: int) -> Received:
    assert smtp.lines is not None
    msg = Received()
    reader = DotReader(msg, limit)
    for _ in range(1 << 40):  # ends with the dot or the input
        chunk = await smtp.lines.getline(CHUNK)
        if not chunk:
            return msg
        used = reader.feed(chunk)
        if msg.ended:
            if used < len(chunk):  # unreachable: getline stops at the LF
                smtp.lines._buf = chunk[used:] + smtp.lines._buf
            return msg
    return msg


def _flat(s: str) -> str:
    return s.replace("\n", " ").replace("\0", " ")


async def receive(smtp: "EximSMTP") -> None:
    """After the 354: read, check, run the DATA ACL, reply and log."""
    policy, ctx, v = smtp.policy, smtp.ctx, smtp.v
    now = smtp.received_at = ctx.clock()
    mid = message_id(now, host=localhost_number(ctx))
    msg = await read_data(smtp, smtp.size_limit)
    if not msg.ended:
        where = ""
        if msg.in_header:
            complete = msg.data[-1:] == b"\n" and smtp.lines is not None
            where = " (after header)" if complete else " (header)"
        await smtp.say("421 Lost incoming connection")
        policy.log(f"SMTP connection from {policy.host(False)} lost while reading message "
                   f"data{where}")
        await smtp.notquit("connection-lost")
        from acl.smtp.server import Drop

        raise Drop
    smtp.trace("SMTP<< ", f"(message: {msg.size} bytes, dot-terminated)")
    await process(smtp, msg, mid)


async def process(smtp: "EximSMTP", msg: Received, mid: str, chunk_line: str = "") -> None:
    """A complete message (DATA or BDAT): size check, headers and variables,
    the DATA ACL, reply and log. ``chunk_line`` goes before a BDAT success reply."""
    policy, ctx, v = smtp.policy, smtp.ctx, smtp.v
    smtp.received_done = ctx.clock()  # RT= ends here, before the ACLs
    smtp.pipe_connect = False  # Exim offers PIPECONNECT no more after a message
    policy.message_id = mid
    v.update(message_id=mid, message_exim_id=mid)
    if smtp.size_limit > 0 and msg.size > smtp.size_limit:
        await smtp.say("552 Message size exceeds maximum permitted")
        policy.log(f"rejected from <{smtp.sender}> {policy.host()}: message too big: "
                   f"read={msg.size} max={smtp.size_limit}")
        policy.message_id = ""
        smtp.reset()
        return
    parsed = parse_message(bytes(msg.data), smtp=True)
    if "sender_rcvhost" not in v:
        v["sender_rcvhost"] = TaintedStr(rcvhost(v, selected(ctx, "incoming_port")))
    ctx.headers = []
    apply_message(ctx, parsed, recipients=smtp.recipients)
    submission_fixups(smtp)
    # A bare LF is data, not a line end (Exim's smuggling defence): only the
    # reader knows which body lines really ended in CR LF.
    v.update(recipients=TaintedStr(", ".join(smtp.recipients)),
             recipients_count=str(len(smtp.recipients)))
    if not smtp.chunked:
        v.update(body_linecount=str(msg.body_lines),
                 message_linecount=str(parsed.header_lines + parsed.separator + msg.body_lines))
    apply_header_changes(smtp)  # what earlier ACLs added or removed
    verdict = await verify_dkim(smtp, msg)
    try:
        if verdict is None:
            verdict = await run_mime(smtp, msg)
        await decide(smtp, msg, parsed.body, verdict, chunk_line)
    finally:
        import acl.mime

        acl.mime.unspool(ctx)  # the scan directory of this message goes


async def decide(smtp: "EximSMTP", msg: Received, body: bytes, verdict: Verdict | None,
                 chunk_line: str) -> None:
    """After DKIM and MIME: PRDR, the DATA ACL, then accept or reject."""
    policy, v = smtp.policy, smtp.v
    smtp.prdr_reply = None
    if not prdr.wanted(smtp):
        v.pop("prdr_requested", None)  # a single recipient: no PRDR after all
    elif verdict is None:
        smtp.prdr_reply = await prdr.run(smtp)
        if not smtp.recipients:  # nobody left: no DATA ACL, no message
            await smtp.say(smtp.prdr_reply)
            policy.message_id = ""
            smtp.reset()
            return
        v.update(recipients=TaintedStr(", ".join(smtp.recipients)),
                 recipients_count=str(len(smtp.recipients)))
    if verdict is None and policy.acl_option("data"):
        verdict = await smtp.run_phase("data")
    elif verdict is None:
        verdict = Verdict(Result.OK, where="data")
    apply_header_changes(smtp)
    if verdict.result in (Result.OK, Result.DISCARD):
        await accepted(smtp, verdict, body, chunk_line)
    else:
        if verdict.where == "dkim":  # Exim names the phase, with DATA's empty argument
            out = policy.fail("dkim", verdict, what="DKIM ")
        elif verdict.where == "mime":
            out = policy.fail("mime", verdict, what="during MIME ACL checks", sender_info=True)
        else:
            out = policy.fail("data", verdict, what="after DATA", sender_info=True)
        await smtp.write(out.lines)
        policy.message_id = ""  # a rejected message's id is forgotten
        smtp.reset()
        if out.drop:
            await smtp.notquit("acl-drop")
            from acl.smtp.server import Drop

            raise Drop


async def run_mime(smtp: "EximSMTP", msg: Received) -> Verdict | None:
    """The MIME ACL (docs/MIME.md), after DKIM and before PRDR and the DATA
    ACL: its verdict when it rejects or discards, else None. Called even
    without a MIME ACL: it spools the file the DATA ACL's regex scans, but
    only when the configuration has something that reads it."""
    import acl.mime
    from acl.mime.scan import scan_needed

    policy, ctx = smtp.policy, smtp.ctx
    if not scan_needed(policy.engine.config):
        return None

    def work() -> Verdict | None:
        return acl.mime.run_mime_acl(policy.engine, ctx, bytes(msg.data),
                                     run=lambda: policy.run("mime"))

    if smtp.acl_executor is None:
        verdict = work()
    else:  # file work and lookups: not in the loop's thread
        import asyncio

        verdict = await asyncio.get_running_loop().run_in_executor(smtp.acl_executor, work)
    return finish(smtp, verdict)


async def verify_dkim(smtp: "EximSMTP", msg: Received) -> Verdict | None:
    """DKIM verification of the message as received, and the DKIM ACL: its
    verdict when that rejects (or discards), else None (the DATA ACL runs)."""
    import acl.dkim

    policy, ctx = smtp.policy, smtp.ctx
    if not signed(msg) and (not policy.acl_option("dkim")
                            or ctx.option("dkim_verify_signers") is None):
        # Nothing to verify, and the DKIM ACL could only run for signers an
        # explicit dkim_verify_signers names: the unsigned state, in the loop.
        acl.dkim.verify_message(ctx, b"", controls=policy.controls)
        return finish(smtp, acl.dkim.run_dkim_acl(policy.engine, ctx, [],
                                                  run=lambda: policy.run("dkim")))
    raw = bytes(msg.data).replace(b"\n", b"\r\n")

    def work() -> Verdict | None:
        sigs = acl.dkim.verify_message(ctx, raw, controls=policy.controls)
        for line in acl.dkim.log_lines(ctx):
            policy.log(line)
        return acl.dkim.run_dkim_acl(policy.engine, ctx, sigs, run=lambda: policy.run("dkim"))

    if smtp.acl_executor is None:
        verdict = work()
    else:  # key lookups wait on DNS: not in the loop's thread
        import asyncio

        verdict = await asyncio.get_running_loop().run_in_executor(smtp.acl_executor, work)
    return finish(smtp, verdict)


def finish(smtp: "EximSMTP", verdict: Verdict | None) -> Verdict | None:
    """After the DKIM or MIME ACL: its header changes join the message; its
    verdict is kept only when it rejects or discards."""
    apply_header_changes(smtp)
    if verdict is None or verdict.result == Result.OK:
        return None
    return verdict


def signed(msg: Received) -> bool:
    """Whether the header section may hold a DKIM-Signature: (a cheap test
    that can only err towards yes: the name anywhere before the blank line)."""
    data = msg.data
    end = msg.header_end if msg.header_end >= 0 else data.find(b"\n\n")
    head = data if end < 0 else data[:end]
    return b"dkim-signature" in head.lower()


def _split(text: str) -> tuple[str, str]:
    name, _, value = text.rstrip("\n").partition(":")
    return name, value


def submission_fixups(smtp: "EximSMTP") -> None:
    """control = submission: Exim completes the message as it would a local
    one, adding Message-Id:, From: and Date: when missing (not with
    suppress_local_fixups). A From: uses the control's name= when given."""
    from acl.builtins.variables import tod_full

    policy, ctx, v = smtp.policy, smtp.ctx, smtp.v
    sub = next((c for c in policy.controls if c.name == "submission"), None)
    if sub is None or policy.has_control("suppress_local_fixups"):
        return
    names = {n.strip().lower() for n, _ in ctx.headers}
    host = ctx.registry.variables["primary_hostname"].getter(ctx) or ""
    added = []
    if "message-id" not in names:
        ctx.extra["smtp_added_message_id"] = f" <E{v.get('message_exim_id', '')}@{host}>"
        added.append(("Message-Id", ctx.extra["smtp_added_message_id"]))
    sender = smtp.sender or ""
    if "from" not in names and sender:
        name = sub.options.get("name")
        added.append(("From", f" {name} <{sender}>" if name else f" {sender}"))
    if "date" not in names:
        added.append(("Date", " " + tod_full(time.localtime(ctx.clock()))))
    ctx.headers = ctx.headers + added


def apply_header_changes(smtp: "EximSMTP") -> None:
    """The DATA ACL's add_header lines join the message, remove_header drops
    header lines by name (a colon-separated list)."""
    from acl.runtime.lists import iter_list

    policy, ctx = smtp.policy, smtp.ctx
    ctx.headers = ctx.headers + [_split(h.text) for h in policy.pending_headers]
    policy.pending_headers = []
    for spec in policy.removed_headers:
        names = {n.strip().rstrip(":").lower() for n in iter_list(spec)}
        ctx.headers = [h for h in ctx.headers if h[0].strip().lower() not in names]
    policy.removed_headers = []


async def accepted(smtp: "EximSMTP", verdict: Verdict, body: bytes, chunk_line: str) -> None:
    policy, ctx, v = smtp.policy, smtp.ctx, smtp.v
    if not await store(smtp, verdict, body):
        return  # the caller replied 451 and reset
    mid = policy.message_id  # the store may have renumbered the message
    if chunk_line and smtp.prdr_reply is None:  # Exim has no chunk line after PRDR
        await smtp.say(chunk_line)
    fake = next((c for c in policy.controls if c.name in ("fakereject", "fakedefer")), None)
    if fake is not None:
        from acl.engine.messages import message_code, reply_lines, split_message

        default = "550" if fake.name == "fakereject" else "450"
        sc = message_code(default, fake.options.get("message", ""))
        await smtp.write(reply_lines(sc.code, sc.enhanced, split_message(sc.message) or ""))
    elif smtp.prdr_reply is not None:  # the PRDR summary replaces the usual reply
        await smtp.say(smtp.prdr_reply)
    elif verdict.user_message:
        from acl.engine.messages import accept_reply

        await smtp.write(accept_reply("data", verdict.user_message, "250").lines)
    else:
        await smtp.say(f"250 OK id={mid}")
    if smtp.host_checking and smtp.prdr_reply is None:  # as receive.c does
        smtp.emit(b"\n**** SMTP testing: that is not a real message id!\n\n")
    size = sum(len(header_text(n, val).encode("utf-8", "surrogateescape"))
               for n, val in ctx.headers) + len(b"\n") + len(body)
    arrow = "(=" if fake is not None and fake.name == "fakereject" else "<="
    policy.log(f"{arrow} {smtp.sender or '<>'} {arrival_fields(smtp, size)}")
    blackhole(smtp, verdict)
    if policy.has_control("freeze"):
        policy.log("frozen by ACL")
    elif policy.has_control("queue"):
        policy.log("no immediate delivery: queued by ACL")
    if smtp.daemon:  # -bh keeps showing the id on later lines; a daemon does not
        policy.message_id = ""
    smtp.reset()


async def store(smtp: "EximSMTP", verdict: Verdict, body: bytes) -> bool:
    """The server's spool write, with the message's DSN data at hand for the
    envelope it builds (acl.spool.dsn.PENDING)."""
    from acl.spool import dsn

    p = smtp.params
    data = dsn.envelope_dsn(p.ret if p else None, p.envid if p else None,
                            {r: rp for r, rp in smtp.rcpt_dsn.items() if r in smtp.recipients})
    token = dsn.PENDING.set(data)
    try:
        return await smtp.store_message(verdict, body)
    finally:
        dsn.PENDING.reset(token)


def tls_fields(ctx: Any) -> str:
    """`` X= CV= DN= SNI=`` of an encrypted connection, as log_selector asks."""
    from acl.engine.modifiers import printing

    v = ctx.variables
    if not v.get("tls_in_cipher"):
        return ""
    out = ""
    if selected(ctx, "tls_cipher"):
        out += f" X={v['tls_in_cipher']}"
    if selected(ctx, "tls_certificate_verified"):
        out += f" CV={'yes' if v.get('tls_in_certificate_verified') == '1' else 'no'}"
    if selected(ctx, "tls_peerdn") and v.get("tls_in_peerdn"):
        out += f' DN="{printing(str(v["tls_in_peerdn"]))}"'
    if selected(ctx, "tls_sni") and v.get("tls_in_sni"):
        out += " SNI=" + printing(str(v["tls_in_sni"]))
    return out


_BODY_TYPES = {"7BIT": 7, "8BITMIME": 8}


def pipelining_field(smtp: "EximSMTP") -> str:
    """`` L`` when PIPELINING was advertised: ``.`` for PIPECONNECT offered,
    ``-`` when the client never had a command waiting for a reply."""
    if not smtp.pipelining or not selected(smtp.ctx, "pipelining"):
        return ""
    return " L" + ("." if smtp.pipe_connect_offered else "") + ("" if smtp.pipelining_used else "-")


def arrival_fields(smtp: "EximSMTP", size: int) -> str:
    """The ``<=`` line after the sender, in receive.c's order: H= I= P= L X=
    CV= DN= SNI= A= PRDR PRX= K S= M8S= DKIM= RT= id= T= from for (each as
    log_selector asks)."""
    from acl.auth import log_field
    from acl.dkim import overall_domain
    from acl.proxy import prx_field

    policy, ctx, v = smtp.policy, smtp.ctx, smtp.v
    out = f"{policy.host()} P={v.get('received_protocol', 'smtp')}{pipelining_field(smtp)}"
    out += tls_fields(ctx) + log_field(ctx)  # A= comes after the TLS fields (receive.c)
    if smtp.prdr_reply is not None:
        out += " PRDR"
    out += prx_field(ctx) + (" K" if smtp.chunked else "") + f" S={size}"
    if selected(ctx, "8bitmime"):
        body = smtp.params.body if smtp.params is not None else None
        out += f" M8S={_BODY_TYPES.get(body or '', 0)}"
    dkim = overall_domain(ctx)
    if dkim and selected(ctx, "dkim"):
        out += f" DKIM={dkim}"
    if selected(ctx, "receive_time"):
        out += " RT=" + timediff(max(0.0, smtp.received_done - smtp.received_at),
                                 selected(ctx, "millisec"))
    msgid = next((val for n, val in ctx.headers if n.strip().lower() == "message-id"
                  and val is not ctx.extra.get("smtp_added_message_id")), None)
    if msgid is not None and selected(ctx, "msg_id"):  # only the client's own Message-ID
        out += f" id={msgid.strip().removeprefix('<').removesuffix('>')}"
    if selected(ctx, "subject"):
        out += subject_field(ctx)
    if selected(ctx, "received_sender"):
        out += f" from <{smtp.sender or ''}>"
    if selected(ctx, "received_recipients"):
        out += " for " + " ".join(smtp.recipients)
    return out


def subject_field(ctx: Any) -> str:
    """`` T="..."``: the decoded Subject: (100 characters at most), quotes and
    backslashes escaped, then shown printable."""
    from acl.engine.modifiers import printing
    from acl.errors import AclError
    from acl.expansion import expand

    if not any(n.strip().lower() == "subject" for n, _ in ctx.headers):
        return ""
    try:
        text = expand("$h_subject:", ctx)[:100]
    except AclError:
        return ""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return f' T={printing(chr(34) + quoted + chr(34))}'


def blackhole(smtp: "EximSMTP", verdict: Verdict) -> None:
    """A message left without recipients by discard is done with at once:
    Exim logs which ACL threw it away (with the DATA ACL's log message)."""
    from acl.engine.modifiers import printing

    if verdict.result == Result.DISCARD:
        by = {"dkim": "DKIM ACL", "mime": "MIME ACL"}.get(verdict.where or "", "DATA ACL")
        detail = verdict.log_message
    elif not smtp.recipients:
        by, detail = ("MAIL ACL" if smtp.recipients_discarded else "RCPT ACL"), None
    else:
        return
    smtp.policy.log(f"=> blackhole ({by} discarded recipients)"
                    f"{': ' + printing(detail) if detail else ''}")
    smtp.policy.log("Completed")


async def bdat(smtp: "EximSMTP", arg: str) -> None:
    """BDAT (CHUNKING): chunks of exact size, no dot-stuffing, no predata
    ACL; other commands are refused until the LAST chunk."""
    if not smtp.chunking:
        await smtp.synprot(503, "BDAT command used when CHUNKING not advertised", kind="protocol")
        return
    parsed = bdat_args(arg)
    if parsed is None:
        await smtp.synprot(501, "missing size for BDAT command", kind="protocol")
        return
    size, last = parsed
    if not smtp.discarded and not smtp.recipients:
        assert smtp.lines is not None
        await smtp.lines.read_exact(size)  # the chunk is thrown away
        await smtp.no_recipients("BDAT")
        return
    now = smtp.received_at = smtp.ctx.clock()
    mid = message_id(now, host=localhost_number(smtp.ctx))
    smtp.chunked = True
    raw = bytearray()
    for _ in range(MAX_CHUNKS):
        assert smtp.lines is not None
        chunk = await smtp.lines.read_exact(size)
        raw += chunk[:max(0, store_limit(smtp.size_limit) - len(raw))]
        if len(chunk) < size:
            await lost_in_chunk(smtp, raw)
            return
        if last:
            break
        await smtp.say(f"250 {size} byte chunk received")
        nxt = await next_chunk(smtp, raw)
        if nxt is None:
            return
        size, last = nxt
    msg = chunked_message(bytes(raw))
    if msg is None:
        await smtp.say("552 Message header not CRLF terminated")
        smtp.policy.log(f"rejected from <{smtp.sender}> {smtp.policy.host()}: "
                        "Non-CRLF-terminated header, under CHUNKING: message abandoned")
        smtp.reset()
        return
    total = msg.size + bytes(msg.data).count(b"\n")  # as sent, every line end a CR LF
    smtp.trace("SMTP<< ", f"(message: {total} bytes in chunks)")
    await process(smtp, msg, mid, f"250- {size} byte chunk, total {total}")


MAX_CHUNKS = 1_000_000  # BDAT commands in one message


def bdat_args(arg: str) -> tuple[int, bool] | None:
    words = arg.split()
    if not words or not words[0].isdigit():
        return None
    return int(words[0]), len(words) > 1 and words[1].upper() == "LAST"


async def next_chunk(smtp: "EximSMTP", raw: bytearray) -> tuple[int, bool] | None:
    """After a non-LAST chunk only BDAT is allowed: the next BDAT's arguments,
    or None when the connection ended."""
    for _ in range(MAX_CHUNKS):
        kind, line = await smtp.read_command()
        if kind == "eof" or line is None:
            await lost_in_chunk(smtp, raw)
            return None
        text = line.decode("utf-8", "surrogateescape")
        if text[:4].lower() == "bdat" and (len(text) == 4 or text[4] == " "):
            parsed = bdat_args(text[4:])
            if parsed is not None:
                return parsed
        if text.lower() == "quit":
            await smtp.say(f"221 {smtp.active_hostname} closing connection")
        else:
            smtp.command_buffer = text
            smtp.log_synprot("protocol", "only BDAT permissible after non-LAST BDAT")
            await smtp.say("503 only BDAT permissible after non-LAST BDAT")
    return None


async def lost_in_chunk(smtp: "EximSMTP", raw: bytearray) -> None:
    from acl.smtp.server import Drop

    where = " (after header)" if raw.endswith(b"\n") else " (header)"
    if b"\r\n\r\n" in raw or raw.startswith(b"\r\n"):
        where = ""
    await smtp.say("421 Lost incoming connection")
    smtp.policy.log(f"SMTP connection from {smtp.policy.host(False)} lost while reading "
                    f"message data{where}")
    await smtp.notquit("connection-lost")
    raise Drop


def chunked_message(raw: bytes) -> Received | None:
    """The chunks as stored: CR LF becomes LF, a message not ending in a line
    end gets one; a bare LF in the header section abandons the message
    (None), while in the body it ends a line."""
    head_end = raw.find(b"\r\n\r\n")
    head = raw if head_end < 0 else raw[:head_end + 2]
    if raw.startswith(b"\r\n"):
        head = b""
    if b"\n" in head.replace(b"\r\n", b""):
        return None
    data = raw.replace(b"\r\n", b"\n")
    if not data.endswith(b"\n"):
        data += b"\n"
    return Received(data=bytearray(data), size=len(data), ended=True,
                    in_header=head_end < 0 and not raw.startswith(b"\r\n"))
