"""Simulated inbound messages of every kind a contact can send, typed in `message.reply`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from messaging_helpers import CUSTOMER, ORDER_TEMPLATE
from pydantic import BaseModel

from ccx import CCX, BadRequestError, NotFoundError
from ccx.mock import MockServer
from ccx.types import (
    InboundButton,
    InboundImage,
    InboundLocation,
    InboundMessageType,
    InboundReaction,
    InboundVoice,
    MessageReplyEvent,
)

KINDS: dict[InboundMessageType, tuple[dict[str, Any], type[BaseModel]]] = {
    "image": (
        {"url": "https://cdn.example.com/receipt.jpg", "caption": "My receipt"},
        InboundImage,
    ),
    "voice": ({"url": "https://cdn.example.com/note.ogg", "duration_seconds": 7}, InboundVoice),
    "location": (
        {"latitude": -23.5614, "longitude": -46.6559, "name": "MASP", "address": "Av. Paulista"},
        InboundLocation,
    ),
}


@pytest.fixture
def client(server: MockServer) -> Iterator[CCX]:
    with server.client() as sdk:
        yield sdk


def reply_event(client: CCX) -> MessageReplyEvent:
    event = next(iter(client.events.list(event="message.reply", limit=1)))
    assert isinstance(event, MessageReplyEvent)
    return event


def test_text_is_still_the_simplest_inbound(client: CCX) -> None:
    message = client.test_helpers.messages.simulate_inbound(
        from_=CUSTOMER, channel="whatsapp", text="Oi!"
    )
    assert (message.type, message.text, message.direction) == ("text", "Oi!", "inbound")
    data = reply_event(client).data
    assert (data.type, data.text) == ("text", "Oi!")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_arrives_typed_on_the_message_and_in_message_reply(
    client: CCX, kind: InboundMessageType
) -> None:
    content, model = KINDS[kind]
    arguments: dict[str, Any] = {kind: content}
    message = client.test_helpers.messages.simulate_inbound(
        from_=CUSTOMER, channel="whatsapp", type=kind, **arguments
    )
    assert message.type == kind
    on_message = getattr(message, kind)
    assert isinstance(on_message, model)
    assert on_message.model_dump(exclude_none=True).items() >= content.items()
    data = reply_event(client).data
    assert data.type == kind
    in_event = getattr(data, kind)
    assert isinstance(in_event, model)
    assert in_event == on_message
    assert data.text is None
    # Every kind is the contact writing: the customer-care window opens.
    assert message.conversation_id is not None
    assert client.conversations.retrieve(message.conversation_id).window_open is True


def test_media_without_a_type_gets_whatsapps_default(client: CCX) -> None:
    image = client.test_helpers.messages.simulate_inbound(
        from_=CUSTOMER, channel="whatsapp", image={"url": "https://cdn.example.com/a.png"}
    )
    assert image.image is not None
    assert image.image.mime_type == "image/jpeg"
    voice = client.test_helpers.messages.simulate_inbound(
        from_=CUSTOMER,
        channel="whatsapp",
        voice={"url": "https://cdn.example.com/a.ogg", "duration_seconds": 3},
    )
    assert voice.voice is not None
    assert voice.voice.mime_type == "audio/ogg"


def test_a_button_tap_answers_one_of_the_buttons_you_sent(client: CCX) -> None:
    client.test_helpers.messages.simulate_inbound(from_=CUSTOMER, channel="whatsapp", text="?")
    asked = client.messages.send(
        to=CUSTOMER,
        channel="whatsapp",
        interactive={
            "body": "Confirm your delivery?",
            "buttons": [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}],
        },
    )
    tap = client.test_helpers.messages.simulate_inbound(
        from_=CUSTOMER,
        channel="whatsapp",
        button={"id": "yes", "title": "Yes", "message_id": asked.id},
    )
    assert tap.button is not None
    assert (tap.type, tap.button.id, tap.button.message_id) == ("button", "yes", asked.id)
    event = reply_event(client)
    assert isinstance(event.data.button, InboundButton)
    assert event.data.button.id == "yes"

    with pytest.raises(BadRequestError) as refused:
        client.test_helpers.messages.simulate_inbound(
            from_=CUSTOMER,
            channel="whatsapp",
            button={"id": "maybe", "title": "Maybe", "message_id": asked.id},
        )
    assert refused.value.param == "button.id"
    assert "'yes'" in refused.value.message
    with pytest.raises(NotFoundError) as missing:
        client.test_helpers.messages.simulate_inbound(
            from_="+5511911112222",
            channel="whatsapp",
            button={"id": "yes", "title": "Yes", "message_id": asked.id},
        )
    assert missing.value.param == "button.message_id"  # sent to someone else


def test_a_reaction_points_at_a_message_of_the_conversation(client: CCX) -> None:
    sent = client.messages.send(to=CUSTOMER, channel="whatsapp", template=ORDER_TEMPLATE)
    reacted = client.test_helpers.messages.simulate_inbound(
        from_=CUSTOMER, channel="whatsapp", reaction={"message_id": sent.id, "emoji": "👍"}
    )
    assert reacted.reaction is not None
    assert (reacted.type, reacted.reaction.emoji) == ("reaction", "👍")
    data = reply_event(client).data
    assert isinstance(data.reaction, InboundReaction)
    assert data.reaction.message_id == sent.id

    with pytest.raises(NotFoundError) as missing:
        client.test_helpers.messages.simulate_inbound(
            from_="+5511911112222",
            channel="whatsapp",
            reaction={"message_id": sent.id, "emoji": "👍"},
        )
    assert missing.value.param == "reaction.message_id"


def test_exactly_one_kind_and_only_text_beyond_whatsapp(client: CCX) -> None:
    before = len(list(client.messages.list(limit=100)))
    with pytest.raises(BadRequestError) as none_given:
        client.test_helpers.messages.simulate_inbound(from_=CUSTOMER, channel="whatsapp")
    assert "exactly one of text, image, voice, button, location, reaction" in (
        none_given.value.message
    )
    with pytest.raises(BadRequestError) as two_given:
        client.test_helpers.messages.simulate_inbound(
            from_=CUSTOMER,
            channel="whatsapp",
            text="Here",
            location={"latitude": 0, "longitude": 0},
        )
    assert two_given.value.param == "location"
    with pytest.raises(BadRequestError) as mismatched:
        client.test_helpers.messages.simulate_inbound(
            from_=CUSTOMER, channel="whatsapp", type="image", text="Here"
        )
    assert mismatched.value.param == "type"
    with pytest.raises(BadRequestError) as on_sms:
        client.test_helpers.messages.simulate_inbound(
            from_=CUSTOMER, channel="sms", location={"latitude": 0, "longitude": 0}
        )
    assert (on_sms.value.code, on_sms.value.param) == ("unsupported_content", "location")
    with pytest.raises(BadRequestError) as off_the_map:
        client.test_helpers.messages.simulate_inbound(
            from_=CUSTOMER, channel="whatsapp", location={"latitude": 91, "longitude": 0}
        )
    assert off_the_map.value.param is not None
    assert "latitude" in off_the_map.value.param
    assert len(list(client.messages.list(limit=100))) == before  # nothing was received
