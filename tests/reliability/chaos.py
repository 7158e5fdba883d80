"""Exactly-once sends under injected faults, proved from the mock's own records.

N ``messages.send`` calls with the SDK's default retries go through a mock that fails well over
30 % of requests in mixed ways: 503s and 500s, connections dropped before the request runs and
after it has taken effect, timeouts (latency above the client's timeout) and bursts of 429s.
Then the calls that raised are retried by their caller with the same idempotency key, the
server is drained, and its records must show exactly one message per call: nothing sent twice,
nothing lost.

``test_exactly_once.py`` runs a few hundred calls in the suite; ``make chaos`` runs
``python -m tests.reliability.chaos --sends 10000`` and prints the counts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from typing_extensions import override

import ccx
from ccx import AiohttpTransport
from ccx.mock import FrozenClock, MockConfig, MockServer
from ccx.mock._demo import DEMO_WORKSPACE_ID
from ccx.mock._faults import FAULT_HEADER

CLIENT_TIMEOUT = 0.25
"""Seconds; the slow calls' latency is above it, so every one of their attempts times out."""
ATTEMPT_TIMEOUT = 40 * CLIENT_TIMEOUT
"""The whole attempt's limit stays out of the way: on a loaded machine, an attempt answered
with a 429 at once can still take longer than two read timeouts (the default limit) to be
scheduled, and would count as a timeout instead of the fault under test."""
SERVER_FAULTS = (
    "error_rate=0.2,status=503,drop_before=0.08,drop_after=0.1,burst_429=0.01,burst_seconds=1"
)
"""Faults of every request that names none itself."""
FAILING_500 = "error_rate=0.2,status=500,drop_before=0.08,drop_after=0.1"
SLOW = f"latency={round(CLIENT_TIMEOUT * 1000) + 150}ms"
BURSTY = "burst_429=0.5"
"""Half of these calls' attempts start a burst of 429s that every request meets."""
NO_FAULTS = "error_rate=0"
"""A request's own fault spec replaces the server's: this one lets the caller's retry through."""
_FAULT_SPECS: tuple[str | None, ...] = (None, FAILING_500, SLOW, BURSTY)
"""Each call's own faults (None: the server-wide ones), drawn with `_FAULT_WEIGHTS`."""
_FAULT_WEIGHTS = (0.70, 0.25, 0.03, 0.02)
START = 1_795_248_000.0


@dataclass(frozen=True)
class Call:
    """One send. ``label`` goes into the message's metadata, so the mock's records name it."""

    label: str
    faults: str | None
    """The call's ``CCX-Mock-Fault`` header; None leaves it to the server-wide faults."""
    own_key: str | None
    """The caller's idempotency key; None lets the SDK make one."""

    def arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "to": "+15557000100",
            "channel": "sms",
            "text": f"Your order {self.label} has shipped.",
            "metadata": {"call": self.label},
        }
        if self.own_key is not None:
            arguments["idempotency_key"] = self.own_key
        if self.faults is not None:
            arguments["extra_headers"] = {FAULT_HEADER: self.faults}
        return arguments


def plan_calls(count: int, seed: int) -> list[Call]:
    """``count`` calls in the fault mix; half bring their own idempotency key."""
    draw = random.Random(seed)
    return [
        Call(
            label=f"call-{number}",
            faults=draw.choices(_FAULT_SPECS, _FAULT_WEIGHTS)[0],
            own_key=str(uuid.UUID(int=draw.getrandbits(128), version=4)) if number % 2 else None,
        )
        for number in range(count)
    ]


@dataclass
class Result:
    """What one call gave its caller: a message, or a typed error."""

    call: Call
    message_id: str | None = None
    error: ccx.APIError | None = None

    def key(self) -> str:
        """The idempotency key to retry with: the caller's own, or the one the SDK sent."""
        if self.call.own_key is not None:
            return self.call.own_key
        assert self.error is not None
        assert self.error.request is not None
        return self.error.request.headers["Idempotency-Key"]


class Tally:
    """How every HTTP attempt ended, seen from the client's side of the socket."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()

    def response(self, status: int) -> None:
        self.outcomes[str(status)] += 1

    def failure(self, error: httpx.TransportError) -> None:
        self.outcomes["timeout" if isinstance(error, httpx.TimeoutException) else "dropped"] += 1

    @property
    def attempts(self) -> int:
        return sum(self.outcomes.values())

    @property
    def failed(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if not outcome.startswith("2"))


class CountingTransport(httpx.BaseTransport):
    def __init__(self, tally: Tally) -> None:
        self._inner = httpx.HTTPTransport()
        self._tally = tally

    @override
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as error:
            self._tally.failure(error)
            raise
        self._tally.response(response.status_code)
        return response

    @override
    def close(self) -> None:
        self._inner.close()


class AsyncCountingTransport(httpx.AsyncBaseTransport):
    def __init__(self, tally: Tally) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._tally = tally

    @override
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError as error:
            self._tally.failure(error)
            raise
        self._tally.response(response.status_code)
        return response

    @override
    async def aclose(self) -> None:
        await self._inner.aclose()


class AiohttpCountingTransport(AiohttpTransport):
    """``AiohttpTransport`` counting as ``AsyncCountingTransport`` does, through both of the
    ways the SDK sends with it (streamed, and read whole)."""

    def __init__(self, tally: Tally) -> None:
        super().__init__()
        self._tally = tally

    @override
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._counted(super().handle_async_request(request))

    @override
    async def handle_whole_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._counted(super().handle_whole_async_request(request))

    async def _counted(self, sending: Awaitable[httpx.Response]) -> httpx.Response:
        try:
            response = await sending
        except httpx.TransportError as error:
            self._tally.failure(error)
            raise
        self._tally.response(response.status_code)
        return response


ASYNC_TRANSPORTS: dict[str, Callable[[Tally], httpx.AsyncBaseTransport]] = {
    "httpx": AsyncCountingTransport,
    "aiohttp": AiohttpCountingTransport,
}


@dataclass
class Report:
    """The counts a run ends with; ``violations`` must be empty."""

    mode: str
    results: list[Result]
    tally: Tally
    replayed_on_retry: int = 0
    """Calls that raised although their message existed: the caller's retry got it back."""
    sent_on_retry: int = 0
    """Calls that raised before their message existed: the caller's retry sent it."""
    messages_per_call: Counter[str] = field(default_factory=Counter[str])
    violations: list[str] = field(default_factory=list[str])

    @property
    def raised(self) -> Counter[str]:
        return Counter(type(r.error).__name__ for r in self.results if r.error is not None)

    def lines(self) -> Iterator[str]:
        calls = len(self.results)
        raised = sum(self.raised.values())
        share = self.tally.failed / max(1, self.tally.attempts)
        yield f"[{self.mode}] {calls} calls, {self.tally.attempts} HTTP attempts, "
        yield f"  {self.tally.failed} attempts failed ({share:.1%}): {dict(self.tally.outcomes)}"
        yield f"  returned a message: {calls - raised}"
        yield f"  raised a typed ccx error: {raised} {dict(self.raised)}"
        yield f"  raised but the message was on the server: {self.replayed_on_retry}"
        yield "    (retried with the same key: the existing message came back, no second one)"
        yield f"  raised before the message existed: {self.sent_on_retry} (the retry sent it)"
        duplicates = sum(1 for n in self.messages_per_call.values() if n > 1)
        yield f"  calls with two or more messages on the server: {duplicates}"
        yield f"  calls with no message on the server: {calls - len(self.messages_per_call)}"
        yield f"  violations: {len(self.violations)}"
        yield from (f"    {violation}" for violation in self.violations[:20])


@contextmanager
def chaos_server(seed: int) -> Generator[MockServer, None, None]:
    """A mock failing per `SERVER_FAULTS`, on a frozen clock, with rate limits out of the way.

    The injected 429 bursts are the throttling under test; the mock's real rate limit would
    only add a sixth kind of failure whose waits are a minute long.
    """
    config = MockConfig(
        faults=f"{SERVER_FAULTS},seed={seed}",
        rate_limit_per_minute=10**9,
        burst_per_second=10**9,
    )
    with MockServer(config, clock=FrozenClock(start=START)) as server:
        yield server


def run_sync(calls: Sequence[Call], seed: int) -> Report:
    tally = Tally()
    with chaos_server(seed) as server:
        with server.client(
            transport=CountingTransport(tally),
            timeout=CLIENT_TIMEOUT,
            attempt_timeout=ATTEMPT_TIMEOUT,
            sleep=server.advance,
            now=server.clock.now,
        ) as client:
            results = [_send(client, call) for call in calls]
        report = Report("sync", results, tally)
        _retry_raised(server, report)
    _audit(server, report)
    return report


async def run_async(
    calls: Sequence[Call], seed: int, concurrency: int, transport: str = "httpx"
) -> Report:
    tally = Tally()
    with chaos_server(seed) as server:

        async def advance(seconds: float) -> None:
            await asyncio.to_thread(server.advance, seconds)

        async with server.async_client(
            transport=ASYNC_TRANSPORTS[transport](tally),
            timeout=CLIENT_TIMEOUT,
            attempt_timeout=ATTEMPT_TIMEOUT,
            sleep=advance,
            now=server.clock.now,
        ) as client:
            pending = iter(calls)
            results: list[Result] = []

            async def worker() -> None:
                for call in pending:
                    results.append(await _send_async(client, call))

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        report = Report(f"async ({transport})", results, tally)
        await asyncio.to_thread(_retry_raised, server, report)
    _audit(server, report)
    return report


def _send(client: ccx.CCX, call: Call) -> Result:
    try:
        return Result(call, message_id=client.messages.send(**call.arguments()).id)
    except ccx.APIError as error:
        return Result(call, error=error)


async def _send_async(client: ccx.AsyncCCX, call: Call) -> Result:
    try:
        return Result(call, message_id=(await client.messages.send(**call.arguments())).id)
    except ccx.APIError as error:
        return Result(call, error=error)


def _retry_raised(server: MockServer, report: Report) -> None:
    """Do what the caller of a call that raised must: send again with the same key."""
    with server.client(sleep=server.advance, now=server.clock.now) as client:
        for result in report.results:
            if result.error is None:
                continue
            arguments: dict[str, Any] = {
                **result.call.arguments(),
                "idempotency_key": result.key(),
                "extra_headers": {FAULT_HEADER: NO_FAULTS},
            }
            response = client.messages.with_raw_response.send(**arguments)
            if response.idempotent_replayed:
                report.replayed_on_retry += 1
            else:
                report.sent_on_retry += 1
            result.message_id = response.parse().id


def _audit(server: MockServer, report: Report) -> None:
    """Compare every call with the mock's records, read once the stopped server is drained."""
    messages = server.state.workspaces[DEMO_WORKSPACE_ID].messages.values()
    message_of: dict[str, str] = {}
    for message in messages:
        label = (message.metadata or {}).get("call")
        if isinstance(label, str):
            report.messages_per_call[label] += 1
            message_of[label] = message.id
    for result in report.results:
        label = result.call.label
        count = report.messages_per_call[label]
        if count != 1:
            report.violations.append(f"{label}: {count} messages on the server")
        elif result.message_id != message_of[label]:
            report.violations.append(
                f"{label}: the caller got {result.message_id}, the server holds {message_of[label]}"
            )


def _print(report: Report) -> None:
    for line in report.lines():
        print(line)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Exactly-once sends under injected faults.")
    parser.add_argument("--sends", type=int, default=10_000, help="calls per mode")
    parser.add_argument("--concurrency", type=int, default=64, help="async calls in flight")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one")
    arguments = parser.parse_args(None if argv is None else list(argv))
    seed = arguments.seed if arguments.seed is not None else random.randrange(2**32)
    # Every injected drop is logged by uvicorn as a failed ASGI call: expected here.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    print(f"chaos: {arguments.sends} sends per mode, seed {seed}, faults {SERVER_FAULTS}")
    calls = plan_calls(arguments.sends, seed)
    started = time.monotonic()
    reports = [run_sync(calls, seed)]
    for transport in ASYNC_TRANSPORTS:
        reports.append(asyncio.run(run_async(calls, seed, arguments.concurrency, transport)))
    for report in reports:
        _print(report)
    print(f"chaos: {time.monotonic() - started:.0f} s")
    return 1 if any(report.violations for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
