"""Webhooks to a receiver that fails half the time: every event arrives, in order, once.

The receiver is what we tell users to write: verify the signature, dedupe on ``CCX-Event-Id``,
answer 2xx only once the event is processed. Its failures are real: 500, 503 and 429 answers
and connections closed without an answer.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping

import pytest

import ccx
from ccx.mock import FrozenClock, MockServer
from ccx.testing import WebhookListener
from ccx.webhooks import verify

START = 1_795_248_000.0
FAILURE_RATE = 0.5
MAX_FAILURES_PER_EVENT = 5
"""Past this the receiver recovers, so redelivery (13 attempts over 24 h) is never exhausted."""
FAILURES: tuple[int | None, ...] = (500, 503, 429, None)
"""How the receiver fails; None closes the connection without answering."""
RECIPIENTS = ("+15550000001", "+15550000002", "+15550000004", "+15557000200")
"""Read, undeliverable (then the SMS fallback), stuck in sent, delivered."""


class DedupingReceiver:
    """Processes each event once, in arrival order; fails at random before processing."""

    def __init__(self, seed: int) -> None:
        self.secret = ""
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._failures: Counter[str] = Counter()
        self.processed: list[tuple[str, str | None]] = []
        """(event id, message id) in the order the receiver processed them."""
        self.answers: Counter[str] = Counter()
        self.acknowledged_again: Counter[str] = Counter()
        """Event ids delivered again after the receiver had acknowledged them."""

    def answer(self, path: str, headers: Mapping[str, str], body: bytes) -> int | None:
        del path
        event = verify(body, headers, self.secret)
        event_id = headers["ccx-event-id"]
        assert event.id == event_id
        with self._lock:
            if any(seen == event_id for seen, _ in self.processed):
                self.acknowledged_again[event_id] += 1
                return 200
            failures = self._failures[event_id]
            if failures < MAX_FAILURES_PER_EVENT and self._random.random() < FAILURE_RATE:
                self._failures[event_id] += 1
                failure = self._random.choice(FAILURES)
                self.answers[str(failure or "dropped")] += 1
                return failure
            message_id = getattr(event.data, "message_id", None)
            self.processed.append((event_id, message_id))
            self.answers["200"] += 1
            return 200


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer(clock=FrozenClock(start=START)) as running:
        yield running


@pytest.fixture
def receiver(server: MockServer) -> Iterator[tuple[DedupingReceiver, str]]:
    receiver = DedupingReceiver(seed=7)
    with WebhookListener() as listener:
        listener.start(receiver.answer)
        yield receiver, f"{listener.url}/ccx"


def make_traffic(client: ccx.CCX) -> None:
    for number in range(24):
        client.messages.send(
            to=RECIPIENTS[number % len(RECIPIENTS)],
            channel="whatsapp",
            template={"name": "signup_otp", "language": "en", "variables": {"1": f"{number:06}"}},
            fallback=["sms"],
        )
    for number in range(8):
        contact = f"+1555800{number:04}"
        client.test_helpers.messages.simulate_inbound(from_=contact, channel="whatsapp", text="Hi")
        client.messages.send(to=contact, channel="whatsapp", text="Hello, how can we help?")


def test_every_event_arrives_once_and_in_order_per_message(
    server: MockServer, receiver: tuple[DedupingReceiver, str]
) -> None:
    flaky, url = receiver
    client = server.client()
    flaky.secret = client.webhook_endpoints.create(url=url, events=["*"]).secret
    make_traffic(client)

    server.advance(3600)  # lifecycles finish; every redelivery chain settles well within it
    server.advance(24 * 3600)  # room for any redelivery that should not happen

    logged = list(reversed(list(client.events.list(limit=100))))
    logged_ids = [event.id for event in logged if event.id is not None]
    processed_ids = [event_id for event_id, _ in flaky.processed]
    failed = sum(count for answer, count in flaky.answers.items() if answer != "200")
    print(f"\n{len(logged)} events, receiver answers {dict(flaky.answers)}")
    assert failed >= 0.45 * sum(flaky.answers.values())
    assert set(flaky.answers) >= {"500", "503", "429", "dropped"}
    assert len(logged_ids) == len(logged) > 100
    assert sorted(processed_ids) == sorted(logged_ids)
    assert flaky.acknowledged_again == Counter()

    expected: defaultdict[str, list[str]] = defaultdict(list)
    for event in logged:
        message_id = getattr(event.data, "message_id", None)
        if message_id is not None and event.id is not None:
            expected[message_id].append(event.id)
    arrived: defaultdict[str, list[str]] = defaultdict(list)
    for event_id, message_id in flaky.processed:
        if message_id is not None:
            arrived[message_id].append(event_id)
    assert arrived == expected
    assert max(len(chain) for chain in expected.values()) >= 4
