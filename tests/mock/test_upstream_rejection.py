"""The rejecting sandbox recipient: Meta refuses the send, so the API answers 502 at once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from messaging_helpers import REJECTED, message

import ccx
from ccx.mock import FrozenClock, MockServer
from ccx.types import TemplateInputParam

ORDER: TemplateInputParam = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
}
"""The helpers' order template, typed for the SDK."""


def test_a_send_meta_rejects_is_a_502_with_metas_code_and_sends_nothing(
    server: MockServer, http: httpx.Client
) -> None:
    with server.client() as client, pytest.raises(ccx.UpstreamError) as raised:
        client.messages.send(to=REJECTED, channel="whatsapp", template=ORDER)
    error = raised.value
    assert (error.status_code, error.code, error.retryable) == (502, "upstream_failure", False)
    assert (error.upstream_code, error.upstream_message) == (
        131008,
        "(#131008) Required parameter is missing",
    )
    assert REJECTED in error.message
    # Not retryable: the SDK tried once, and nothing was queued or announced.
    calls = http.get("/v1/audit_logs").json()["data"]
    assert [(c["method"], c["path"], c["status"]) for c in calls][-1:] == [
        ("POST", "/v1/messages", 502)
    ]
    assert sum(c["path"] == "/v1/messages" for c in calls) == 1
    assert http.get("/v1/messages", params={"to": REJECTED}).json()["data"] == []
    events = http.get("/v1/events", params={"limit": 100}).json()["data"]
    assert not any(event["data"].get("to") == REJECTED for event in events)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/messages", message(REJECTED)),
        ("/v1/messages", message("upstream-error@sandbox.ccx.co", channel="email")),
        (
            "/v1/otp",
            {"to": REJECTED, "code": "482913", "template_name": "signup_otp", "language": "en"},
        ),
    ],
)
async def test_every_immediate_send_to_it_is_refused_the_same_way(
    asgi: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    for _ in range(2):  # the same idempotency key again: a 5xx keeps nothing, so again a 502
        response = await asgi.post(path, json=body, headers={"Idempotency-Key": "same"})
        assert response.status_code == 502, response.text
        error = response.json()["error"]
        assert (error["type"], error["code"], error["retryable"]) == (
            "upstream_error",
            "upstream_failure",
            False,
        )
        assert error["upstream"]["code"] == 131008
        assert "Idempotent-Replayed" not in response.headers


async def test_a_scheduled_send_to_it_fails_when_it_meets_meta(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    scheduled = await asgi.post(
        "/v1/messages", json=message(REJECTED, schedule_at=clock.isoformat(clock.now() + 60))
    )
    assert scheduled.status_code == 202, scheduled.text
    await clock.advance(61)
    failed = (await asgi.get(f"/v1/messages/{scheduled.json()['id']}")).json()
    assert failed["status"] == "failed"
    assert (failed["error"]["code"], failed["error"]["upstream_code"]) == ("upstream_error", 131008)
    assert "sent_at" not in failed


async def test_a_broadcast_message_to_it_is_failed_with_metas_code(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    segment = await asgi.post(
        "/v1/segments", json={"name": "s", "recipients": [REJECTED, "+5511999990000"]}
    )
    created = await asgi.post(
        "/v1/broadcasts",
        json={
            "name": "with a rejected recipient",
            "template": "black_friday_2026",
            "language": "pt_BR",
            "segment_id": segment.json()["id"],
            "idempotency_key": "b",
        },
    )
    assert created.status_code == 202, created.text
    await clock.advance(30)
    done = (await asgi.get(f"/v1/broadcasts/{created.json()['id']}")).json()
    assert done["status"] == "completed"
    assert (done["counts"]["failed"], done["counts"]["delivered"]) == (1, 1)
    listed = (await asgi.get("/v1/messages", params={"to": REJECTED})).json()["data"]
    assert listed[0]["error"]["upstream_code"] == 131008
