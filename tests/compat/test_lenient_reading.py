"""What lenient and strict reading promise a user: the seed's sample, the log, secrets, options."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pydantic
import pytest

import ccx
import ccx.webhooks
from ccx import _lenient
from ccx.mock import MockServer
from ccx.types import Message, MessageDeliveredEvent, TokenWithSecret, UnknownEvent

SECRET = "whsec_lenient_5e6f7a8b"
NOW = 1_745_331_612
# The sample payload of CCX's public docs (seed 000), exactly as published.
SEED_SAMPLE: dict[str, Any] = {
    "event": "message.delivered",
    "message_id": "msg_0xK91A",
    "conversation_id": "cnv_44aa",
    "to": "+5511999990000",
    "template": "order_confirmation",
    "delivered_at": "2026-04-22T14:20:12Z",
    "billable": {"category": "utility", "price": 0.16, "currency": "BRL"},
}
MESSAGE: dict[str, Any] = {
    "id": "msg_1",
    "object": "message",
    "direction": "outbound",
    "to": "+15550000001",
    "channel": "whatsapp",
    "status": "queued",
    "priority": "default",
    "text": "Hello",
    "fallback": [],
    "metadata": {},
    "attempts": 0,
    "created_at": "2026-11-21T08:00:00Z",
}


@pytest.fixture(autouse=True)
def _fresh_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the once-per-process log as a new process would."""
    monkeypatch.setattr(_lenient, "reported", set[tuple[str, str]]())


def signed(body: bytes) -> dict[str, str]:
    return {"CCX-Signature": ccx.webhooks.sign(body, SECRET, timestamp=NOW)}


def serving(body: Any) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, json=body))


@pytest.mark.parametrize(
    "envelope",
    [
        # docs/webhooks.md's envelope, every field present
        {
            "id": "evt_0xK91A",
            "object": "event",
            "event": "message.delivered",
            "created_at": "2026-04-22T14:20:12Z",
            "api_version": "2026-11-01",
            "trace_id": None,
        },
        # without `object` and `trace_id`, which an older receiver must not depend on
        {"id": "evt_0xK91A", "event": "message.delivered", "created_at": "2026-04-22T14:20:12Z"},
    ],
    ids=["documented", "sparse"],
)
def test_the_seed_sample_in_the_documented_envelope_verifies(envelope: dict[str, Any]) -> None:
    body = json.dumps({**envelope, "data": SEED_SAMPLE}).encode()

    event = ccx.webhooks.verify(body, signed(body), SECRET, now=NOW)

    assert isinstance(event, MessageDeliveredEvent)
    assert event.data.message_id == "msg_0xK91A"
    assert event.data.billable is not None
    assert event.data.billable.price == 0.16
    assert event.raw_dict["data"] == SEED_SAMPLE


def test_an_unknown_enum_value_is_kept_and_logged_once_per_field(
    caplog: pytest.LogCaptureFixture,
) -> None:
    archived = {**MESSAGE, "status": "archived"}
    client = ccx.CCX("ccx_test_x", base_url="http://api.test", transport=serving(archived))
    with caplog.at_level(logging.WARNING, logger="ccx"):
        first = client.messages.retrieve("msg_1")
        second = client.messages.retrieve("msg_1")

    assert (first.status, second.status) == ("archived", "archived")
    assert isinstance(first, Message)
    [record] = caplog.records
    assert record.name == "ccx"
    assert "Message.status" in record.getMessage()
    assert "'archived'" in record.getMessage()
    assert "upgrade ccx-sdk" in record.getMessage()


def test_a_missing_field_becomes_none_and_another_field_logs_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sparse = {key: value for key, value in MESSAGE.items() if key not in ("priority", "channel")}
    client = ccx.CCX("ccx_test_x", base_url="http://api.test", transport=serving(sparse))
    with caplog.at_level(logging.WARNING, logger="ccx"):
        message = client.messages.retrieve("msg_1")

    assert (message.priority, message.channel, message.text) == (None, None, "Hello")
    logged = [record.getMessage() for record in caplog.records]
    assert [("Message.priority" in text, "Message.channel" in text) for text in logged] == [
        (False, True),
        (True, False),
    ]


def test_a_retyped_field_is_kept_raw_and_its_value_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "ccx_live_SECRETVALUE0123456789"
    token = {
        "id": "tok_1",
        "object": "token",
        "name": "ci",
        "prefix": "ccx_live_SECR",
        "environment": "live",
        "scopes": ["messages:send"],
        "created_at": "2026-11-21T08:00:00Z",
        "secret": {"value": secret},  # a newer API nests it
    }
    client = ccx.CCX("ccx_test_x", base_url="http://api.test", transport=serving(token))
    with caplog.at_level(logging.DEBUG, logger="ccx"):
        created = client.tokens.create(scopes=["messages:send"], environment="live")

    assert isinstance(created, TokenWithSecret)
    assert created.secret == {"value": secret}
    assert "TokenWithSecret.secret" in caplog.text
    assert secret not in caplog.text
    assert secret not in repr(created)
    strict = client.with_options(strict_response_validation=True)
    with pytest.raises(ccx.ResponseValidationError) as raised:
        strict.tokens.create(scopes=["messages:send"], environment="live")
    assert "secret" in str(raised.value)
    error: BaseException | None = raised.value
    while error is not None:  # the whole chain: no pydantic error, whose text shows values
        assert secret not in str(error)
        assert not isinstance(error, pydantic.ValidationError)
        error = error.__cause__ or error.__context__


def test_strict_reading_is_an_option_of_both_clients_and_their_copies() -> None:
    archived = {**MESSAGE, "status": "archived"}
    lenient = ccx.CCX("ccx_test_x", base_url="http://api.test", transport=serving(archived))
    strict = lenient.with_options(strict_response_validation=True)

    assert lenient.strict_response_validation is False
    assert strict.with_options(max_retries=1).strict_response_validation is True
    with pytest.raises(ccx.ResponseValidationError, match=r"status: Input should be"):
        strict.messages.retrieve("msg_1")
    assert ccx.AsyncCCX("ccx_test_x", strict_response_validation=True).strict_response_validation


async def test_the_async_client_reads_leniently_and_strictly() -> None:
    archived = {**MESSAGE, "status": "archived"}
    async with ccx.AsyncCCX(
        "ccx_test_x", base_url="http://api.test", transport=serving(archived)
    ) as client:
        assert (await client.messages.retrieve("msg_1")).status == "archived"
        strict = client.with_options(strict_response_validation=True)
        with pytest.raises(ccx.ResponseValidationError):
            await strict.messages.retrieve("msg_1")


@pytest.mark.parametrize(
    "body", [b"<html>Bad gateway</html>", b'["msg_1"]', b'"ok"'], ids=["html", "array", "string"]
)
def test_a_body_that_is_no_json_object_is_refused_in_both_modes(body: bytes) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    client = ccx.CCX("ccx_test_x", base_url="http://api.test", transport=transport)
    for reader in (client, client.with_options(strict_response_validation=True)):
        with pytest.raises(ccx.ResponseValidationError, match="not a response of the CCX API"):
            reader.messages.retrieve("msg_1")


def test_the_client_unwraps_webhooks_as_strictly_as_it_reads_responses() -> None:
    body = json.dumps({"event": "message.delivered", "data": SEED_SAMPLE}).encode()
    client = ccx.CCX("ccx_test_x", webhook_secret=SECRET)

    assert isinstance(client.webhooks.unwrap(body, signed(body), now=NOW), MessageDeliveredEvent)
    strict = client.with_options(strict_response_validation=True)
    with pytest.raises(ccx.webhooks.InvalidPayloadError, match="id: Field required"):
        strict.webhooks.unwrap(body, signed(body), now=NOW)


def test_raw_dict_is_the_json_received_and_cannot_clash_with_a_field() -> None:
    body = b'{"event": "message.teleported", "raw_dict": 1, "data": {"to": "Mars"}}'

    event = ccx.webhooks.verify(body, signed(body), SECRET, now=NOW)

    assert isinstance(event, UnknownEvent)
    assert event.raw_dict == json.loads(body)
    assert event.model_extra == {"raw_dict": 1}
    built = UnknownEvent(event="message.teleported", data={"to": "Mars"})
    assert built.raw_dict == {"event": "message.teleported", "data": {"to": "Mars"}}
    assert built == UnknownEvent.model_validate(built.raw_dict)  # the source is no field


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(clock_start="2026-11-20T00:00:00Z") as server:
        yield server


def test_events_listed_by_the_mock_keep_their_raw_json(mock: MockServer) -> None:
    with mock.client(strict_response_validation=True) as client:
        client.messages.send(to="+15550000001", channel="sms", text="Hello")
        client.test_helpers.clock.advance(seconds=5)
        page = client.events.list(limit=3)
        listed = client.events.with_raw_response.list(limit=3).http_response.json()["data"]

    assert [event.raw_dict for event in page.data] == listed
    assert [event.id for event in page.data] == [item["id"] for item in listed]


def test_the_pytest_plugin_clients_are_strict(
    ccx_client: ccx.CCX, ccx_async_client: ccx.AsyncCCX
) -> None:
    assert ccx_client.strict_response_validation
    assert ccx_async_client.strict_response_validation
    assert ccx_client.me.retrieve().workspace.id == "wks_demo"  # the mock matches the spec


def test_a_body_nested_deeper_than_the_stack_is_refused_not_a_crash() -> None:
    depth = 5000
    body = b'{"event": "message.delivered", "data": {"metadata": %s1%s}}' % (
        b'{"a": ' * depth,
        b"}" * depth,
    )
    with pytest.raises(ccx.webhooks.InvalidPayloadError, match="nested too deeply"):
        ccx.webhooks.verify(body, signed(body), SECRET, now=NOW)
