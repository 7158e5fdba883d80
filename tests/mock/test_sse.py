"""The broadcast event stream over a real socket: live events, drops, Last-Event-ID resume."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
from httpx_sse import ServerSentEvent, connect_sse
from messaging_helpers import recipients

from ccx.mock import MockServer


def start_broadcast(http: httpx.Client, size: int) -> str:
    segment = http.post("/v1/segments", json={"name": "stream", "recipients": recipients(size)})
    assert segment.status_code == 201, segment.text
    created = http.post(
        "/v1/broadcasts",
        json={
            "name": "streamed",
            "template": "black_friday_2026",
            "language": "pt_BR",
            "segment_id": segment.json()["id"],
            "rate_limit_per_minute": 6000,
        },
    )
    assert created.status_code == 202, created.text
    broadcast_id: str = created.json()["id"]
    return broadcast_id


def payload(event: ServerSentEvent) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(event.data)
    assert frame["event"] == event.event
    data: dict[str, Any] = frame["data"]
    return data


def test_stream_resumes_after_a_drop_with_no_gap_and_no_duplicate(
    server: MockServer, http: httpx.Client
) -> None:
    broadcast_id = start_broadcast(http, 2000)  # four batches, 5 s apart
    server.advance(0)
    path = f"/v1/broadcasts/{broadcast_id}/events"

    with connect_sse(http, "GET", path) as source:
        assert source.response.headers["content-type"].startswith("text/event-stream")
        events = source.iter_sse()
        first = next(events)
        # Move time while the stream is open: the next batch's progress arrives live.
        mover = threading.Thread(target=server.advance, args=(6,))
        mover.start()
        second = next(events)
        mover.join()
    # The connection is gone mid-broadcast; the broadcast carries on without a listener.
    server.advance(60)

    with connect_sse(http, "GET", path, headers={"Last-Event-ID": second.id}) as source:
        rest = list(source.iter_sse())

    received = [first, second, *rest]
    ids = [int(event.id) for event in received]
    assert ids == list(range(1, len(ids) + 1))
    assert [event.event for event in received[:-1]] == ["broadcast.progress"] * (len(ids) - 1)
    assert received[-1].event == "broadcast.completed"
    final = payload(received[-1])
    assert final["broadcast_id"] == broadcast_id
    assert final["status"] == "completed"
    assert final["counts"]["delivered"] == final["counts"]["total"] == 2000
    for event in received:
        counts = payload(event)["counts"]
        assert sum(counts[name] for name in counts if name != "total") == counts["total"]


def test_stream_starts_with_a_retry_hint_and_ends_after_completion(
    server: MockServer, http: httpx.Client
) -> None:
    broadcast_id = start_broadcast(http, 10)
    server.advance(30)
    with http.stream("GET", f"/v1/broadcasts/{broadcast_id}/events") as response:
        lines = list(response.iter_lines())
    assert lines[0] == "retry: 3000"
    assert lines[1] == "id: 1"
    frames = [line for line in lines if line.startswith("event: ")]
    assert frames[-1] == "event: broadcast.completed"


def test_reconnecting_after_the_end_replays_the_completion(
    server: MockServer, http: httpx.Client
) -> None:
    broadcast_id = start_broadcast(http, 10)
    server.advance(30)
    path = f"/v1/broadcasts/{broadcast_id}/events"
    with connect_sse(http, "GET", path) as source:
        everything = list(source.iter_sse())
    last = everything[-1]
    with connect_sse(http, "GET", path, headers={"Last-Event-ID": last.id}) as source:
        again = list(source.iter_sse())
    assert [(event.id, event.event) for event in again] == [(last.id, "broadcast.completed")]


def test_garbage_last_event_id_is_a_400(server: MockServer, http: httpx.Client) -> None:
    broadcast_id = start_broadcast(http, 1)
    response = http.get(
        f"/v1/broadcasts/{broadcast_id}/events", headers={"Last-Event-ID": "yesterday"}
    )
    assert response.status_code == 400
