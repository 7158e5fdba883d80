"""schemathesis against the mock: every check, positive and negative data, the stateful phase.

``test_schemathesis.py`` runs it with a fixed seed and a bounded example count; ``make fuzz``
runs ``python -m tests.contract.run_schemathesis --max-examples 200`` with a random seed.
The mock runs in this process on a clock 1,000 times faster than the wall, so a broadcast's
event stream ends within a request timeout.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ccx.mock import MockConfig, MockServer
from ccx.mock._clock import Clock

ROOT = Path(__file__).parents[2]
SPEC = ROOT / "openapi" / "openapi.yaml"
CONFIG = Path(__file__).with_name("schemathesis.toml")
PHASES = "examples,coverage,fuzzing,stateful"
TIME_SCALE = 1_000.0


def run(
    *, seed: int, max_examples: int, extra: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """One schemathesis run against a fresh mock; its output is in the result."""
    config = MockConfig(rate_limit_per_minute=10**9, burst_per_second=10**9)
    with (
        MockServer(config, clock=Clock(time_scale=TIME_SCALE)) as server,
        server.client() as client,
    ):
        spare = client.tokens.create(scopes=["messages:read"], environment="test", name="spare")
        environment = {
            **os.environ,
            "CCX_TOKEN": server.token,
            "CCX_SPARE_TOKEN_ID": spare.id,
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
