"""Idempotency as a promise: one key, one effect, one answer, for seven days on the mock clock."""

from __future__ import annotations

import asyncio
import uuid
from random import Random
from typing import Any, cast

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ccx.mock import MockServer
from ccx.mock._idempotency import fingerprint

SEGMENT = {"name": "VIPs", "recipients": ["+5511900000001", "+5511900000002"]}


def segment_count(server: MockServer) -> int:
    return len(server.state.workspaces["wks_demo"].segments)


def key_header(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_same_key_same_body_replays_status_and_body(server: MockServer, http: httpx.Client) -> None:
    before = segment_count(server)
    first = http.post("/v1/segments", json=SEGMENT, headers=key_header("seg-key-1"))
    second = http.post("/v1/segments", json=SEGMENT, headers=key_header("seg-key-1"))
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    assert segment_count(server) == before + 1


def test_key_order_and_spacing_do_not_matter(http: httpx.Client) -> None:
    first = http.post(
        "/v1/segments",
        content=b'{"name":"VIPs","recipients":["+5511900000001"]}',
        headers={**key_header("order-key"), "Content-Type": "application/json"},
    )
    second = http.post(
        "/v1/segments",
        content=b'{ "recipients": ["+5511900000001"],  "name": "VIPs" }',
        headers={**key_header("order-key"), "Content-Type": "application/json"},
    )
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.json()["id"] == first.json()["id"]


def test_same_key_different_parameters_is_409(server: MockServer, http: httpx.Client) -> None:
    http.post("/v1/segments", json=SEGMENT, headers=key_header("seg-key-2"))
    before = segment_count(server)
    response = http.post(
        "/v1/segments", json={**SEGMENT, "name": "Other"}, headers=key_header("seg-key-2")
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["retryable"] is False
    assert segment_count(server) == before


def test_same_key_on_another_operation_is_409(http: httpx.Client) -> None:
    http.post("/v1/segments", json=SEGMENT, headers=key_header("shared-key"))
    response = http.post(
        "/v1/exports",
        json={"resource": "audit_logs", "format": "csv"},
        headers=key_header("shared-key"),
    )
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_are_scoped_per_workspace(http: httpx.Client, other_http: httpx.Client) -> None:
    mine = http.post("/v1/segments", json=SEGMENT, headers=key_header("tenant-key"))
    theirs = other_http.post("/v1/segments", json=SEGMENT, headers=key_header("tenant-key"))
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]


def test_key_in_flight_is_409_retryable(server: MockServer, http: httpx.Client) -> None:
    """A first request still running holds its key: a second one is told to retry."""
    workspace = server.state.workspaces["wks_demo"]
    token_id = http.get("/v1/me").json()["token_id"]
    fingerprint = _fingerprint_of(server, http)

    async def claim() -> None:  # as a first request still running would have
        workspace.idempotency.reserve("busy-key", fingerprint, token_id, workspace.clock.now())

    server.run(claim())
    response = http.post("/v1/segments", json=SEGMENT, headers=key_header("busy-key"))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_in_use"
    assert error["retryable"] is True
    assert response.headers["retry-after"] == "1"


def _fingerprint_of(server: MockServer, http: httpx.Client) -> str:
    """The fingerprint the server records for SEGMENT, learned by sending it once."""
    http.post("/v1/segments", json=SEGMENT, headers=key_header("probe-key"))
    record = server.state.workspaces["wks_demo"].idempotency.get("probe-key")
    assert record is not None
    return record.fingerprint


async def test_fifty_concurrent_requests_with_one_key_create_one_segment(
    server: MockServer,
) -> None:
    before = segment_count(server)
    key = str(uuid.uuid4())
    async with httpx.AsyncClient(
        base_url=server.url,
        headers={"Authorization": f"Bearer {server.token}", **key_header(key)},
        limits=httpx.Limits(max_connections=50),
    ) as client:
        responses = await asyncio.gather(
            *(client.post("/v1/segments", json=SEGMENT) for _ in range(50))
        )
    assert segment_count(server) == before + 1
    originals = [
        r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers
    ]
    assert len(originals) == 1
    created_id = originals[0].json()["id"]
    for response in responses:
        if response.status_code == 201:
            assert response.json()["id"] == created_id
        else:
            assert response.json()["error"]["code"] == "idempotency_key_in_use"


def test_handler_refusals_are_replayed(http: httpx.Client) -> None:
    """Like Stripe: once the operation ran, its outcome, even a refusal, is the answer."""
    template = {
        "name": "order_confirmation",
        "language": "pt_BR",
        "category": "utility",
        "body": "x",
    }
    first = http.post("/v1/templates", json=template, headers=key_header("tpl-key"))
    assert first.status_code == 409
    assert http.delete("/v1/templates/order_confirmation").status_code == 204
    second = http.post("/v1/templates", json=template, headers=key_header("tpl-key"))
    assert second.status_code == 409
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"


def test_validation_errors_are_not_saved(http: httpx.Client) -> None:
    """A request refused before it ran leaves the key free for the corrected request."""
    bad = http.post("/v1/segments", json={"name": "VIPs"}, headers=key_header("fix-key"))
    assert bad.status_code == 400
    good = http.post("/v1/segments", json=SEGMENT, headers=key_header("fix-key"))
    assert good.status_code == 201
    assert "idempotent-replayed" not in good.headers


def test_keys_expire_after_seven_days_on_the_clock(server: MockServer, http: httpx.Client) -> None:
    first = http.post("/v1/segments", json=SEGMENT, headers=key_header("week-key"))
    server.advance(7 * 24 * 3600 - 1)
    replay = http.post("/v1/segments", json=SEGMENT, headers=key_header("week-key"))
    assert replay.json()["id"] == first.json()["id"]
    server.advance(1)
    fresh = http.post("/v1/segments", json=SEGMENT, headers=key_header("week-key"))
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers
    assert fresh.json()["id"] != first.json()["id"]


def test_overlong_key_is_400(http: httpx.Client) -> None:
    response = http.post("/v1/segments", json=SEGMENT, headers=key_header("k" * 129))
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "Idempotency-Key"


def test_without_a_key_header_posts_are_not_deduplicated(
    server: MockServer, http: httpx.Client
) -> None:
    before = segment_count(server)
    http.post("/v1/segments", json=SEGMENT)
    http.post("/v1/segments", json=SEGMENT)
    assert segment_count(server) == before + 2


def test_replays_are_not_counted_against_the_rate_limit(http: httpx.Client) -> None:
    first = http.post("/v1/segments", json=SEGMENT, headers=key_header("free-key"))
    remaining = int(first.headers["x-ratelimit-remaining"])
    for _ in range(5):
        replay = http.post("/v1/segments", json=SEGMENT, headers=key_header("free-key"))
        assert int(replay.headers["x-ratelimit-remaining"]) == remaining
    assert int(http.get("/v1/me").headers["x-ratelimit-remaining"]) == remaining - 1


def test_a_retry_after_a_dropped_response_is_a_replay(
    server: MockServer, http: httpx.Client
) -> None:
    """The send took effect but its answer was lost: the retry must not send again."""
    send = {
        "to": "+5511999990000",
        "channel": "whatsapp",
        "template": {
            "name": "order_confirmation",
            "language": "pt_BR",
            "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
        },
        "idempotency_key": "lost-answer",
    }
    with pytest.raises(httpx.TransportError):  # closed: EOF or reset, by timing
        http.post("/v1/messages", json=send, headers={"CCX-Mock-Fault": "drop=after"})
    retried = http.post("/v1/messages", json=send)
    assert retried.status_code == 202
    assert retried.headers["idempotent-replayed"] == "true"
    assert len(server.state.workspaces["wks_demo"].messages) == 1


def test_a_retry_after_a_drop_before_the_request_ran_sends_once(
    server: MockServer, http: httpx.Client
) -> None:
    body = {**SEGMENT, "name": "dropped"}
    before = segment_count(server)
    with pytest.raises(httpx.TransportError):  # closed: EOF or reset, by timing
        http.post(
            "/v1/segments",
            json=body,
            headers={**key_header("drop-1"), "CCX-Mock-Fault": "drop=before"},
        )
    assert segment_count(server) == before
    retried = http.post("/v1/segments", json=body, headers=key_header("drop-1"))
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert segment_count(server) == before + 1


json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
bodies = st.dictionaries(st.text(min_size=1, max_size=6), json_scalars, max_size=6)


@given(body=bodies, seed=st.randoms(use_true_random=False))
def test_fingerprint_ignores_key_order_and_the_key_itself(
    body: dict[str, Any], seed: Random
) -> None:
    shuffled = list(body.items())
    seed.shuffle(shuffled)
    reordered = {**dict(shuffled), "idempotency_key": "anything"}
    assert fingerprint("segments.create", "/v1/segments", body) == fingerprint(
        "segments.create", "/v1/segments", reordered
    )


def same_json(first: object, second: object) -> bool:
    """Equal as JSON values: Python's ``False == 0`` and ``1 == 1.0`` are different JSON."""
    if type(first) is not type(second):
        return False
    if isinstance(first, dict):
        other = cast("dict[str, object]", second)
        return first.keys() == other.keys() and all(
            same_json(value, other[key]) for key, value in cast("dict[str, object]", first).items()
        )
    if isinstance(first, list):
        mine, theirs = cast("list[object]", first), cast("list[object]", second)
        return len(mine) == len(theirs) and all(
            same_json(a, b) for a, b in zip(mine, theirs, strict=True)
        )
    return first == second


@given(body=bodies, other=bodies)
@example(body={"name": False}, other={"name": 0})
def test_fingerprint_tells_different_parameters_apart(
    body: dict[str, Any], other: dict[str, Any]
) -> None:
    other.pop("idempotency_key", None)
    body.pop("idempotency_key", None)
    same = fingerprint("segments.create", "/v1/segments", body) == fingerprint(
        "segments.create", "/v1/segments", other
    )
    assert same == same_json(body, other)
    assert fingerprint("segments.create", "/v1/segments", body) != fingerprint(
        "exports.create", "/v1/exports", body
    )


async def test_concurrent_requests_in_process_run_once(asgi: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(asgi.post("/v1/segments", json=SEGMENT, headers=key_header("inproc")) for _ in range(20))
    )
    assert {r.json()["id"] for r in responses} == {responses[0].json()["id"]}
    assert sum("idempotent-replayed" not in r.headers for r in responses) == 1
