"""The ``ccx`` logger: CCX_LOG configures it, and tokens never reach a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from ccx import _logging
from ccx._client import CCX

from ._resources import Messages
from ._server import Reply, ScriptedServer, error
from .conftest import API_KEY, FakeClock


@pytest.fixture
def fresh_logger(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    logger = logging.getLogger("ccx")
    level, handlers = logger.level, list(logger.handlers)
    monkeypatch.setattr(_logging, "_configured", False)
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


@pytest.mark.parametrize(("value", "level"), [("debug", logging.DEBUG), ("INFO", logging.INFO)])
def test_ccx_log_sets_the_level(
    monkeypatch: pytest.MonkeyPatch, fresh_logger: logging.Logger, value: str, level: int
) -> None:
    monkeypatch.setenv("CCX_LOG", value)

    with CCX(API_KEY):
        pass

    assert fresh_logger.level == level
    assert fresh_logger.handlers


def test_without_ccx_log_nothing_is_configured(
    monkeypatch: pytest.MonkeyPatch, fresh_logger: logging.Logger
) -> None:
    monkeypatch.delenv("CCX_LOG", raising=False)
    before = list(fresh_logger.handlers)

    with CCX(API_KEY):
        pass

    assert fresh_logger.handlers == before


def test_debug_logs_never_contain_the_token(
    server: ScriptedServer, messages: Messages, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(
        "POST",
        "/v1/messages",
        error(401, "invalid_token"),
    )
    server.script(
        "GET", "/v1/messages/msg_1", Reply(503), Reply(200, {"id": "msg_1", "status": "sent"})
    )

    with caplog.at_level(logging.DEBUG, logger="ccx"):
        messages.retrieve("msg_1")
        with pytest.raises(Exception, match="CCX_API_KEY"):
            messages.send(to="+15550000001")

    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "Request GET" in text
    assert "Retrying messages.retrieve" in text
    assert "'authorization': '[redacted]'" in text
    assert API_KEY not in text


def test_tokens_logged_by_anyone_on_the_ccx_logger_are_scrubbed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="ccx"):
        logging.getLogger("ccx").info("header was Bearer %s and secret whsec_abc123", API_KEY)

    (record,) = caplog.records
    assert API_KEY not in record.getMessage()
    assert "whsec_abc123" not in record.getMessage()
    assert "Bearer [redacted]" in record.getMessage()
