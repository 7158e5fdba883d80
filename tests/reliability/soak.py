"""A soak run: mixed load on ``ccx-mock`` from two workspaces; memory levels off, latency holds.

``make soak`` (``python -m tests.reliability.soak --minutes 10``) starts ``ccx-mock`` on a free
loopback port and, from both of its workspaces at once, for the given minutes: sends through
the SDK (one in six asking for faults: injected 503s, dropped connections, latency, 429 bursts,
each with a seed of its own), probes ``GET /v1/me``, broadcasts to a small segment, exports the
messages and downloads them, and moves the workspace's clock six hours every two seconds (so
30 days of retention pass in four minutes). Every event is delivered to a loopback receiver
that fails 30 % of deliveries at random, so redelivery carries the rest.

Sampled per minute: the server's resident memory (RSS, from /proc) and the p99 latency of the
requests that asked for no fault (probes and plain sends), measured from the client. A second,
idle ``ccx-mock`` is probed at the same pace from the same client: its p99 shows what the
machine's own load (other jobs on shared cores) did to latency that minute, so a rise in the
loaded server's p99 can be told apart from a rise in everyone's. At the end
the clocks move two more days to let redeliveries finish, and the receiver's acknowledgements
are checked: every message the SDK created arrived as ``message.queued``, ``message.sent`` and
``message.delivered``, every broadcast as ``broadcast.completed`` (no event lost), and no send
made two messages (no duplicate).

Verdicts, printed with the table (the exit status is 1 when one fails):

- memory levels off: the RSS grows less over the second half of the run than a fifth of what
  it grew over the first half, and ends within 10 % of its value at the half;
- p99 stays within twice the first minute's p99 in every minute;
- zero duplicates and zero lost events.

Not in CI: it takes the minutes it is given and two cores' worth of load. Linux only (RSS from
/proc), loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

import ccx
from ccx.mock._demo import DEMO_TOKEN, OTHER_TOKEN
from ccx.mock._faults import FAULT_HEADER

CLOCK_START = "2026-11-20T00:00:00Z"
CLOCK_STEP_SECONDS = 6 * 3600
CLOCK_STEP_EVERY = 2.0
SENDS_PER_SECOND = 6.0
"""Per workspace."""
PROBES_PER_SECOND = 4.0
BROADCAST_EVERY = 20.0
EXPORT_EVERY = 30.0
SAMPLE_EVERY = 5.0
RECEIVER_FAILURE_RATE = 0.3
FAULTED_SHARE = 1 / 6
FAULTS = (
    "error_rate=0.5,status=503",
    "drop=after,rate=0.5",
    "latency=40ms",
    "burst_429=0.2,burst_seconds=1",
    "drop=before,rate=0.4",
)
"""Faults a faulted send asks for (each with a seed of its own): the SDK's retries carry it."""
RECIPIENTS = 200
"""Contacts per workspace: conversations are an address book, bounded by it."""
EXPECTED_EVENTS = ("message.queued", "message.sent", "message.delivered")
FLUSH_CLOCK_SECONDS = 2 * 24 * 3600
QUIET_SECONDS = 5.0
DEMO_TEMPLATE = ("order_confirmation", "pt_BR", {"1": "Ana", "2": "#1", "3": "R$ 1"})
OTHER_TEMPLATE = ("welcome", "en", {"1": "Ana"})
BANNER = re.compile(r"CCX mock API on (http://\S+)")


@dataclass
class Minute:
    rss_mib: float = 0.0
    load: float = 0.0
    """The machine's one-minute load average at the minute's last sample (2 cores here)."""
    latencies: list[float] = field(default_factory=list[float])
    requests: int = 0
    idle_latencies: list[float] = field(default_factory=list[float])
    """``GET /v1/me`` on the idle reference server."""

    def p99_ms(self) -> float:
        return _p99_ms(self.latencies)

    def idle_p99_ms(self) -> float:
        return _p99_ms(self.idle_latencies)


def _p99_ms(latencies: Sequence[float]) -> float:
    if len(latencies) < 2:
        return 0.0
    return statistics.quantiles(latencies, n=100, method="inclusive")[98] * 1000


@dataclass
class Run:
    """Everything the load saw, for the verdicts."""

    started: float
    minutes: list[Minute]
    sent: dict[str, str] = field(default_factory=dict[str, str])
    """Send tag -> the message id the SDK returned."""
    broadcasts: set[str] = field(default_factory=set[str])
    send_errors: Counter[str] = field(default_factory=Counter[str])
    exports: int = 0
    exports_expired: int = 0
    """Exports the clock's day passed over before they were downloaded."""
    export_bytes: int = 0
    clock_moves: int = 0
    seeds: int = 0

    def minute(self) -> Minute:
        index = min(int((time.monotonic() - self.started) // 60), len(self.minutes) - 1)
        return self.minutes[index]

    def timed(self, seconds: float) -> None:
        minute = self.minute()
        minute.latencies.append(seconds)
        minute.requests += 1


class Receiver:
    """A loopback webhook receiver that fails 30 % of deliveries, and what it acknowledged."""

    def __init__(self, seed: int) -> None:
        self._draw = random.Random(seed)
        self.acknowledged: list[dict[str, Any]] = []
        self.failed = 0
        self.last_request = time.monotonic()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hooks", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hooks"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.last_request = time.monotonic()
        if self._draw.random() < RECEIVER_FAILURE_RATE:
            self.failed += 1
            return web.Response(status=500)
        self.acknowledged.append(json.loads(body))
        return web.Response(status=200)


# -- the server ----------------------------------------------------------------------------


def start_mock(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``ccx-mock`` on a free port, its output going to ``log`` (a pipe nobody reads would fill
    and stop it)."""
    command = [
        sys.executable,
        "-m",
        "ccx.mock",
        "--port",
        "0",
        "--clock-start",
        CLOCK_START,
        "--rate-limit-per-minute",
        "100000000",
        "--burst-per-second",
        "10000000",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=output)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        match = BANNER.search(log.read_text(errors="replace"))
        if match is not None:
            return process, match.group(1)
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"soak: ccx-mock did not start; see {log}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


# -- the load, per workspace ---------------------------------------------------------------


@dataclass
class Tenant:
    name: str
    template: tuple[str, str, dict[str, str]]
    """An approved template of the workspace: name, language, variables."""
    client: ccx.AsyncCCX
    http: httpx.AsyncClient
    segment_id: str = ""


async def every(seconds: float, until: float, action: Callable[[], Awaitable[None]]) -> None:
    """Start ``action`` every ``seconds`` (without waiting for it) until ``until``."""
    pending: set[asyncio.Task[None]] = set()
    next_start = time.monotonic()
    while next_start < until:
        task = asyncio.ensure_future(action())
        pending.add(task)
        task.add_done_callback(pending.discard)
        next_start += seconds
        await asyncio.sleep(max(0.0, next_start - time.monotonic()))
    await asyncio.gather(*pending, return_exceptions=True)


async def send(tenant: Tenant, run: Run, draw: random.Random) -> None:
    tag = f"{tenant.name}-{uuid.uuid4().hex[:12]}"
    arguments: dict[str, Any] = {
        "to": f"+55119{draw.randrange(RECIPIENTS):08d}",
        "channel": "sms",
        "text": "Your order has shipped.",
        "metadata": {"soak": tag},
        "idempotency_key": tag,
    }
    faulted = draw.random() < FAULTED_SHARE
    if faulted:
        run.seeds += 1
        spec = f"{draw.choice(FAULTS)},seed={draw.getrandbits(48)}"
        arguments["extra_headers"] = {FAULT_HEADER: spec}
    started = time.monotonic()
    try:
        message = await tenant.client.messages.send(**arguments)
    except ccx.APIError as error:
        # What a caller does with a send that raised: send again with the same key.
        run.send_errors[type(error).__name__] += 1
        arguments.pop("extra_headers", None)
        message = await tenant.client.messages.send(**arguments)
    else:
        if not faulted:
            run.timed(time.monotonic() - started)
    run.sent[tag] = message.id


async def probe(tenant: Tenant, run: Run) -> None:
    run.timed(await _timed_get(tenant.http, "/v1/me"))


async def probe_idle(http: httpx.AsyncClient, run: Run) -> None:
    run.minute().idle_latencies.append(await _timed_get(http, "/v1/me"))


async def _timed_get(http: httpx.AsyncClient, path: str) -> float:
    started = time.monotonic()
    response = await http.get(path)
    response.raise_for_status()
    return time.monotonic() - started


async def broadcast(tenant: Tenant, run: Run) -> None:
    template, language, variables = tenant.template
    created = await tenant.client.broadcasts.create(
        name=f"soak {uuid.uuid4().hex[:8]}",
        template=template,
        language=language,
        segment_id=tenant.segment_id,
        variables=variables,
    )
    run.broadcasts.add(created.id)


async def export(tenant: Tenant, run: Run) -> None:
    """Export the messages and download the file once ready (a clock day, 8 s here, at most:
    an export is kept a day)."""
    created = await tenant.client.exports.create(resource="messages", format="csv")
    try:
        while (await tenant.client.exports.retrieve(created.id)).status != "ready":
            await asyncio.sleep(0.2)
    except ccx.NotFoundError:
        run.exports_expired += 1
        return
    content = await tenant.http.get(f"/v1/exports/{created.id}/content")
    content.raise_for_status()
    run.exports += 1
    run.export_bytes += len(content.content)


async def move_clock(tenant: Tenant, run: Run, seconds: float = CLOCK_STEP_SECONDS) -> None:
    response = await tenant.http.post(
        "/v1/test_helpers/clock/advance", json={"seconds": seconds}, timeout=120
    )
    response.raise_for_status()
    run.clock_moves += 1


async def sample(pid: int, run: Run, until: float) -> None:
    while time.monotonic() < until:
        minute = run.minute()
        minute.rss_mib = rss_mib(pid)
        minute.load = os.getloadavg()[0]
        await asyncio.sleep(SAMPLE_EVERY)


async def set_up(tenant: Tenant, run: Run, receiver_url: str, draw: random.Random) -> None:
    """The workspace's endpoint and segment, and one of each call, so warming up (first
    imports, first models built) is not measured."""
    await tenant.client.webhook_endpoints.create(url=receiver_url, events=["*"])
    segment = await tenant.client.segments.create(
        name="soak audience", recipients=[f"+55119{n:08d}" for n in range(20)]
    )
    tenant.segment_id = segment.id
    for _ in range(20):
        await send(tenant, run, draw)
        await probe(tenant, run)
    await broadcast(tenant, run)
    await export(tenant, run)
    await move_clock(tenant, run)


# -- the verdicts --------------------------------------------------------------------------


@dataclass
class Verdict:
    duplicates: int
    lost: list[str]
    duplicate_acknowledgements: int
    memory_levels_off: bool
    memory_reason: str
    latency_holds: bool
    latency_reason: str

    @property
    def passed(self) -> bool:
        return (
            self.duplicates == 0 and not self.lost and self.memory_levels_off and self.latency_holds
        )


def judge(run: Run, receiver: Receiver) -> Verdict:
    ids_by_tag: defaultdict[str, set[str]] = defaultdict(set)
    types_by_subject: defaultdict[str, set[str]] = defaultdict(set)
    acknowledged_ids = Counter(event["id"] for event in receiver.acknowledged)
    for event in receiver.acknowledged:
        data = event.get("data", {})
        subject = data.get("message_id") or data.get("broadcast_id")
        if subject:
            types_by_subject[subject].add(event["event"])
        metadata: dict[str, Any] = data.get("metadata") or {}
        tag = metadata.get("soak")
        if tag and event["event"] == "message.queued":
            ids_by_tag[tag].add(data["message_id"])
    duplicates = sum(1 for ids in ids_by_tag.values() if len(ids) > 1)
    lost = [
        f"{message_id}: {sorted(set(EXPECTED_EVENTS) - types_by_subject[message_id])}"
        for message_id in run.sent.values()
        if not set(EXPECTED_EVENTS) <= types_by_subject[message_id]
    ]
    lost += [
        f"{broadcast_id}: broadcast.completed"
        for broadcast_id in run.broadcasts
        if "broadcast.completed" not in types_by_subject[broadcast_id]
    ]
    memory_levels_off, memory_reason = _memory_levels_off([m.rss_mib for m in run.minutes])
    latency_holds, latency_reason = _latency_holds([m.p99_ms() for m in run.minutes])
    return Verdict(
        duplicates=duplicates,
        lost=lost,
        duplicate_acknowledgements=sum(1 for n in acknowledged_ids.values() if n > 1),
        memory_levels_off=memory_levels_off,
        memory_reason=memory_reason,
        latency_holds=latency_holds,
        latency_reason=latency_reason,
    )


def _memory_levels_off(rss: Sequence[float]) -> tuple[bool, str]:
    half = len(rss) // 2
    first_growth = rss[half - 1] - rss[0]
    second_growth = rss[-1] - rss[half - 1]
    ok = second_growth < first_growth / 5 and abs(rss[-1] - rss[half - 1]) <= 0.1 * rss[half - 1]
    return ok, (
        f"RSS grew {first_growth:+.1f} MiB over minutes 1-{half} and {second_growth:+.1f} MiB "
        f"over minutes {half}-{len(rss)} (levels off: less than a fifth of the first half's "
        f"growth, and within 10 % of minute {half}'s {rss[half - 1]:.1f} MiB)"
    )


def _latency_holds(p99: Sequence[float]) -> tuple[bool, str]:
    ceiling = 2 * p99[0]
    worst = max(p99)
    return worst <= ceiling, (
        f"p99 at most {worst:.1f} ms against 2x the first minute's {p99[0]:.1f} ms "
        f"= {ceiling:.1f} ms"
    )


def report(run: Run, receiver: Receiver, verdict: Verdict, minutes: int) -> list[str]:
    lines = [
        f"soak: {minutes} min, 2 workspaces, {len(run.sent)} sends "
        f"({run.seeds} asking for faults, each its own seed; {sum(run.send_errors.values())} "
        f"raised after the SDK's retries and were sent again with their key: "
        f"{dict(run.send_errors)}), {len(run.broadcasts)} broadcasts, {run.exports} exports "
        f"({run.export_bytes / 2**20:.1f} MiB downloaded; {run.exports_expired} expired first), {run.clock_moves} clock moves of "
        f"{CLOCK_STEP_SECONDS // 3600} h",
        f"webhooks: {len(receiver.acknowledged)} acknowledged, {receiver.failed} failed on "
        f"purpose ({RECEIVER_FAILURE_RATE:.0%}) and redelivered",
        "",
        "| minute | RSS (MiB) | p99 (ms) | timed requests | idle server's p99 (ms) | load average |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for number, minute in enumerate(run.minutes, start=1):
        lines.append(
            f"| {number} | {minute.rss_mib:.1f} | {minute.p99_ms():.1f} | {minute.requests} "
            f"| {minute.idle_p99_ms():.1f} | {minute.load:.1f} |"
        )
    lines += [
        "",
        f"duplicates (sends that made two messages): {verdict.duplicates}",
        f"lost events: {len(verdict.lost)}",
        *(f"  {line}" for line in verdict.lost[:10]),
        f"events acknowledged twice: {verdict.duplicate_acknowledgements}",
        f"memory levels off: {'yes' if verdict.memory_levels_off else 'NO'}: "
        f"{verdict.memory_reason}",
        f"p99 within 2x the first minute: {'yes' if verdict.latency_holds else 'NO'}: "
        f"{verdict.latency_reason}",
    ]
    return lines


# -- the run -------------------------------------------------------------------------------


async def soak(minutes: int, seed: int, log: Path) -> tuple[Run, Receiver, Verdict]:
    draw = random.Random(seed)
    receiver = Receiver(seed)
    await receiver.start()
    process, url = start_mock(log)
    idle_process, idle_url = start_mock(log.with_name(f"{log.stem}-idle{log.suffix}"))
    idle = httpx.AsyncClient(
        base_url=idle_url, headers={"Authorization": f"Bearer {DEMO_TOKEN}"}, timeout=30
    )
    try:
        run = Run(started=time.monotonic(), minutes=[Minute() for _ in range(minutes)])
        tenants = [
            Tenant(
                name,
                template,
                ccx.AsyncCCX(api_key=token, base_url=url, max_retries=6, timeout=30),
                httpx.AsyncClient(
                    base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
                ),
            )
            for token, name, template in (
                (DEMO_TOKEN, "demo", DEMO_TEMPLATE),
                (OTHER_TOKEN, "other", OTHER_TEMPLATE),
            )
        ]
        for tenant in tenants:
            await set_up(tenant, run, receiver.url, draw)
        run.minutes = [Minute() for _ in range(minutes)]
        run.started = time.monotonic()
        until = run.started + minutes * 60
        work: list[Awaitable[None]] = [
            sample(process.pid, run, until),
            every(1 / PROBES_PER_SECOND, until, lambda: probe_idle(idle, run)),
        ]
        for tenant in tenants:
            work += [
                every(1 / SENDS_PER_SECOND, until, lambda t=tenant: send(t, run, draw)),
                every(1 / PROBES_PER_SECOND, until, lambda t=tenant: probe(t, run)),
                every(BROADCAST_EVERY, until, lambda t=tenant: broadcast(t, run)),
                every(EXPORT_EVERY, until, lambda t=tenant: export(t, run)),
                every(CLOCK_STEP_EVERY, until, lambda t=tenant: move_clock(t, run)),
            ]
        await asyncio.gather(*work)
        for tenant in tenants:  # let every redelivery run its course
            await move_clock(tenant, run, FLUSH_CLOCK_SECONDS)
        while time.monotonic() - receiver.last_request < QUIET_SECONDS:
            await asyncio.sleep(1)
        for tenant in tenants:
            await tenant.client.close()
            await tenant.http.aclose()
    finally:
        await idle.aclose()
        for server in (process, idle_process):
            server.terminate()
            server.wait(timeout=30)
        await receiver.stop()
    return run, receiver, judge(run, receiver)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Soak ccx-mock with mixed load (not in CI).")
    parser.add_argument("--minutes", type=int, default=10, help="how long to load it (min. 2)")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--log",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ccx-soak-mock.log",
        help="the server's output (default: %(default)s)",
    )
    arguments = parser.parse_args(None if argv is None else list(argv))
    if arguments.minutes < 2:
        parser.error("--minutes must be at least 2, to compare the halves of the run")
    if not Path("/proc/self/status").exists():
        parser.error("the soak reads the server's memory from /proc: run it on Linux")
    seed = arguments.seed if arguments.seed is not None else random.randrange(2**32)
    print(f"soak: {arguments.minutes} min, seed {seed}, pid {os.getpid()}", flush=True)
    run, receiver, verdict = asyncio.run(soak(arguments.minutes, seed, arguments.log))
    lines = report(run, receiver, verdict, arguments.minutes)
    print("\n".join(lines))
    if arguments.json is not None:
        figures = {
            "seed": seed,
            "minutes": [
                {
                    "rss_mib": m.rss_mib,
                    "p99_ms": m.p99_ms(),
                    "requests": m.requests,
                    "idle_p99_ms": m.idle_p99_ms(),
                    "load": m.load,
                }
                for m in run.minutes
            ],
            "sends": len(run.sent),
            "broadcasts": len(run.broadcasts),
            "exports": run.exports,
            "duplicates": verdict.duplicates,
            "lost": len(verdict.lost),
            "passed": verdict.passed,
        }
        arguments.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
