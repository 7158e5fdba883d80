"""``ccx broadcasts watch``: live progress from the event stream, until the broadcast completes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from ccx import CCX
from ccx.cli._broadcasts import tally
from ccx.mock import MockServer

from .conftest import Invoke


@pytest.fixture
def broadcast_id(ccx_client: CCX) -> str:
    broadcast = ccx_client.broadcasts.create(
        name="Black Friday — Batch 1",
        template="black_friday_2026",
        language="pt_BR",
        segment_id="seg_ZZ11",  # the demo segment: 1,000 recipients, two batches of 500
    )
    return broadcast.id


@pytest.fixture
def clock_running(ccx_mock: MockServer, broadcast_id: str) -> Iterator[None]:
    """Once the broadcast exists, moves the mock clock a second at a time until the test ends,
    as a live API's clock would move while the command watches."""
    done = threading.Event()

    def run() -> None:
        while not done.is_set():
            ccx_mock.advance(1)

    mover = threading.Thread(target=run)
    mover.start()
    yield
    done.set()
    mover.join()


@pytest.mark.usefixtures("clock_running")
def test_watch_follows_the_broadcast_until_it_completes(
    ccx: Invoke, ccx_client: CCX, broadcast_id: str
) -> None:
    result = ccx("broadcasts", "watch", broadcast_id)

    assert result.exit_code == 0, result.output
    final = ccx_client.broadcasts.retrieve(broadcast_id)
    assert final.status == "completed"
    bar, summary = result.stdout.splitlines()
    assert bar.startswith(f"{broadcast_id} completed ")
    assert bar.endswith(" 1000/1000 100%")
    assert summary == f"{broadcast_id} completed: {tally(final.counts)}"


@pytest.mark.usefixtures("clock_running")
def test_watch_json_prints_every_event_in_order(ccx: Invoke, broadcast_id: str) -> None:
    result = ccx("broadcasts", "watch", broadcast_id, "--json")

    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert {event["event"] for event in events[:-1]} == {"broadcast.progress"}
    assert events[-1]["event"] == "broadcast.completed"
    assert events[-1]["data"]["status"] == "completed"
    settled = [
        sum(event["data"]["counts"][name] for name in ("delivered", "read", "failed", "canceled"))
        for event in events
    ]
    assert settled == sorted(settled)
    assert settled[-1] == 1000


def test_watching_a_canceled_broadcast_ends_with_its_final_counts(
    ccx: Invoke, ccx_client: CCX, broadcast_id: str
) -> None:
    ccx_client.broadcasts.cancel(broadcast_id)

    result = ccx("broadcasts", "watch", broadcast_id)

    assert result.exit_code == 0, result.output
    counts = ccx_client.broadcasts.retrieve(broadcast_id).counts
    assert result.stdout.splitlines()[-1] == f"{broadcast_id} canceled: {tally(counts)}"


def test_watching_an_unknown_broadcast_is_a_404(ccx: Invoke) -> None:
    result = ccx("broadcasts", "watch", "brd_missing")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 404 resource_not_found: ")
