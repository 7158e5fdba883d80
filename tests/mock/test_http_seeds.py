"""The public docs' curl examples run verbatim against the demo workspace (host changed).

The bodies below are copied byte for byte from the CCX documentation's ``POST /v1/messages`` and
``POST /v1/broadcasts`` examples. They exercise Mock-B's message and broadcast handlers through
Mock-A's request pipeline (auth, validation, idempotency).
"""

from __future__ import annotations

import asyncio

import httpx

from ccx.mock import MockServer

SEND_EXAMPLE = b"""{
    "to": "+5511999990000",
    "channel": "whatsapp",
    "template": {
      "name": "order_confirmation",
      "language": "pt_BR",
      "variables": {
        "1": "Maria",
        "2": "#A8492",
        "3": "R$ 349,90"
      }
    },
    "idempotency_key": "ord_A8492"
  }"""

BROADCAST_EXAMPLE = """{
    "name": "Black Friday \u2014 Batch 1",
    "template": "black_friday_2026",
    "language": "pt_BR",
    "segment_id": "seg_ZZ11",
    "rate_limit_per_minute": 6000,
    "priority": "high",
    "schedule_at": "2026-11-28T09:00:00-03:00"
  }""".encode()

CURL_HEADERS = {"Content-Type": "application/json"}


def message_count(server: MockServer) -> int:
    return len(server.state.workspaces["wks_demo"].messages)


def test_send_example_is_accepted(http: httpx.Client) -> None:
    response = http.post("/v1/messages", content=SEND_EXAMPLE, headers=CURL_HEADERS)
    assert response.status_code == 202, response.text
    message = response.json()
    assert message["id"].startswith("msg_")
    assert message["status"] == "queued"
    assert message["to"] == "+5511999990000"


def test_broadcast_example_is_accepted_and_scheduled(http: httpx.Client) -> None:
    response = http.post("/v1/broadcasts", content=BROADCAST_EXAMPLE, headers=CURL_HEADERS)
    assert response.status_code == 202, response.text
    broadcast = response.json()
    assert broadcast["id"].startswith("brd_")
    assert broadcast["status"] == "scheduled"
    assert broadcast["segment_id"] == "seg_ZZ11"


def test_sending_twice_with_one_key_makes_one_message(
    server: MockServer, http: httpx.Client
) -> None:
    first = http.post("/v1/messages", content=SEND_EXAMPLE, headers=CURL_HEADERS)
    second = http.post("/v1/messages", content=SEND_EXAMPLE, headers=CURL_HEADERS)
    assert second.status_code == first.status_code == 202
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert message_count(server) == 1


def test_same_key_other_recipient_is_409(server: MockServer, http: httpx.Client) -> None:
    http.post("/v1/messages", content=SEND_EXAMPLE, headers=CURL_HEADERS)
    other = SEND_EXAMPLE.replace(b"+5511999990000", b"+5511999990001")
    response = http.post("/v1/messages", content=other, headers=CURL_HEADERS)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert message_count(server) == 1


def test_the_keyless_broadcast_example_works_and_says_it_is_not_deduplicated(
    server: MockServer, http: httpx.Client
) -> None:
    """The broadcast example has no idempotency_key: it is accepted, and not deduplicated (the
    same campaign sent again a week later is a new broadcast, as the user meant)."""
    first = http.post("/v1/broadcasts", content=BROADCAST_EXAMPLE, headers=CURL_HEADERS)
    assert first.status_code == 202, first.text
    assert first.headers["ccx-warning"].startswith("idempotency_key_missing: ")
    server.advance(24 * 3600)
    again = http.post("/v1/broadcasts", content=BROADCAST_EXAMPLE, headers=CURL_HEADERS)
    assert again.status_code == 202
    assert again.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in again.headers
    assert again.headers["ccx-warning"].startswith("idempotency_key_missing: ")
    listed = http.get("/v1/broadcasts").json()["data"]
    assert {first.json()["id"], again.json()["id"]} <= {item["id"] for item in listed}


def test_a_broadcast_with_a_key_is_deduplicated_without_a_warning(http: httpx.Client) -> None:
    keyed = BROADCAST_EXAMPLE.replace(b'"name"', b'"idempotency_key": "bf-1", "name"', 1)
    first = http.post("/v1/broadcasts", content=keyed, headers=CURL_HEADERS)
    second = http.post("/v1/broadcasts", content=keyed, headers=CURL_HEADERS)
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "ccx-warning" not in first.headers
    assert "ccx-warning" not in second.headers


def test_the_sdk_always_sends_a_key(server: MockServer) -> None:
    with server.client() as client:
        segment = client.segments.create(name="s", recipients=["+5511999990000"])
        raw = client.broadcasts.with_raw_response.create(
            name="n", template="black_friday_2026", language="pt_BR", segment_id=segment.id
        )
    assert "ccx-warning" not in raw.headers


async def test_fifty_concurrent_identical_sends_make_one_message(server: MockServer) -> None:
    async with httpx.AsyncClient(
        base_url=server.url,
        headers={"Authorization": f"Bearer {server.token}", **CURL_HEADERS},
        limits=httpx.Limits(max_connections=50),
    ) as client:
        responses = await asyncio.gather(
            *(client.post("/v1/messages", content=SEND_EXAMPLE) for _ in range(50))
        )
    assert message_count(server) == 1
    accepted = {r.json()["id"] for r in responses if r.status_code == 202}
    assert len(accepted) == 1
    for response in responses:
        if response.status_code != 202:
            assert response.json()["error"]["code"] == "idempotency_key_in_use"
