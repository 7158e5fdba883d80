"""messages.send rules, retrieve/list/cancel: what a caller is told when a send is wrong."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from messaging_helpers import CUSTOMER, ORDER_TEMPLATE, message

from ccx.mock import FrozenClock, MockServer


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


async def test_template_send_is_accepted_queued_and_retrievable(
    asgi: httpx.AsyncClient,
) -> None:
    response = await asgi.post("/v1/messages", json=message())
    assert response.status_code == 202
    sent = response.json()
    assert sent["status"] == "queued"
    assert sent["id"].startswith("msg_")
    assert sent["template"] == ORDER_TEMPLATE
    assert sent["conversation_id"].startswith("cnv_")
    fetched = (await asgi.get(f"/v1/messages/{sent['id']}")).json()
    assert fetched["id"] == sent["id"]


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"template": ORDER_TEMPLATE, "text": "hi"}, "text"),
        ({"text": "hi", "media": {"type": "image", "url": "https://x.test/a.png"}}, "media"),
    ],
)
async def test_more_than_one_content_kind_is_a_400_naming_them(
    asgi: httpx.AsyncClient, fields: dict[str, Any], param: str
) -> None:
    response = await asgi.post("/v1/messages", json=message(**fields))
    assert response.status_code == 400
    error = error_of(response)
    assert error["param"] == param
    assert " and " in error["message"]


async def test_no_content_is_a_400(asgi: httpx.AsyncClient) -> None:
    body = message()
    del body["template"]
    response = await asgi.post("/v1/messages", json=body)
    assert response.status_code == 400


async def test_free_form_text_needs_an_open_window(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    closed = await asgi.post("/v1/messages", json=message(text="Olá!"))
    assert closed.status_code == 422
    error = error_of(closed)
    assert error["code"] == "window_closed"
    assert "never written" in error["message"]
    assert "send an approved template instead" in error["message"].lower()

    inbound = await asgi.post(
        "/v1/test_helpers/messages/inbound",
        json={"from": CUSTOMER, "channel": "whatsapp", "text": "Oi, meu pedido?"},
    )
    assert inbound.status_code == 201
    opened = await asgi.post("/v1/messages", json=message(text="Olá!"))
    assert opened.status_code == 202
    assert opened.json()["text"] == "Olá!"

    await clock.advance(24 * 3600)
    expired = await asgi.post("/v1/messages", json=message(text="Ainda aí?"))
    assert expired.status_code == 422
    assert error_of(expired)["code"] == "window_closed"


async def test_sms_text_needs_no_window(asgi: httpx.AsyncClient) -> None:
    response = await asgi.post("/v1/messages", json=message(channel="sms", text="Seu código: 1"))
    assert response.status_code == 202


@pytest.mark.parametrize(
    ("template", "status", "code", "param"),
    [
        (
            {**ORDER_TEMPLATE, "name": "no_such_template"},
            404,
            "template_not_found",
            "template.name",
        ),
        (
            {**ORDER_TEMPLATE, "variables": {"1": "Maria"}},
            422,
            "template_variables_mismatch",
            "template.variables",
        ),
        (
            {**ORDER_TEMPLATE, "language": "en"},
            422,
            "template_language_mismatch",
            "template.language",
        ),
    ],
)
async def test_template_rules(
    asgi: httpx.AsyncClient, template: dict[str, Any], status: int, code: str, param: str
) -> None:
    response = await asgi.post("/v1/messages", json=message(template=template))
    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert error_of(response)["param"] == param


async def test_pending_template_is_409_not_approved(asgi: httpx.AsyncClient) -> None:
    created = await asgi.post(
        "/v1/templates",
        json={
            "name": "fresh_promo",
            "language": "pt_BR",
            "category": "marketing",
            "body": "Oferta para {{1}}",
        },
    )
    assert created.status_code in (200, 201)
    response = await asgi.post(
        "/v1/messages",
        json=message(
            template={"name": "fresh_promo", "language": "pt_BR", "variables": {"1": "Ana"}}
        ),
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "template_not_approved"


@pytest.mark.parametrize(
    ("channel", "to"),
    [("whatsapp", "maria@example.com"), ("email", "+5511999990000"), ("sms", "+0123")],
)
async def test_recipient_must_suit_the_channel(
    asgi: httpx.AsyncClient, channel: str, to: str
) -> None:
    response = await asgi.post("/v1/messages", json=message(to=to, channel=channel))
    assert response.status_code == 400
    assert error_of(response)["param"] == "to"


async def test_fallback_channel_that_cannot_reach_the_recipient_is_a_400(
    asgi: httpx.AsyncClient,
) -> None:
    response = await asgi.post("/v1/messages", json=message(fallback=["email"]))
    assert response.status_code == 400
    assert error_of(response)["param"] == "fallback[0]"


async def test_schedule_in_the_past_is_a_400(asgi: httpx.AsyncClient) -> None:
    response = await asgi.post("/v1/messages", json=message(schedule_at="2020-01-01T00:00:00Z"))
    assert response.status_code == 400
    assert error_of(response)["param"] == "schedule_at"


async def test_scheduled_message_waits_for_its_time_then_is_sent(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    when = clock.isoformat(clock.now() + 3600)
    response = await asgi.post("/v1/messages", json=message(schedule_at=when))
    assert response.status_code == 202
    scheduled = response.json()
    assert scheduled["status"] == "scheduled"

    await clock.advance(3599)
    assert (await asgi.get(f"/v1/messages/{scheduled['id']}")).json()["status"] == "scheduled"
    await clock.advance(2)
    assert (await asgi.get(f"/v1/messages/{scheduled['id']}")).json()["status"] == "delivered"


async def test_schedule_keeps_its_timezone_and_rejects_unknown_zones(
    asgi: httpx.AsyncClient,
) -> None:
    when = "2026-11-28T09:00:00-03:00"
    response = await asgi.post(
        "/v1/messages", json=message(schedule_at=when, timezone="America/Sao_Paulo")
    )
    assert response.status_code == 202
    assert response.json()["schedule_at"] == "2026-11-28T12:00:00Z"
    assert response.json()["timezone"] == "America/Sao_Paulo"

    refused = await asgi.post("/v1/messages", json=message(schedule_at=when, timezone="Mars/Base"))
    assert refused.status_code == 400
    assert error_of(refused)["param"] == "timezone"


async def test_only_scheduled_messages_can_be_canceled(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    scheduled = (
        await asgi.post("/v1/messages", json=message(schedule_at=clock.isoformat(clock.now() + 60)))
    ).json()
    canceled = await asgi.post(f"/v1/messages/{scheduled['id']}/cancel")
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "canceled"
    await clock.advance(120)
    assert (await asgi.get(f"/v1/messages/{scheduled['id']}")).json()["status"] == "canceled"

    queued = (await asgi.post("/v1/messages", json=message())).json()
    refused = await asgi.post(f"/v1/messages/{queued['id']}/cancel")
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "message_not_cancelable"


async def test_list_filters_by_status_and_recipient(
    asgi: httpx.AsyncClient, clock: FrozenClock
) -> None:
    first = (await asgi.post("/v1/messages", json=message(to="+5511911110000"))).json()
    (await asgi.post("/v1/messages", json=message(to="+5511922220000"))).json()
    later = (
        await asgi.post("/v1/messages", json=message(schedule_at=clock.isoformat(clock.now() + 60)))
    ).json()

    by_recipient = (await asgi.get("/v1/messages", params={"to": "+5511911110000"})).json()
    assert [item["id"] for item in by_recipient["data"]] == [first["id"]]
    scheduled = (await asgi.get("/v1/messages", params={"status": "scheduled"})).json()
    assert [item["id"] for item in scheduled["data"]] == [later["id"]]


async def test_messages_of_another_workspace_are_not_found(
    asgi: httpx.AsyncClient, server: MockServer
) -> None:
    sent = (await asgi.post("/v1/messages", json=message())).json()
    # The in-process app and the socket server are separate worlds; the second token of the
    # socket server's demo world cannot see ids from either.
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {server.second_token}"}
    ) as other:
        assert other.get(f"/v1/messages/{sent['id']}").status_code == 404


def test_other_tenant_cannot_read_a_message_over_the_socket(
    http: httpx.Client, other_http: httpx.Client
) -> None:
    sent = http.post("/v1/messages", json=message()).json()
    response = other_http.get(f"/v1/messages/{sent['id']}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_not_found"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(to=st.text(min_size=1, max_size=30))
def test_any_recipient_text_gets_a_4xx_or_a_202_never_a_500(http: httpx.Client, to: str) -> None:
    response = http.post("/v1/messages", json=message(to=to))
    assert response.status_code in (202, 400)
    if response.status_code == 400:
        assert response.json()["error"]["param"] == "to"


_CONTENT: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {},
    optional={
        "template": st.fixed_dictionaries(
            {
                "name": st.sampled_from(["order_confirmation", "signup_otp", "nope"]),
                "language": st.sampled_from(["pt_BR", "en"]),
            },
            optional={
                "variables": st.dictionaries(
                    st.sampled_from(["1", "2", "3", "4"]), st.text(max_size=5), max_size=4
                )
            },
        ),
        "text": st.text(min_size=1, max_size=10),
        "media": st.just({"type": "image", "url": "https://example.com/a.png"}),
        "interactive": st.just({"body": "Pick", "buttons": [{"id": "a", "title": "A"}]}),
        "fallback": st.lists(st.sampled_from(["whatsapp", "sms", "email"]), max_size=2),
        "channel": st.sampled_from(["whatsapp", "sms", "email"]),
        "priority": st.sampled_from(["low", "default", "high", "critical"]),
    },
)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=_CONTENT)
def test_any_combination_of_send_fields_is_answered_never_with_a_5xx(
    http: httpx.Client, fields: dict[str, Any]
) -> None:
    response = http.post("/v1/messages", json=message(**fields))
    assert response.status_code in (202, 400, 404, 409, 422), response.text
    if response.status_code != 202:
        assert response.json()["error"]["message"]


def test_another_workspace_sees_none_of_this_workspaces_message_domain(
    server: MockServer, http: httpx.Client, other_http: httpx.Client
) -> None:
    sent = http.post("/v1/messages", json=message()).json()
    segment = http.post("/v1/segments", json={"name": "s", "recipients": [CUSTOMER]}).json()
    broadcast = http.post(
        "/v1/broadcasts",
        json={
            "name": "b",
            "template": "black_friday_2026",
            "language": "pt_BR",
            "segment_id": segment["id"],
        },
    ).json()
    endpoint = http.post(
        "/v1/webhook_endpoints", json={"url": "http://127.0.0.1:9/x", "events": ["*"]}
    ).json()
    server.advance(5)
    event_id = http.get("/v1/events").json()["data"][0]["id"]

    for path in (
        f"/v1/messages/{sent['id']}",
        f"/v1/conversations/{sent['conversation_id']}",
        f"/v1/broadcasts/{broadcast['id']}",
        f"/v1/broadcasts/{broadcast['id']}/events",
        f"/v1/webhook_endpoints/{endpoint['id']}",
        f"/v1/events/{event_id}",
    ):
        assert other_http.get(path).status_code == 404, path
    for path in ("/v1/messages", "/v1/conversations", "/v1/broadcasts", "/v1/events"):
        assert other_http.get(path).json()["data"] == [], path
    replay = other_http.post(
        "/v1/events/replay",
        json={
            "endpoint_id": endpoint["id"],
            "from": "2026-11-21T00:00:00Z",
            "to": "2026-11-22T00:00:00Z",
        },
    )
    assert replay.status_code == 404


async def test_list_filters_by_creation_time(asgi: httpx.AsyncClient, clock: FrozenClock) -> None:
    early = (await asgi.post("/v1/messages", json=message())).json()
    await clock.advance(60)
    middle = clock.isoformat()
    late = (await asgi.post("/v1/messages", json=message())).json()

    after = (await asgi.get("/v1/messages", params={"created_after": middle})).json()["data"]
    before = (await asgi.get("/v1/messages", params={"created_before": middle})).json()["data"]
    assert [item["id"] for item in after] == [late["id"]]
    assert [item["id"] for item in before] == [early["id"]]
