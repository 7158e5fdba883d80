"""Every response of the message domain matches its schema in openapi/openapi.yaml.

The SDK parses these bodies into the generated models, so a field the spec does not allow (a
null where it says string, a missing required key) would break users; this walks each
operation of the domain once, in realistic states, and validates against the spec itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import referencing.jsonschema
import yaml
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource

from ccx.mock import FrozenClock

SPEC = yaml.safe_load((Path(__file__).parents[2] / "openapi" / "openapi.yaml").read_text())
REGISTRY: Registry[Any] = Registry[Any]().with_resource(
    "urn:spec",
    Resource.from_contents(SPEC, default_specification=referencing.jsonschema.DRAFT202012),
)
TEMPLATE = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "a", "2": "b", "3": "c"},
}


def conforms(schema: str, instance: Any) -> None:
    validator = OAS31Validator(
        {"$ref": f"urn:spec#/components/schemas/{schema}"}, registry=REGISTRY
    )
    problems = [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)
    ]
    assert not problems, f"{schema}: {problems[:3]}"


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> Any:
    response = await client.post(path, json=body)
    assert response.status_code < 300, response.text
    return response.json()


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def send(to: str, key: str, **fields: Any) -> dict[str, Any]:
    return {"to": to, "channel": "whatsapp", "idempotency_key": key, "template": TEMPLATE, **fields}


@pytest.mark.parametrize("seconds", [0, 10])
async def test_messages_conversations_and_analytics_match_the_spec(
    asgi: httpx.AsyncClient, clock: FrozenClock, seconds: float
) -> None:
    await post(
        asgi, "/v1/messages", send("+15550000001", "a", fallback=["sms"], metadata={"k": "v"})
    )
    await post(asgi, "/v1/messages", send("+15550000002", "b", fallback=["sms"]))
    await post(asgi, "/v1/messages", send("+15550000003", "c"))
    scheduled = await post(
        asgi,
        "/v1/messages",
        send(
            "+15550000004",
            "d",
            schedule_at="2026-11-28T09:00:00-03:00",
            timezone="America/Sao_Paulo",
        ),
    )
    await post(
        asgi,
        "/v1/test_helpers/messages/inbound",
        {"from": "+5511999990000", "channel": "whatsapp", "text": "oi"},
    )
    await post(
        asgi,
        "/v1/messages",
        {"to": "+5511999990000", "channel": "whatsapp", "text": "olá", "idempotency_key": "e"},
    )
    await post(
        asgi, "/v1/otp", {"to": "+5511999990000", "code": "1234", "template_name": "signup_otp"}
    )
    await clock.advance(seconds)

    messages = await get(asgi, "/v1/messages", limit=100)
    conforms("MessageList", messages)
    conforms("Message", await post(asgi, f"/v1/messages/{scheduled['id']}/cancel"))
    conversations = await get(asgi, "/v1/conversations")
    conforms("ConversationList", conversations)
    first = conversations["data"][0]["id"]
    conforms("Conversation", await get(asgi, f"/v1/conversations/{first}"))
    conforms("MessageList", await get(asgi, f"/v1/conversations/{first}/messages"))
    conforms(
        "MessageAnalytics",
        await get(
            asgi,
            "/v1/analytics/messages",
            **{"from": "2026-11-21T00:00:00Z", "to": "2026-11-22T00:00:00Z", "group_by": "hour"},
        ),
    )
    forced = messages["data"][-1]["id"]
    conforms(
        "Message",
        await post(
            asgi,
            f"/v1/test_helpers/messages/{forced}/set_status",
            {"status": "failed", "error_code": 131047},
        ),
    )
    conforms("Clock", await get(asgi, "/v1/test_helpers/clock"))
    events = await get(asgi, "/v1/events", limit=100)
    conforms("EventList", events)


async def test_broadcasts_and_their_stream_match_the_spec(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment = await post(
        asgi, "/v1/segments", {"name": "s", "recipients": ["+5511900000001", "+15550000004"]}
    )
    body = {
        "name": "b",
        "template": "black_friday_2026",
        "language": "pt_BR",
        "segment_id": segment["id"],
    }
    running = await post(asgi, "/v1/broadcasts", body)
    conforms("Broadcast", running)
    conforms(
        "Broadcast",
        await post(asgi, "/v1/broadcasts", {**body, "dry_run": True, "idempotency_key": "dry"}),
    )
    later = await post(
        asgi,
        "/v1/broadcasts",
        {**body, "schedule_at": "2026-11-28T09:00:00-03:00", "idempotency_key": "later"},
    )
    conforms("Broadcast", later)
    await clock.advance(10)
    conforms("BroadcastList", await get(asgi, "/v1/broadcasts"))
    conforms("Broadcast", await post(asgi, f"/v1/broadcasts/{later['id']}/cancel"))
    async with asgi.stream("GET", f"/v1/broadcasts/{running['id']}/events") as response:
        frames = [
            json.loads(line[6:])
            async for line in response.aiter_lines()
            if line.startswith("data: ")
        ]
    assert frames
    for frame in frames:
        conforms("BroadcastStreamEvent", frame)


async def test_webhook_endpoints_and_events_match_the_spec(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    endpoint = await post(
        asgi, "/v1/webhook_endpoints", {"url": "http://127.0.0.1:9/hooks", "events": ["*"]}
    )
    conforms("WebhookEndpointWithSecret", endpoint)
    conforms(
        "WebhookEndpointWithSecret",
        await post(asgi, f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret"),
    )
    disabled = await asgi.patch(
        f"/v1/webhook_endpoints/{endpoint['id']}", json={"status": "disabled"}
    )
    conforms("WebhookEndpoint", disabled.json())
    conforms("WebhookEndpointList", await get(asgi, "/v1/webhook_endpoints"))
    for event_type in SPEC["components"]["schemas"]["EventType"]["enum"]:
        sample = await post(
            asgi, f"/v1/webhook_endpoints/{endpoint['id']}/test", {"event": event_type}
        )
        conforms("Event", sample)
    await post(asgi, "/v1/messages", send("+15550000001", "x"))
    await clock.advance(10)
    for event in (await get(asgi, "/v1/events", limit=100))["data"]:
        conforms("Event", event)
    replay = await post(
        asgi,
        "/v1/events/replay",
        {"endpoint_id": endpoint["id"], "from": "2026-11-21T07:00:00Z", "to": clock.isoformat()},
    )
    conforms("EventReplay", replay)
