"""The mock server's ``POST /v1/messages`` under load, next to Prism mocking the same spec.

    .venv-bench/bin/python benchmarks/bench_mock.py [--quick]

Throughput: ``wrk`` (one thread, 50 connections, every request a new idempotency key) against
``ccx-mock`` (a fresh one per round) and ``prism mock`` on ``openapi/openapi.yaml``, taking
turns. Latency: an open-loop constant 1,200 requests per second held on one mock, measured in
consecutive windows (``_load.py``; Debian has no wrk2). The mock keeps its full semantics
(auth, validation, idempotency, rate-limit bookkeeping, audit, the message lifecycle running
behind); only its rate limits are raised so that the load is not answered with 429s.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from _gc_pauses import read_pauses
from _harness import Sampler, Section, Stats, arguments, paired, python_command, ratio
from _load import ConstantRate, constant_rate, wrk
from _servers import Running, running

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "openapi.yaml"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
WRK_SCRIPT = Path(__file__).with_name("wrk") / "send_message.lua"
GC_PAUSES = Path(__file__).with_name("_gc_pauses.py")
TOKEN = "ccx_test_benchmark_0123456789abcdef01234567"
UNLIMITED = str(10**9)
CONSTANT_RATE = 1200.0
P99_TARGET_MS = 20.0
CONNECTIONS = 50
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "CCX-Version": "2026-11-01",
    "Content-Type": "application/json",
}
TEMPLATE = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
}


MOCK_ARGUMENTS = (
    "--token",
    TOKEN,
    "--rate-limit-per-minute",
    UNLIMITED,
    "--burst-per-second",
    UNLIMITED,
)


def mock_command(port: int) -> list[str]:
    return python_command("-m", "ccx.mock", "--port", str(port), *MOCK_ARGUMENTS)


def mock_command_logging_gc(log: Path) -> Callable[[int], list[str]]:
    """The same mock, with each full garbage collection's pause written to ``log``."""

    def command(port: int) -> list[str]:
        return python_command(
            str(GC_PAUSES), str(log), "-m", "ccx.mock", "--port", str(port), *MOCK_ARGUMENTS
        )

    return command


def prism_command(port: int) -> list[str]:
    return [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "warn", str(SPEC)]


def message(index: int) -> bytes:
    body = {
        "to": "+5511999990000",
        "channel": "whatsapp",
        "template": TEMPLATE,
        "idempotency_key": f"constant-rate-{index}",
    }
    return json.dumps(body, separators=(",", ":")).encode()


def main() -> None:
    options = arguments(__doc__, repeats=5).parse_args()
    if shutil.which("wrk") is None or not PRISM.exists():
        raise SystemExit("needs wrk (apt-get install wrk) and Prism (npm ci): run `make bench`")
    wrk_seconds = 2.0 if options.quick else 10.0
    rate_seconds = 2.0 if options.quick else 8.0
    section = Section(
        "mock",
        f"POST /v1/messages; wrk -t1 -c{CONNECTIONS} -d{wrk_seconds:g}s; "
        f"constant {CONSTANT_RATE:,.0f} req/s, {options.repeats} windows of {rate_seconds:g}s",
    )
    results: dict[str, list[float]] = {}
    failures = {"ccx-mock": 0, "prism mock": 0}

    def load(name: str, server: Running) -> None:
        outcome = wrk(
            server.url,
            script=WRK_SCRIPT,
            seconds=wrk_seconds,
            connections=CONNECTIONS,
            environment={"CCX_TOKEN": TOKEN},
        )
        failures[name] += outcome.failures
        results.setdefault(f"{name} req/s", []).append(outcome.requests_per_second)
        results.setdefault(f"{name} p50 (saturated)", []).append(outcome.p50 * 1e3)
        results.setdefault(f"{name} p99 (saturated)", []).append(outcome.p99 * 1e3)

    # Prism keeps no state, so one instance serves every round; each round gets a fresh mock,
    # so no round inherits the previous one's messages still moving through their lifecycle.
    with running(prism_command) as prism:
        for _ in range(options.repeats):
            with running(mock_command) as mock:
                load("ccx-mock", mock)
            load("prism mock", prism)
    for name, values in results.items():
        section.row(name, Stats.of(values), "req/s" if name.endswith("req/s") else "ms")
    versus_prism = paired(results["ccx-mock req/s"], results["prism mock req/s"], ratio)
    section.row("ccx-mock / prism req/s", versus_prism, "×")
    faster = section.target(
        "ccx-mock ≥ 1× Prism req/s (wrk)",
        f"{versus_prism.median:.2f}× (failed responses or socket errors, all rounds:"
        f" ccx-mock {failures['ccx-mock']}, prism {failures['prism mock']})",
        versus_prism.median >= 1.0,
    )

    with running(mock_command) as mock:
        windows = sustain(mock.url, rate_seconds, options.repeats)
    p50s = [window.percentile(50) * 1e3 for window in windows]
    p99s = [window.percentile(99) * 1e3 for window in windows]
    sent = [window.sent_per_second for window in windows]
    rate_failures = sum(window.failures for window in windows)
    section.row(f"ccx-mock p50 at {CONSTANT_RATE:,.0f} req/s", Stats.of(p50s), "ms")
    p99 = section.row(f"ccx-mock p99 at {CONSTANT_RATE:,.0f} req/s", Stats.of(p99s), "ms")
    section.row("constant-rate generator, achieved send rate", Stats.of(sent), "req/s")
    quick_enough = section.target(
        f"p99 < {P99_TARGET_MS:g} ms at {CONSTANT_RATE:,.0f} req/s",
        f"{p99.median:.1f} ms; by window, in order: {_milliseconds(p99s)}"
        f" ({rate_failures} failed responses)",
        p99.median < P99_TARGET_MS,
    )
    if not (faster and quick_enough):
        section.profile = diagnose(rate_seconds, options.repeats)
    section.finish(options)


def sustain(url: str, seconds: float, windows: int) -> list[ConstantRate]:
    """``POST /v1/messages`` at the constant rate for ``windows`` windows of ``seconds``."""
    return asyncio.run(
        constant_rate(
            f"{url}/v1/messages",
            rate=CONSTANT_RATE,
            seconds=seconds,
            windows=windows,
            headers=HEADERS,
            body=message,
        )
    )


def diagnose(seconds: float, windows: int) -> list[str]:
    """The same sustained run again, sampled by py-spy and with full GC pauses timed."""
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "gc.log"
        with running(mock_command_logging_gc(log)) as server:
            sampler = Sampler(server.pid, seconds * windows)
            measured = sustain(server.url, seconds, windows)
            hotspots = sampler.hotspots()
        pauses = read_pauses(log)
    lines = [f"py-spy at {CONSTANT_RATE:,.0f} req/s: {line}" for line in hotspots]
    lines.append(
        f"full GC pauses during that run, in order: {_milliseconds(pauses)} ms"
        f" (p99 by window: {_milliseconds([window.percentile(99) * 1e3 for window in measured])})"
    )
    return lines


def _milliseconds(values: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in values)


if __name__ == "__main__":
    main()
