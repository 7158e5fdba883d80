"""What a parsed object offers beyond its fields: ``to_dict``/``to_json`` in the API's wire
format, and ``x_request_id``, the id of the response it came from. Against the bundled mock,
over a socket (the pytest plugin's ``ccx_client``) and in-process (``httpx.ASGITransport``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from ccx import CCX, AsyncCCX
from ccx.mock import FrozenClock, create_app
from ccx.mock._demo import DEMO_TOKEN
from ccx.types import BroadcastCompletedEvent, Message


def inbound(client: CCX) -> Message:
    """A message whose JSON has ``from`` (``from_`` in Python) and leaves fields out."""
    return client.test_helpers.messages.simulate_inbound(
        from_="+5511988887777", channel="whatsapp", text="Olá"
    )


def test_to_dict_and_to_json_are_the_json_the_api_sent(ccx_client: CCX) -> None:
    message_id = inbound(ccx_client).id

    response = ccx_client.messages.with_raw_response.retrieve(message_id)
    message = response.parse()

    sent = response.http_response.json()
    assert message.to_dict() == sent
    assert json.loads(message.to_json()) == sent
    assert message.to_dict()["from"] == "+5511988887777"
    assert "from_" in message.model_dump()  # pydantic's own view keeps Python names
    assert "\n" not in message.to_json(indent=None)


def test_to_dict_in_python_mode_keeps_datetimes(ccx_client: CCX) -> None:
    message = inbound(ccx_client)

    assert message.to_dict(mode="python")["created_at"] == message.created_at


def test_every_object_a_call_returns_carries_its_request_id(ccx_client: CCX) -> None:
    message_id = inbound(ccx_client).id
    inbound(ccx_client)  # a second page

    retrieved = ccx_client.messages.with_raw_response.retrieve(message_id)
    page = ccx_client.messages.with_raw_response.list(limit=1)

    assert retrieved.request_id is not None
    assert retrieved.parse().x_request_id == retrieved.request_id
    assert page.parse().x_request_id == page.request_id
    assert [item.x_request_id for item in page.parse().data] == [page.request_id]
    following = page.parse().next_page()
    assert following is not None
    assert following.x_request_id not in (None, page.request_id)
    assert {item.x_request_id for item in following.data} == {following.x_request_id}


def test_the_request_id_is_no_part_of_the_data(ccx_client: CCX) -> None:
    message_id = inbound(ccx_client).id

    first = ccx_client.messages.retrieve(message_id)
    second = ccx_client.messages.retrieve(message_id)

    assert first.x_request_id != second.x_request_id
    assert first == second
    assert first.x_request_id is not None
    assert first.x_request_id not in repr(first)
    assert first.x_request_id not in first.to_json()
    assert first.x_request_id not in json.dumps(first.model_dump(mode="json"))
    assert first.model_copy().x_request_id is None  # a copy came from no response
    assert first.template is None or first.template.x_request_id is None


def test_stream_events_carry_the_request_id_of_their_connection(ccx_client: CCX) -> None:
    segment = ccx_client.segments.create(name="ids", recipients=["+5511900000001"])
    broadcast = ccx_client.broadcasts.create(
        name="ids", template="black_friday_2026", language="pt_BR", segment_id=segment.id
    )

    raw = ccx_client.broadcasts.with_raw_response.events(broadcast.id)
    ccx_client.test_helpers.clock.advance(seconds=60)
    with raw.parse() as stream:
        events = list(stream)

    assert isinstance(events[-1], BroadcastCompletedEvent)
    assert {event.x_request_id for event in events} == {raw.request_id}
    assert raw.request_id is not None


@pytest.fixture
async def in_process() -> AsyncIterator[AsyncCCX]:
    app = create_app(clock=FrozenClock("2026-11-20T00:00:00Z"))
    async with AsyncCCX(
        api_key=DEMO_TOKEN,
        base_url="http://mock.test",
        transport=httpx.ASGITransport(app=app),
    ) as client:
        yield client


async def test_in_process_objects_have_their_wire_format_and_request_id(
    in_process: AsyncCCX,
) -> None:
    message = await in_process.test_helpers.messages.simulate_inbound(
        from_="+5511988887777", channel="sms", text="Oi"
    )
    response = await in_process.messages.with_raw_response.retrieve(message.id)
    page = await in_process.messages.list(limit=5)

    assert response.parse().to_dict() == response.http_response.json()
    assert response.parse().x_request_id == response.request_id
    assert page.data
    assert all(item.x_request_id == page.x_request_id for item in page.data)
    assert page.x_request_id is not None
