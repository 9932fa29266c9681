"""SMTP clients for the cluster test and benchmark: each session binds its
own loopback source address (127.0.0.2, 127.0.0.3, ...), which HAProxy
passes on in its PROXY header, and records how far it got."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

from bench.smtpload import SessionError, close, command, reply

_TIMEOUT = 20.0


@dataclass(frozen=True)
class Task:
    source: str  # the client's address: the key of the connection limit
    sender: str  # the key of the per-sender limit
    rcpt: str = "user@cluster.example"


@dataclass
class Outcome:
    task: Task
    stage: str  # accepted, connect-refused, connect-deferred, mail-refused, mail-deferred, error
    message_id: str | None = None
    acked_at: float = 0.0  # time.monotonic() of the 250
    detail: str = ""


def _refusal(stage: str, code: int) -> str:
    return f"{stage}-{'deferred' if code < 500 else 'refused'}"


async def attempt(host: str, port: int, task: Task, n: int) -> Outcome:
    """One session: banner, EHLO, MAIL, RCPT, DATA, QUIT."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, local_addr=(task.source, 0)), _TIMEOUT)
    except (OSError, asyncio.TimeoutError) as e:
        return Outcome(task, "error", detail=f"connect: {type(e).__name__}")
    out = Outcome(task, "error")
    try:
        code, text = await reply(reader, _TIMEOUT)
        if code != 220:
            out.stage, out.detail = _refusal("connect", code), text.decode(errors="replace")
            return out
        await command(reader, writer, b"EHLO client.example\r\n", 250, _TIMEOUT)
        writer.write(f"MAIL FROM:<{task.sender}>\r\n".encode())
        code, text = await reply(reader, _TIMEOUT)
        if code != 250:
            out.stage, out.detail = _refusal("mail", code), text.decode(errors="replace")
            writer.write(b"QUIT\r\n")
            await reply(reader, _TIMEOUT)
            return out
        await command(reader, writer, f"RCPT TO:<{task.rcpt}>\r\n".encode(), 250, _TIMEOUT)
        await command(reader, writer, b"DATA\r\n", 354, _TIMEOUT)
        body = f"Subject: cluster {n}\r\nFrom: <{task.sender}>\r\n\r\nmessage {n} from {task.source}\r\n.\r\n"
        text = await command(reader, writer, body.encode(), 250, _TIMEOUT)
        out.acked_at = time.monotonic()
        out.stage = "accepted"
        out.message_id = text.split(b"id=", 1)[1].split()[0].decode() if b"id=" in text else None
        writer.write(b"QUIT\r\n")
        await reply(reader, _TIMEOUT)
    except SessionError as e:
        if out.stage != "accepted":
            out.detail = str(e)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
        if out.stage != "accepted":
            out.detail = type(e).__name__
    finally:
        await close(writer)
    return out


async def run_tasks(host: str, port: int, tasks: list[Task], concurrency: int) -> list[Outcome]:
    """Every task once, ``concurrency`` sessions at a time."""
    todo = iter(enumerate(tasks))
    results: list[Outcome] = []

    async def worker() -> None:
        for n, task in todo:
            results.append(await attempt(host, port, task, n))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


async def run_for(host: str, port: int, make: Callable[[int], Task], concurrency: int,
                  seconds: float, stop: asyncio.Event | None = None) -> list[Outcome]:
    """Sessions back to back on ``concurrency`` workers until ``seconds`` pass
    or ``stop`` is set (a bounded stream: the last sessions finish after that)."""
    deadline = time.monotonic() + seconds
    results: list[Outcome] = []
    count = 0

    async def worker() -> None:
        nonlocal count
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            count += 1
            got = await attempt(host, port, make(count), count)
            results.append(got)
            if got.stage != "accepted":
                await asyncio.sleep(0.02)  # a refusal comes fast: do not spin

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def sources(first: str, count: int) -> list[str]:
    """``count`` loopback addresses from ``first`` on (all of 127/8 is local)."""
    a, b, c, d = (int(x) for x in first.split("."))
    return [f"{a}.{b}.{c}.{d + i}" for i in range(count)]


def limit_workload(addresses: Iterable[str], per_address: int, senders: int,
                   seed: int = 6) -> list[Task]:
    """``per_address`` sessions from each address, in a shuffled order (so
    one address's sessions overlap and land on different servers); each
    address always uses the same one of ``senders`` senders."""
    tasks = [Task(src, f"s{i % senders}@limited.example")
             for i, src in enumerate(addresses) for _ in range(per_address)]
    random.Random(seed).shuffle(tasks)
    return tasks


def tally(outcomes: Iterable[Outcome], key: Callable[[Outcome], str]) -> dict[str, Counter[str]]:
    """Per key (address or sender), how many sessions ended at each stage."""
    got: dict[str, Counter[str]] = {}
    for o in outcomes:
        got.setdefault(key(o), Counter())[o.stage] += 1
    return got
