"""Every example runs as its reader would run it: a subprocess, no network, exit status 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccx.mock import MockServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT_SECONDS = 120
"""Generous: each example takes seconds, but this machine's cores are shared."""

CASES = [
    ("quickstart.py", (), "received, signature verified"),
    ("async_bulk_send.py", (), "Sent 199 of 200 messages"),
    ("async_bulk_send.py", ("--aiohttp",), "Transport: aiohttp"),
    ("broadcast_progress.py", (), "completed: 1000 of 1000 delivered"),
    ("webhooks_fastapi.py", ("--selftest",), "selftest passed: message.delivered"),
    ("webhooks_flask.py", ("--selftest",), "selftest passed: message.delivered"),
    ("webhooks_django.py", ("--selftest",), "selftest passed: message.delivered"),
    ("retries_and_idempotency.py", (), "Exactly one message per order: 5 orders, 5 messages"),
    ("tracing_console.py", (), "It is the checkout's trace"),
]


def run(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """``python arguments...`` in the repository, with only the CCX settings given here."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("CCX_")}
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=EXAMPLES.parent,
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


@pytest.mark.parametrize(
    ("script", "arguments", "expected"),
    CASES,
    ids=[" ".join((script, *arguments)) for script, arguments, _ in CASES],
)
def test_example_runs_against_the_bundled_mock(
    script: str, arguments: tuple[str, ...], expected: str
) -> None:
    result = run(str(EXAMPLES / script), *arguments)
    assert result.returncode == 0, result.stdout + result.stderr
    assert expected in result.stdout, result.stdout


def test_every_example_is_run_here() -> None:
    covered = {script for script, _, _ in CASES} | {"test_contract_example.py"}
    assert {path.name for path in EXAMPLES.glob("[!_]*.py")} == covered


def test_the_quickstart_uses_the_api_the_environment_names() -> None:
    with MockServer(clock_start="2026-11-20T00:00:00Z") as server, server.client() as client:
        result = run(
            str(EXAMPLES / "quickstart.py"), CCX_BASE_URL=server.url, CCX_API_KEY=server.token
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"Using the CCX API at {server.url}" in result.stdout
        sent = [message.id for message in client.messages.list(to="+15550000001")]
    assert len(sent) == 1
    assert sent[0] in result.stdout


def test_the_contract_example_passes_under_pytest() -> None:
    result = run(
        "-m", "pytest", str(EXAMPLES / "test_contract_example.py"), "-q", "-p", "no:cacheprovider"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
