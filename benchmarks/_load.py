"""Load generators: ``wrk`` for the most a server can take, and an open-loop constant rate.

Debian packages ``wrk`` but not ``wrk2``, so the constant rate is a small aiohttp generator
built the way wrk2 measures: request ``i`` is due at ``start + i / rate`` whether or not
earlier ones have answered, and its latency counts from when it was due. A server (or a
generator) that falls behind shows it in the tail instead of quietly lowering the rate.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

__all__ = ["ConstantRate", "WrkResult", "constant_rate", "wrk"]

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50: float
    p99: float
    """Seconds."""
    failures: int
    """Non-2xx/3xx responses plus socket errors."""


def wrk(
    url: str,
    *,
    script: Path,
    seconds: float,
    connections: int,
    threads: int = 1,
    environment: Mapping[str, str] | None = None,
) -> WrkResult:
    """Run ``wrk --latency`` against ``url`` and read its summary."""
    completed = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(environment or {})},
    )
    return _parse_wrk(completed.stdout)


def _parse_wrk(output: str) -> WrkResult:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s|m)\b", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", output)
    if rate is None or p50 is None or p99 is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failures = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        failures += sum(int(count) for count in socket_errors.groups())
    return WrkResult(
        float(rate.group(1)),
        float(p50.group(1)) * _UNITS[p50.group(2)],
        float(p99.group(1)) * _UNITS[p99.group(2)],
        failures,
    )


@dataclass(frozen=True)
class ConstantRate:
    latencies: list[float]
    """Seconds from when each request was due to when its response was read."""
    failures: int
    sent_per_second: float
    """The rate requests actually left at: below the target, the generator fell behind."""

    def percentile(self, percent: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1]


async def constant_rate(
    url: str,
    *,
    rate: float,
    seconds: float,
    windows: int,
    headers: Mapping[str, str],
    body: Callable[[int], bytes],
    warmup_seconds: float = 1.0,
) -> list[ConstantRate]:
    """POST ``body(i)`` to ``url`` at ``rate`` per second: a warm-up, then ``windows`` windows.

    The windows follow one another on the same server, a sustained rate measured in slices.
    """
    connector = aiohttp.TCPConnector(limit=0)  # open loop: never queue behind a pool limit
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        await _paced(session, url, rate, warmup_seconds, body, first=0)
        sent = round(rate * warmup_seconds)
        results: list[ConstantRate] = []
        for _ in range(windows):
            results.append(await _paced(session, url, rate, seconds, body, first=sent))
            sent += len(results[-1].latencies)
        return results


async def _paced(
    session: aiohttp.ClientSession,
    url: str,
    rate: float,
    seconds: float,
    body: Callable[[int], bytes],
    *,
    first: int,
) -> ConstantRate:
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    failures = 0

    async def one(index: int, due: float) -> None:
        nonlocal failures
        try:
            async with session.post(url, data=body(index)) as response:
                await response.read()
                if response.status >= 400:
                    failures += 1
        except aiohttp.ClientError:
            failures += 1
        latencies.append(loop.time() - due)

    total = max(2, round(rate * seconds))
    start = loop.time()
    tasks: list[asyncio.Task[None]] = []
    for index in range(total):
        due = start + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(first + index, due)))
    last_sent = loop.time()
    await asyncio.gather(*tasks)
    return ConstantRate(latencies, failures, (total - 1) / (last_sent - start))
