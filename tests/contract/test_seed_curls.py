"""The documentation's curl examples run verbatim against ``ccx-mock --clock-start``, on any date.

The commands in ``seed_000_curls.sh`` are the CCX documentation's, copied byte for byte; only
the host changes. The broadcast example schedules for 2026-11-28, so it succeeds only on a mock
whose clock starts before then: the documented way to run the examples on any day.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccx.mock._demo import DEMO_TOKEN

CURLS = Path(__file__).with_name("seed_000_curls.sh")
DOCUMENTED_HOST = "https://api.ccx.co"
CLOCK_START = "2026-11-20T00:00:00Z"
STATUS_MARKER = "\nccx-status:"


def documented_commands() -> list[str]:
    """The curl commands of the file, comments left out, each as written."""
    commands: list[str] = []
    for line in CURLS.read_text(encoding="utf-8").splitlines():
        if line.startswith("curl "):
            commands.append(line)
        elif commands and not line.startswith("#") and line.strip():
            commands[-1] += "\n" + line
    return commands


COMMANDS = documented_commands()


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    """``ccx-mock`` as a user starts it, on a free port, its clock started before the examples."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ccx.mock", "--port", "0", "--clock-start", CLOCK_START],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        assert banner.startswith("CCX mock API on http://127.0.0.1:"), banner
        yield banner.split(" on ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_curl(command: str, url: str, home: Path) -> tuple[int, dict[str, object]]:
    """Run one documented command with only its host changed; its status and JSON body.

    The output options come from a ``.curlrc`` (``CURL_HOME``), so the command stays verbatim.
    """
    (home / ".curlrc").write_text(
        f'silent\nshow-error\nwrite-out = "{STATUS_MARKER.strip()}%{{http_code}}"\n'
    )
    finished = subprocess.run(
        ["bash", "-c", command.replace(DOCUMENTED_HOST, url)],
        env={**os.environ, "CCX_API_KEY": DEMO_TOKEN, "CURL_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, status = finished.stdout.rpartition(STATUS_MARKER.strip())
    return int(status), json.loads(body)


def test_the_documentation_has_three_curl_examples() -> None:
    assert [command.split()[1] for command in COMMANDS] == [
        f"{DOCUMENTED_HOST}/v1/messages",
        f"{DOCUMENTED_HOST}/v1/messages",
        f"{DOCUMENTED_HOST}/v1/broadcasts",
    ]


def test_every_documented_curl_succeeds(mock_url: str, tmp_path: Path) -> None:
    outcomes = [run_curl(command, mock_url, tmp_path) for command in COMMANDS]

    assert [status for status, _ in outcomes] == [200, 202, 202], outcomes
    (_, listed), (_, message), (_, broadcast) = outcomes
    assert listed["object"] == "list"
    assert message["status"] == "queued"
    assert message["to"] == "+5511999990000"
    assert broadcast["status"] == "scheduled"
    assert broadcast["schedule_at"] == "2026-11-28T12:00:00Z"
