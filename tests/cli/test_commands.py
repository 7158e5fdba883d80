"""``ccx version``, ``ccx mock``, and the command as installed (entry point, missing extra)."""

from __future__ import annotations

import importlib.metadata
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from ccx._constants import API_VERSION
from ccx._version import __version__
from ccx.mock._demo import DEMO_TOKEN

from .conftest import Invoke

_STARTUP_RETRIES = 8
"""Connection attempts while the mock starts (httpcore backs off between them)."""


def test_version_names_the_sdk_and_the_api_version(ccx: Invoke) -> None:
    result = ccx("version")

    assert result.exit_code == 0
    assert result.stdout.startswith(f"ccx-sdk {__version__} (CCX API {API_VERSION}, Python ")


def test_the_ccx_script_is_installed() -> None:
    (script,) = [
        entry
        for entry in importlib.metadata.entry_points(group="console_scripts")
        if entry.name == "ccx"
    ]

    assert script.value == "ccx.cli:main"


def test_mock_help_lists_the_mock_servers_options(ccx: Invoke) -> None:
    result = ccx("mock", "--help")

    assert result.exit_code == 0
    for option in ("--port", "--time-scale", "--faults", "--token"):
        assert option in result.stdout


@pytest.fixture
def mock_process(unused_port: int) -> Iterator[str]:
    """``ccx mock --port N`` as a user runs it, in its own process; stopped with Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ccx.cli", "mock", "--port", str(unused_port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{unused_port}"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_mock_serves_the_api_with_the_documented_demo_token(mock_process: str) -> None:
    transport = httpx.HTTPTransport(retries=_STARTUP_RETRIES)
    with httpx.Client(base_url=mock_process, transport=transport) as http:
        me = http.get("/v1/me", headers={"Authorization": f"Bearer {DEMO_TOKEN}"})

    assert me.status_code == 200
    assert me.json()["environment"] == "test"


def test_without_the_cli_extra_the_command_says_what_to_install() -> None:
    hide_click = "import sys; sys.modules['click'] = None; from ccx.cli import main; main()"

    finished = subprocess.run(
        [sys.executable, "-c", hide_click], capture_output=True, text=True, check=False
    )

    assert finished.returncode == 1
    assert finished.stderr.strip() == (
        "The ccx command needs the cli extra (click not installed): pip install 'ccx-sdk[cli]'"
    )
