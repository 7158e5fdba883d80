"""otp.send: a critical-priority authentication template, with the template rules applied."""

from __future__ import annotations

import httpx
from messaging_helpers import CUSTOMER

from ccx.mock import FrozenClock


async def test_otp_sends_the_code_through_the_template(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    response = await asgi.post(
        "/v1/otp",
        json={"to": CUSTOMER, "code": "482913", "template_name": "signup_otp", "language": "en"},
    )
    assert response.status_code == 202
    sent = response.json()
    assert sent["priority"] == "critical"
    assert sent["template"] == {
        "name": "signup_otp",
        "language": "en",
        "variables": {"1": "******"},
    }
    await clock.advance(1)
    delivered = await asgi.get(f"/v1/messages/{sent['id']}")
    assert delivered.json()["billable"]["category"] == "authentication"
    # The code is never kept: not in the message, not in any event.
    events = await asgi.get("/v1/events", params={"limit": 100})
    assert "482913" not in delivered.text
    assert "482913" not in events.text


async def test_otp_needs_an_authentication_template(asgi: httpx.AsyncClient) -> None:
    response = await asgi.post(
        "/v1/otp", json={"to": CUSTOMER, "code": "1234", "template_name": "order_confirmation"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "template_category_mismatch"


async def test_otp_with_an_unknown_template_or_language_is_refused(
    asgi: httpx.AsyncClient,
) -> None:
    missing = await asgi.post(
        "/v1/otp", json={"to": CUSTOMER, "code": "1234", "template_name": "nope"}
    )
    assert missing.status_code == 404
    wrong_language = await asgi.post(
        "/v1/otp",
        json={"to": CUSTOMER, "code": "1234", "template_name": "signup_otp", "language": "pt_BR"},
    )
    assert wrong_language.status_code == 422


async def test_otp_needs_the_otp_scope(asgi: httpx.AsyncClient) -> None:
    created = await asgi.post(
        "/v1/tokens", json={"scopes": ["messages:send"], "environment": "test"}
    )
    assert created.status_code == 201, created.text
    response = await asgi.post(
        "/v1/otp",
        json={"to": CUSTOMER, "code": "1234", "template_name": "signup_otp"},
        headers={"Authorization": f"Bearer {created.json()['secret']}"},
    )
    assert response.status_code == 403
