"""schemathesis against the mock: every check, positive and negative data, the stateful phase.

``test_schemathesis.py`` runs it with a fixed seed and a bounded example count; ``make fuzz``
runs ``python -m tests.contract.run_schemathesis --max-examples 200`` with a random seed.
The mock runs in this process on a clock 1,000 times faster than the wall, so a broadcast's
event stream ends within a request timeout, started at a fixed instant, so the spec's dated
examples (a ``schedule_at``) stay in the future on any day.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from ccx.mock import Clock, MockConfig, MockServer

ROOT = Path(__file__).parents[2]
SPEC = ROOT / "openapi" / "openapi.yaml"
CONFIG = Path(__file__).with_name("schemathesis.toml")
PHASES = "examples,coverage,fuzzing,stateful"
TIME_SCALE = 1_000.0
CLOCK_START = "2026-11-20T00:00:00Z"


def without_faketime(environment: Mapping[str, str]) -> dict[str, str]:
    """``environment`` for a child that must run on the real clock under ``make test-calendar``.

    The schemathesis CLI cannot run under libfaketime 0.9.10 with CPython 3.11+: its stateful
    phase polls a worker queue with 10 ms timed waits, which CPython implements with
    ``sem_clockwait(CLOCK_MONOTONIC)``, a call libfaketime does not intercept, so against its
    faked monotonic clock those waits never expire and the run hangs. (Leaving the monotonic
    clock real instead breaks every ``time.sleep``: libfaketime issue #426.) The CLI only
    generates requests; what carries dates, the mock and the spec's examples, stays at the
    faked date in this process.
    """
    preloads = [
        library
        for library in environment.get("LD_PRELOAD", "").replace(":", " ").split()
        if "faketime" not in library
    ]
    kept = {
        name: value
        for name, value in environment.items()
        if name != "LD_PRELOAD" and not name.startswith("FAKETIME")
    }
    return {**kept, "LD_PRELOAD": " ".join(preloads)} if preloads else kept


def run(
    *, seed: int, max_examples: int, extra: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """One schemathesis run against a fresh mock; its output is in the result."""
    config = MockConfig(rate_limit_per_minute=10**9, burst_per_second=10**9)
    with (
        MockServer(config, clock=Clock(time_scale=TIME_SCALE, start=CLOCK_START)) as server,
        server.client() as client,
    ):
        spare = client.tokens.create(scopes=["messages:read"], environment="test", name="spare")
        small = client.segments.create(
            name="contract run", recipients=["+5511966665555", "+5511966665556"]
        )
        environment = {
            **without_faketime(os.environ),
            "CCX_TOKEN": server.token,
            "CCX_SPARE_TOKEN_ID": spare.id,
            "CCX_SMALL_SEGMENT_ID": small.id,
            "SCHEMATHESIS_HOOKS": "tests.contract.schemathesis_hooks",
            "PYTHONPATH": str(ROOT),
        }
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(CONFIG),
            "run",
            str(SPEC),
            "--url",
            server.url,
            "--mode",
            "all",
            "--phases",
            PHASES,
            "--seed",
            str(seed),
            "--max-examples",
            str(max_examples),
            "--workers",
            "1",
            "--request-timeout",
            "30",
            *extra,
        ]
        # schemathesis keeps a crash cache in its working directory: not in the repository.
        with tempfile.TemporaryDirectory() as scratch:
            return subprocess.run(
                command, env=environment, capture_output=True, text=True, check=False, cwd=scratch
            )


def main() -> int:
    parser = argparse.ArgumentParser(description="Run schemathesis against the mock.")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one")
    parser.add_argument("--max-examples", type=int, default=200)
    arguments, extra = parser.parse_known_args()
    seed = arguments.seed if arguments.seed is not None else random.randrange(2**32)
    print(f"schemathesis: seed {seed}, {arguments.max_examples} examples per operation")
    finished = run(seed=seed, max_examples=arguments.max_examples, extra=extra)
    print(finished.stdout, finished.stderr, sep="\n")
    return finished.returncode


if __name__ == "__main__":
    sys.exit(main())
