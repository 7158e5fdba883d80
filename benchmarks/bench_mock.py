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
from pathlib import Path

from _harness import Sampler, Section, Stats, arguments, paired, python_command, ratio
from _load import ConstantRate, constant_rate, wrk
from _servers import Running, running

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "openapi.yaml"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
WRK_SCRIPT = Path(__file__).with_name("wrk") / "send_message.lua"
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


def mock_command(port: int) -> list[str]:
    return python_command(
        "-m",
        "ccx.mock",
        "--port",
        str(port),
        "--token",
        TOKEN,
        "--rate-limit-per-minute",
        UNLIMITED,
        "--burst-per-second",
        UNLIMITED,
    )


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

    windows, _ = at_constant_rate(rate_seconds, options.repeats, profile=False)
    p50s = [window.percentile(50) * 1e3 for window in windows]
    p99s = [window.percentile(99) * 1e3 for window in windows]
    sent = [window.sent_per_second for window in windows]
    rate_failures = sum(window.failures for window in windows)
    section.row(f"ccx-mock p50 at {CONSTANT_RATE:,.0f} req/s", Stats.of(p50s), "ms")
    p99 = section.row(f"ccx-mock p99 at {CONSTANT_RATE:,.0f} req/s", Stats.of(p99s), "ms")
    section.row("constant-rate generator, achieved send rate", Stats.of(sent), "req/s")
    quick_enough = section.target(
        f"p99 < {P99_TARGET_MS:g} ms at {CONSTANT_RATE:,.0f} req/s",
        f"{p99.median:.1f} ms ({rate_failures} failed responses)",
        p99.median < P99_TARGET_MS,
    )
    if not (faster and quick_enough):
        _, profile = at_constant_rate(rate_seconds, 1, profile=True)
        section.profile = [
            f"ccx-mock at {CONSTANT_RATE:,.0f} req/s, py-spy {line}" for line in profile
        ]
    section.finish(options)


def at_constant_rate(
    seconds: float, windows: int, *, profile: bool
) -> tuple[list[ConstantRate], list[str]]:
    """One fresh mock held at the constant rate; with ``profile``, where its time went."""
    with running(mock_command) as server:
        sampler = Sampler(server.pid, seconds * windows) if profile else None
        measured = asyncio.run(
            constant_rate(
                f"{server.url}/v1/messages",
                rate=CONSTANT_RATE,
                seconds=seconds,
                windows=windows,
                headers=HEADERS,
                body=message,
            )
        )
        return measured, sampler.hotspots() if sampler is not None else []


if __name__ == "__main__":
    main()
