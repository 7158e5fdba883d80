"""`ccx.testing.WebhookListener`: the loopback server under the webhook receiver and the relay."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import httpx
import pytest

from ccx.testing import WebhookListener


class Recorder:
    def __init__(self, status: int | None = 204) -> None:
        self.status = status
        self.received: list[tuple[str, dict[str, str], bytes]] = []

    def __call__(self, path: str, headers: Mapping[str, str], body: bytes) -> int | None:
        self.received.append((path, dict(headers), body))
        return self.status


def test_a_post_made_before_serving_waits_in_the_backlog_and_is_answered() -> None:
    recorder = Recorder()
    with WebhookListener() as listener, httpx.Client() as http:
        posting = threading.Thread(
            target=http.post,
            args=(f"{listener.url}/hooks",),
            kwargs={"content": b'{"a":1}', "headers": {"CCX-Event-Id": "evt_1"}},
        )
        posting.start()  # the port is bound: the connection is accepted once it serves
        listener.start(recorder)
        posting.join()

    [(path, headers, body)] = recorder.received
    assert (path, body) == ("/hooks", b'{"a":1}')
    assert headers["ccx-event-id"] == "evt_1"


def test_the_answer_is_the_functions_status_and_none_drops_the_connection() -> None:
    with WebhookListener() as listener, httpx.Client() as http:
        recorder = Recorder(status=503)
        listener.start(recorder)
        assert http.post(listener.url, content=b"{}").status_code == 503
        recorder.status = None
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(listener.url, content=b"{}")


def test_serving_in_the_foreground_ends_when_stopped_from_another_thread() -> None:
    listener = WebhookListener()
    serving = threading.Thread(target=listener.serve_forever, args=(Recorder(),))
    serving.start()
    assert httpx.post(listener.url, content=b"{}").status_code == 204

    listener.stop()
    serving.join(timeout=30)

    assert not serving.is_alive()


def test_a_listener_never_started_stops_at_once() -> None:
    stopping = threading.Thread(target=WebhookListener().stop)
    stopping.start()
    stopping.join(timeout=30)

    assert not stopping.is_alive()
