"""Nothing a client does grows the mock's memory without bound.

Seeded fault streams (least recently used go, and none without a valid token), exports (the
latest few, for a day), delivery attempts, idempotency keys and history (30 days on the clock)
all have a ceiling. An export is built off the request path: another tenant is answered while
it is still being built.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ccx.mock import FrozenClock, MockConfig, MockServer
from ccx.mock._audit import AuditEntry
from ccx.mock._workspace import Workspace
from ccx.pytest_plugin import WebhookReceiver

START = "2026-11-21T08:00:00Z"
DAY = 24 * 3600.0
LIMITS = MockConfig(
    fault_seed_limit=8,
    export_limit=3,
    delivery_attempt_limit=5,
    idempotency_key_limit=5,
    rate_limit_per_minute=10**6,
    burst_per_second=10**6,
)


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer(LIMITS, clock=FrozenClock(START)) as running:
        yield running


@pytest.fixture
def http(server: MockServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        yield client


def demo(server: MockServer) -> Workspace:
    return server.state.workspaces["wks_demo"]


def test_distinct_fault_seeds_keep_at_most_the_limit(
    server: MockServer, http: httpx.Client
) -> None:
    for seed in range(50):
        response = http.get("/v1/me", headers={"CCX-Mock-Fault": f"latency=1ms,seed={seed}"})
        assert response.status_code == 200
    assert demo(server).faults.seed_count == LIMITS.fault_seed_limit


def test_fault_seeds_without_a_valid_token_keep_nothing(server: MockServer) -> None:
    for seed, token in enumerate(["ccx_test_forged", "nonsense", "ccx_live_unknown"] * 10):
        response = httpx.get(
            f"{server.url}/v1/me",
            headers={"Authorization": f"Bearer {token}", "CCX-Mock-Fault": f"seed={seed}"},
        )
        assert response.status_code == 401
    assert [workspace.faults.seed_count for workspace in server.state.workspaces.values()] == [
        0,
        0,
    ]


def test_a_workspace_keeps_its_latest_exports_for_a_day(
    server: MockServer, http: httpx.Client
) -> None:
    created = [
        http.post("/v1/exports", json={"resource": "audit_logs", "format": "csv"}).json()["id"]
        for _ in range(LIMITS.export_limit + 2)
    ]
    listed = [export["id"] for export in http.get("/v1/exports").json()["data"]]
    assert listed == created[::-1][: LIMITS.export_limit]
    assert http.get(f"/v1/exports/{created[0]}").status_code == 404
    server.advance(LIMITS.export_retention_seconds + 1)
    assert http.get("/v1/exports").json()["data"] == []


def test_delivery_attempts_are_kept_up_to_the_limit(server: MockServer, http: httpx.Client) -> None:
    with WebhookReceiver() as receiver:
        http.post("/v1/webhook_endpoints", json={"url": receiver.url, "events": ["*"]})
        for number in range(4):
            http.post(
                "/v1/messages",
                json={
                    "to": "+15550000001",
                    "channel": "sms",
                    "text": "Hi",
                    "idempotency_key": f"attempts-{number}",
                },
            )
        server.advance(10)
        assert len(receiver.deliveries) > LIMITS.delivery_attempt_limit
    kept = {attempt.event_id for attempt in server.deliveries}
    assert len(server.deliveries) == LIMITS.delivery_attempt_limit
    received = [delivery.event_id for delivery in receiver.deliveries]
    # Deliveries of different messages run concurrently, so the receiver's order of arrival
    # is not quite the order the attempts were made: compare what was kept, not its order.
    assert kept <= set(received)
    assert received[0] not in kept  # the oldest attempts are the ones forgotten


def test_idempotency_keys_past_the_limit_forget_the_oldest(
    server: MockServer, http: httpx.Client
) -> None:
    segment = {"name": "VIPs", "recipients": ["+15550000001"]}
    first = http.post("/v1/segments", json=segment, headers={"Idempotency-Key": "key-0"})
    for number in range(1, LIMITS.idempotency_key_limit + 1):
        http.post("/v1/segments", json=segment, headers={"Idempotency-Key": f"key-{number}"})
    assert len(demo(server).idempotency) == LIMITS.idempotency_key_limit
    again = http.post("/v1/segments", json=segment, headers={"Idempotency-Key": "key-0"})
    assert "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]


def test_history_is_kept_thirty_days_on_the_clock(server: MockServer, http: httpx.Client) -> None:
    sent = http.post(
        "/v1/messages",
        json={"to": "+15550000001", "channel": "sms", "text": "Hi", "idempotency_key": "old"},
    ).json()
    broadcast = http.post(
        "/v1/broadcasts",
        json={
            "name": "Small",
            "template": "order_confirmation",
            "language": "pt_BR",
            "segment_id": "seg_ZZ11",
            "variables": {"1": "Ana", "2": "#1", "3": "R$ 1"},
        },
    ).json()
    server.advance(29 * DAY)
    assert http.get(f"/v1/messages/{sent['id']}").status_code == 200
    server.advance(DAY + 60)
    assert http.get(f"/v1/messages/{sent['id']}").status_code == 404
    assert http.get(f"/v1/broadcasts/{broadcast['id']}").status_code == 404
    assert http.get("/v1/events").json()["data"] == []
    assert len(demo(server).messages) == 0
    audited = [entry["path"] for entry in http.get("/v1/audit_logs").json()["data"]]
    assert "/v1/messages" not in audited
    assert "/v1/broadcasts" not in audited


def test_an_export_is_built_while_another_tenant_is_answered(server: MockServer) -> None:
    """The file of 90,000 rows is still being built when the other workspace's answer comes."""
    workspace = demo(server)

    async def fill_the_audit_log() -> None:
        entry = AuditEntry("aud_seeded", workspace.clock.now(), None, "GET", "/v1/me", 200, "req")
        workspace.audit_log.extend([entry] * 90_000)

    server.run(fill_the_audit_log())
    headers = {"Authorization": f"Bearer {server.token}"}
    created = httpx.post(
        f"{server.url}/v1/exports",
        json={"resource": "audit_logs", "format": "csv"},
        headers=headers,
    ).json()
    other = httpx.get(
        f"{server.url}/v1/me", headers={"Authorization": f"Bearer {server.second_token}"}
    )
    assert other.status_code == 200
    assert workspace.exports[created["id"]].built_at is None, "built before the answer came"
    server.advance(1)
    download = httpx.get(f"{server.url}/v1/exports/{created['id']}/content", headers=headers)
    assert download.status_code == 200
    assert download.text.count("\n") == 90_001
