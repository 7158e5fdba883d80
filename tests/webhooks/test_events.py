"""``verify`` and ``client.webhooks.unwrap``: from a signed request to the precise event model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ccx
from ccx.types import EVENT_TYPES, MessageDeliveredEvent, MessageReadEvent, UnknownEvent
from ccx.webhooks import (
    InvalidPayloadError,
    MissingSignatureError,
    SignatureMismatchError,
    TimestampOutsideToleranceError,
    WebhookSecretMissingError,
    parse_event,
    sign,
    verify,
)

from ._servers import SECRET, event_body

NOW = 1_763_712_000


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"CCX-Signature": sign(body, secret, timestamp=NOW)}


def test_verify_returns_the_precise_model_with_typed_data() -> None:
    body = event_body(
        "message.delivered", billable={"category": "utility", "price": 0.16, "currency": "BRL"}
    )
    event = verify(body, signed(body), SECRET, now=NOW)
    assert isinstance(event, MessageDeliveredEvent)
    assert event.id == "evt_0xK91A"
    assert event.data.message_id == "msg_0xK91A"
    assert event.data.to == "+5511999990000"
    assert event.data.billable is not None
    assert event.data.billable.currency == "BRL"


def test_each_event_type_parses_into_its_own_model() -> None:
    body = event_body("message.read")
    event = verify(body, signed(body), SECRET, now=NOW)
    assert isinstance(event, MessageReadEvent)
    assert event.event == "message.read"


@given(
    event_type=st.from_regex(r"[a-z]{1,12}\.[a-z_]{1,16}", fullmatch=True).filter(
        lambda event_type: event_type not in EVENT_TYPES
    )
)
def test_an_event_type_newer_than_the_sdk_parses_as_unknown_event(event_type: str) -> None:
    body = event_body(event_type)
    event = verify(body, signed(body), SECRET, now=NOW)
    assert isinstance(event, UnknownEvent)
    assert event.event == event_type
    assert event.data["message_id"] == "msg_0xK91A"


@pytest.mark.parametrize(
    ("body", "mentions"), [(b"{not json", "not valid JSON"), (b"[]", "an array in JSON")]
)
def test_a_signed_body_that_is_not_a_json_object_is_an_invalid_payload(
    body: bytes, mentions: str
) -> None:
    for strict in (False, True):
        with pytest.raises(InvalidPayloadError, match=mentions):
            verify(body, signed(body), SECRET, now=NOW, strict=strict)


@pytest.mark.parametrize(
    ("body", "model", "mentions"),
    [
        (b'{"data": {}}', UnknownEvent, "Unable to extract tag using discriminator 'event'"),
        (
            event_body().replace(b'"message_id":"msg_0xK91A",', b""),
            MessageDeliveredEvent,
            "data.message_id: Field required",
        ),
        (b'{"event": 42}', UnknownEvent, "Input tag '42' found using 'event'"),
    ],
)
def test_a_signed_event_of_another_shape_is_read_leniently_and_refused_when_strict(
    body: bytes, model: type[object], mentions: str
) -> None:
    assert isinstance(verify(body, signed(body), SECRET, now=NOW), model)
    with pytest.raises(InvalidPayloadError, match=mentions):
        verify(body, signed(body), SECRET, now=NOW, strict=True)


def test_the_body_is_not_parsed_unless_the_signature_is_good() -> None:
    body = b"{not json"
    with pytest.raises(SignatureMismatchError):
        verify(body, signed(body, "whsec_other"), SECRET, now=NOW)


def test_parse_event_reads_a_body_verified_elsewhere() -> None:
    assert isinstance(parse_event(event_body()), MessageDeliveredEvent)


def test_client_unwrap_uses_the_client_secret() -> None:
    client = ccx.CCX(api_key="ccx_test_unwrap", webhook_secret=SECRET)
    body = event_body()
    assert isinstance(client.webhooks.unwrap(body, signed(body), now=NOW), MessageDeliveredEvent)
    client.webhooks.verify_signature(body, signed(body), now=NOW)
    with pytest.raises(SignatureMismatchError):
        client.webhooks.unwrap(body, signed(body, "whsec_other"), now=NOW)
    with pytest.raises(TimestampOutsideToleranceError):
        client.webhooks.unwrap(body, signed(body))


def test_client_unwrap_reads_the_environment_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCX_WEBHOOK_SECRET", SECRET)
    client = ccx.AsyncCCX(api_key="ccx_test_unwrap")
    body = event_body()
    assert isinstance(client.webhooks.unwrap(body, signed(body), now=NOW), MessageDeliveredEvent)


def test_client_unwrap_without_any_secret_says_how_to_configure_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CCX_WEBHOOK_SECRET", raising=False)
    client = ccx.CCX(api_key="ccx_test_unwrap")
    body = event_body()
    with pytest.raises(WebhookSecretMissingError, match="CCX_WEBHOOK_SECRET"):
        client.webhooks.unwrap(body, signed(body), now=NOW)
    assert isinstance(WebhookSecretMissingError("x"), ccx.CCXError)


def test_client_unwrap_rejects_a_missing_header() -> None:
    client = ccx.CCX(api_key="ccx_test_unwrap", webhook_secret=SECRET)
    with pytest.raises(MissingSignatureError):
        client.webhooks.unwrap(event_body(), {}, now=NOW)
