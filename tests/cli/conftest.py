"""Fixtures for the ``ccx`` command: the CLI run in-process against the pytest plugin's mock."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping

import pytest
from click.testing import CliRunner, Result

from ccx import CCX
from ccx.cli._app import cli
from ccx.mock import MockServer

Invoke = Callable[..., Result]


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
