"""What a stranger's schemathesis run sees: ``st run openapi/openapi.yaml`` against a fresh
``ccx-mock`` with nothing but an ``Authorization`` header, no project config and no hooks
(and without the one operation a request timeout cannot test, see ``EXCLUDED``).

It must find no server error and no status code the spec does not document. (The project's own
run, ``test_schemathesis.py``, holds the mock to every check; some of those need the rules in
``schemathesis.toml`` that JSON Schema cannot state, which a stranger does not have.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest

from ccx.mock._demo import DEMO_TOKEN

from .run_schemathesis import CLOCK_START, SPEC, without_faketime

SEED = 20261204
MAX_EXAMPLES = 5
EXCLUDED = ("broadcasts.events",)
"""A broadcast's event stream is open as long as the broadcast runs: on the wall clock a
stranger's mock keeps, minutes, and until its date for a scheduled one, so every generated
request would end at the request timeout. tests/mock/test_sse.py and the project's run (on a
fast clock) check the stream."""
REQUEST_TIMEOUT_SECONDS = 120
"""Generous: a clock advance waits for the webhooks it triggers, and the endpoints schemathesis
registers point at made-up hosts, each attempt waiting on a failing DNS lookup."""
RUN_TIMEOUT_SECONDS = 900
"""The whole run is bounded (a few minutes)."""


@pytest.fixture
def fresh_mock() -> Iterator[str]:
    """``ccx-mock`` as a user starts it, on a free port; yields its URL."""
    command = [sys.executable, "-m", "ccx.mock", "--port", "0", "--clock-start", CLOCK_START]
    process = subprocess.Popen(
        command,
        env=without_faketime(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        # Its first line, once it listens: "CCX mock API on http://127.0.0.1:<port>".
        announced = process.stderr.readline()
        assert announced.startswith("CCX mock API on "), announced + process.stderr.read()
        yield announced.split()[-1]
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_bare_schemathesis_run_finds_no_server_error_and_no_undocumented_status(
    fresh_mock: str,
) -> None:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", str(SPEC)),
        *("--url", fresh_mock, "--header", f"Authorization: Bearer {DEMO_TOKEN}"),
        *("--checks", "not_a_server_error,status_code_conformance"),
        *(f"--exclude-operation-id={operation}" for operation in EXCLUDED),
        *(
            "--seed",
            str(SEED),
            "--max-examples",
            str(MAX_EXAMPLES),
            "--request-timeout",
            str(REQUEST_TIMEOUT_SECONDS),
        ),
    ]
    # An empty working directory: no schemathesis.toml for the CLI to find.
    with tempfile.TemporaryDirectory() as scratch:
        finished = subprocess.run(
            command,
            env=without_faketime(os.environ),
            cwd=scratch,
            capture_output=True,
            text=True,
            check=False,
            timeout=RUN_TIMEOUT_SECONDS,
        )
    report = finished.stdout + finished.stderr
    operations = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", report)
    assert operations is not None, report[-6000:]
    selected, total, tested = map(int, operations.groups())
    assert (selected, tested) == (total - len(EXCLUDED), selected), report[-6000:]
    assert "ST101" not in report, report[-6000:]  # Server error
    assert "ST103" not in report, report[-6000:]  # Undocumented status code
    assert finished.returncode == 0, report[-6000:]
