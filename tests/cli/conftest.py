"""Fixtures for the ``ccx`` command: the CLI run in-process against the pytest plugin's mock."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Mapping

import pytest
from click.testing import CliRunner, Result

from ccx import CCX
from ccx.cli._app import cli
from ccx.mock import MockServer
from ccx.types.enums import Environment, Scope

Invoke = Callable[..., Result]
TokenFactory = Callable[..., str]

COMMAND = (sys.executable, "-m", "ccx.cli")
"""``ccx`` as a separate process, for what needs a real stdout (a pipe, a terminal)."""
_OUTPUT_VARIABLES = (
    "FORCE_COLOR",
    "NO_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
    "PYTHONUNBUFFERED",  # the command must flush its own lines
)


@pytest.fixture
def ccx(ccx_mock: MockServer) -> Invoke:
    """Runs ``ccx ARGS`` with ``CCX_BASE_URL``/``CCX_API_KEY`` pointing at the mock.

    ``env`` adds or (with ``None``) removes variables; ``input`` is stdin.
    """
    runner = CliRunner()
    base_env = {
        "CCX_BASE_URL": ccx_mock.url,
        "CCX_API_KEY": ccx_mock.token,
        "CCX_WEBHOOK_SECRET": None,
    }

    def invoke(
        *args: str, input: bytes | str | None = None, env: Mapping[str, str | None] = {}
    ) -> Result:
        return runner.invoke(
            cli, list(args), input=input, env={**base_env, **env}, catch_exceptions=False
        )

    return invoke


@pytest.fixture
def process_env(ccx_mock: MockServer) -> dict[str, str]:
    """The environment for ``COMMAND`` against the mock, free of the caller's output settings."""
    inherited = {name: value for name, value in os.environ.items() if name not in _OUTPUT_VARIABLES}
    return {**inherited, "CCX_BASE_URL": ccx_mock.url, "CCX_API_KEY": ccx_mock.token}


@pytest.fixture
def token_with(ccx_client: CCX) -> TokenFactory:
    """A new token of the demo workspace: ``token_with("templates:read", environment="live")``."""

    def create(*scopes: Scope, environment: Environment = "test") -> str:
        return ccx_client.tokens.create(scopes=list(scopes), environment=environment).secret

    return create


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on: bound to find it, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def event_body(ccx_client: CCX) -> bytes:
    """The JSON of a real event from the mock's event log, as a webhook would carry it."""
    ccx_client.messages.send(
        to="+15550000001",
        channel="whatsapp",
        template={
            "name": "order_confirmation",
            "language": "pt_BR",
            "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
        },
    )
    event = next(iter(ccx_client.events.list(event="message.queued")))
    return event.model_dump_json(by_alias=True).encode()
