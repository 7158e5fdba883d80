"""`MockServer` and the ``ccx-mock`` command: a real server on loopback, driven like users do."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import httpx
import pytest
from starlette.applications import Starlette

from ccx import ClientClosedError
from ccx.mock import FrozenClock, MockConfig, MockServer, create_app
from ccx.mock._app import mock_state
from ccx.mock._demo import DEMO_TOKEN, OTHER_TOKEN


def test_server_exposes_url_tokens_and_state(server: MockServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert server.token == DEMO_TOKEN
    assert server.second_token == OTHER_TOKEN
    assert set(server.state.workspaces) == {"wks_demo", "wks_other"}
    response = httpx.get(f"{server.url}/v1/me", headers={"Authorization": f"Bearer {server.token}"})
    assert response.json()["workspace"]["id"] == "wks_demo"


def test_two_servers_have_separate_worlds() -> None:
    with MockServer() as first, MockServer() as second:
        assert first.port != second.port
        headers = {"Authorization": f"Bearer {DEMO_TOKEN}"}
        httpx.post(
            f"{first.url}/v1/segments",
            headers=headers,
            json={"name": "only here", "recipients": ["+5511900000001"]},
        )
        assert len(first.state.workspaces["wks_demo"].segments) == 2
        assert len(second.state.workspaces["wks_demo"].segments) == 1


def test_configured_sandbox_token() -> None:
    with MockServer(MockConfig(sandbox_token="ccx_test_my_own_token_123")) as server:
        assert server.token == "ccx_test_my_own_token_123"
        assert server.token not in repr(server.state)
        ok = httpx.get(f"{server.url}/v1/me", headers={"Authorization": f"Bearer {server.token}"})
        assert ok.status_code == 200
        old = httpx.get(f"{server.url}/v1/me", headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
        assert old.status_code == 401


def test_stop_closes_the_port() -> None:
    server = MockServer().start()
    url = server.url
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/openapi.json")


def test_sdk_client_against_the_server(server: MockServer) -> None:
    with server.client() as client:
        me = client.me.retrieve()
    assert me.workspace.name == "Demo Workspace"


@pytest.mark.usefixtures("nothing_left_open")
def test_the_clients_a_server_made_close_with_it() -> None:
    """``client = server.client()`` without a ``with``: the server's stop closes it, so its
    socket never reaches the garbage collector."""
    with MockServer(clock=FrozenClock("2026-11-20T00:00:00Z")) as server:
        client = server.client()
        assert client.me.retrieve().workspace.name == "Demo Workspace"

    with pytest.raises(ClientClosedError):
        client.me.retrieve()


async def test_async_sdk_client_against_the_server(server: MockServer) -> None:
    async with server.async_client() as client:
        page = await client.templates.list(limit=2)
    assert len(page.data) == 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_command_line_serves_the_demo_world() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ccx.mock", "--port", str(port)],
        env={**os.environ, "CCX_MOCK_TOKEN": "ccx_test_cli_token"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        banner = [process.stderr.readline() for _ in range(3)]
        assert f"http://127.0.0.1:{port}" in banner[0]
        assert "ccx_test_cli_token" in banner[2]
        transport = httpx.HTTPTransport(retries=20)
        with httpx.Client(transport=transport, base_url=f"http://127.0.0.1:{port}") as client:
            response = client.get("/v1/me", headers={"Authorization": "Bearer ccx_test_cli_token"})
        assert response.status_code == 200
        assert response.json()["workspace"]["name"] == "Demo Workspace"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("arguments", "explanation"),
    [
        (["--token", "ccx_live_nope"], "ccx_test_"),
        (["--faults", "bogus"], "key=value"),
        (["--time-scale", "0"], "--time-scale"),
        (["--rate-limit-per-minute", "0"], "--rate-limit-per-minute"),
        (
            ["--clock-start", "2026-11-20"],
            "--clock-start: clock start 2026-11-20 has no UTC offset",
        ),
    ],
)
def test_command_line_refuses_bad_options(arguments: list[str], explanation: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ccx.mock", *arguments],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert explanation in result.stderr
    assert "Traceback" not in result.stderr


def test_time_scale_makes_the_clock_run_faster() -> None:
    app = create_app(MockConfig(time_scale=60))
    clocks = [workspace.clock for workspace in mock_state(app).workspaces.values()]
    assert [clock.time_scale for clock in clocks] == [60, 60]
    with pytest.raises(TypeError):
        mock_state(Starlette())


def test_command_line_on_a_busy_port_says_so_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "ccx.mock", "--port", str(port)],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr == f"ccx-mock: port {port} is in use; try --port 0 or another port\n"


def test_command_line_clock_start_sets_the_clock() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ccx.mock", "--port", "0", "--clock-start", "2026-11-20T00:00:00Z"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        url = process.stderr.readline().split(" on ", 1)[1].strip()
        response = httpx.get(
            f"{url}/v1/test_helpers/clock", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}
        )
        assert response.json()["now"].startswith("2026-11-20T00:00:")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_clock_and_a_clock_start_together_are_refused() -> None:
    with pytest.raises(ValueError, match="a clock or a clock_start, not both"):
        MockServer(clock=FrozenClock("2026-11-20T00:00:00Z"), clock_start="2026-11-21T00:00:00Z")
