"""A broadcast to 10k, 100k and 1M recipients on the mock's scaled clock: wall time, memory.

    .venv-bench/bin/python benchmarks/bench_broadcast.py [--quick]

Each run is a fresh process (so its peak memory is its own): a `MockServer` whose clock runs
``TIME_SCALE`` times faster than the wall, a segment of N recipients, ``broadcasts.create`` at
the API's top rate, then the broadcast's event stream followed through the SDK until
``broadcast.completed``, when every message has been sent and delivered. Linear means the cost
per recipient stays flat as N grows.
"""

from __future__ import annotations

import gc
import json
import subprocess
import time
from pathlib import Path

from _harness import Section, Stats, arguments, paired, python_command, ratio

TIME_SCALE = 1000.0
"""Fast enough that the clock never waits: 1M recipients at 50,000/min is 20 clock minutes."""
RATE_LIMIT_PER_MINUTE = 50_000
LINEAR_TOLERANCE = 1.5
"""Per-recipient cost at the largest size may be at most this times that at the smallest."""


def run_once(recipients: int) -> dict[str, float]:
    """One broadcast in this process; seconds and megabytes, for the parent to collect."""
    from ccx.mock import MockConfig, MockServer
    from ccx.mock._records import SegmentRecord, new_id

    with MockServer(MockConfig(time_scale=TIME_SCALE)) as server:
        state = server.state
        workspace = state.workspace_of(state.tokens_by_secret[server.token])

        async def add_segment() -> str:
            # The API takes up to 100,000 recipients per segment; a larger audience is seeded.
            segment = SegmentRecord(
                id=new_id("seg"),
                name=f"{recipients} recipients",
                recipients=tuple(f"+4477{index:08d}" for index in range(recipients)),
                created_at=workspace.clock.now(),
            )
            workspace.segments[segment.id] = segment
            return segment.id

        segment_id = server.run(add_segment())
        gc.collect()
        before = _megabytes("VmRSS")
        with server.client(timeout=600) as client:
            started, started_cpu = time.perf_counter(), time.process_time()
            broadcast = client.broadcasts.create(
                name="Black Friday — benchmark",
                template="black_friday_2026",
                language="pt_BR",
                segment_id=segment_id,
                rate_limit_per_minute=RATE_LIMIT_PER_MINUTE,
            )
            with client.broadcasts.events(broadcast.id) as events:
                final = next(event for event in events if event.event == "broadcast.completed")
            seconds = time.perf_counter() - started
            cpu_seconds = time.process_time() - started_cpu
        if final.data.counts.total != recipients or final.data.status != "completed":
            raise RuntimeError(f"broadcast ended {final.data.status}: {final.data.counts}")
        return {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "peak_megabytes": _megabytes("VmHWM"),
            "grown_megabytes": _megabytes("VmHWM") - before,
        }


def _megabytes(field: str) -> float:
    """A memory figure of this process from /proc (VmHWM: peak resident, VmRSS: now)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def main() -> None:
    parser = arguments(__doc__, repeats=5)
    parser.add_argument("--recipients", type=int, help="run one broadcast here and print JSON")
    options = parser.parse_args()
    if options.recipients is not None:
        print(json.dumps(run_once(options.recipients)))
        return
    sizes = [10_000, 100_000] if options.quick else [10_000, 100_000, 1_000_000]
    runs: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
    for _ in range(options.repeats):
        for size in sizes:
            completed = subprocess.run(
                python_command(__file__, "--recipients", str(size)),
                capture_output=True,
                text=True,
                check=True,
            )
            runs[size].append(json.loads(completed.stdout.splitlines()[-1]))

    section = Section(
        "broadcast",
        f"one broadcast, mock clock ×{TIME_SCALE:g}, {RATE_LIMIT_PER_MINUTE:,}/min, fresh process",
    )
    per_recipient: dict[int, dict[str, list[float]]] = {}
    for size in sizes:
        figures = {name: [run[name] for run in runs[size]] for name in runs[size][0]}
        section.row(f"{size:,} recipients: wall time", Stats.of(figures["seconds"]), "s")
        section.row(f"{size:,} recipients: CPU time", Stats.of(figures["cpu_seconds"]), "s")
        section.row(
            f"{size:,} recipients: peak memory growth",
            Stats.of(figures["grown_megabytes"]),
            "MB",
            f"process peak {Stats.of(figures['peak_megabytes']).median:,.0f} MB",
        )
        per_recipient[size] = {
            "CPU time": [value / size * 1e6 for value in figures["cpu_seconds"]],
            "memory": [value / size * 1024 for value in figures["grown_megabytes"]],
        }
        section.row(
            f"{size:,} recipients: CPU per recipient",
            Stats.of(per_recipient[size]["CPU time"]),
            "µs",
        )
        section.row(
            f"{size:,} recipients: memory per recipient",
            Stats.of(per_recipient[size]["memory"]),
            "KB",
        )
    smallest, largest = sizes[0], sizes[-1]
    for figure in ("CPU time", "memory"):
        growth = paired(per_recipient[largest][figure], per_recipient[smallest][figure], ratio)
        section.target(
            f"linear: {figure} per recipient at {largest:,} ≤ {LINEAR_TOLERANCE:g}× at {smallest:,}",
            f"{growth.median:.2f}×",
            growth.median <= LINEAR_TOLERANCE,
        )
    section.finish(options)


if __name__ == "__main__":
    main()
