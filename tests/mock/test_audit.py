"""The audit log: every authenticated call, refusals included, newest first, per workspace."""

from __future__ import annotations

import httpx
import pytest

from ccx.mock import MockConfig, MockServer


def test_every_call_is_logged_with_its_outcome(http: httpx.Client) -> None:
    ok = http.get("/v1/me")
    refused = http.post("/v1/segments", json={"name": "x"})
    missing = http.get("/v1/segments/seg_nope")
    entries = http.get("/v1/audit_logs").json()["data"]
    assert [(e["method"], e["path"], e["status"], e["request_id"]) for e in entries] == [
        ("GET", "/v1/segments/seg_nope", 404, missing.headers["x-request-id"]),
        ("POST", "/v1/segments", 400, refused.headers["x-request-id"]),
        ("GET", "/v1/me", 200, ok.headers["x-request-id"]),
    ]
    token_id = http.get("/v1/me").json()["token_id"]
    assert {e["token_id"] for e in entries} == {token_id}
    assert all(e["id"].startswith("aud_") for e in entries)
    assert entries[0]["created_at"] == "2026-11-21T08:00:00Z"


def test_entries_carry_the_mock_clock_time(server: MockServer, http: httpx.Client) -> None:
    server.advance(90)
    http.get("/v1/me")
    assert http.get("/v1/audit_logs").json()["data"][0]["created_at"] == "2026-11-21T08:01:30Z"


def test_scope_refusals_are_logged_under_the_refused_token(
    server: MockServer, http: httpx.Client
) -> None:
    token = http.post(
        "/v1/tokens", json={"scopes": ["messages:read"], "environment": "test"}
    ).json()
    httpx.get(f"{server.url}/v1/audit_logs", headers={"Authorization": f"Bearer {token['secret']}"})
    latest = http.get("/v1/audit_logs").json()["data"][0]
    assert (latest["token_id"], latest["status"]) == (token["id"], 403)


def test_filters_by_token_and_time(server: MockServer, http: httpx.Client) -> None:
    token = http.post("/v1/tokens", json={"scopes": ["audit:read"], "environment": "test"}).json()
    server.advance(60)
    httpx.get(f"{server.url}/v1/me", headers={"Authorization": f"Bearer {token['secret']}"})
    by_token = http.get("/v1/audit_logs", params={"token_id": token["id"]}).json()["data"]
    assert [(e["path"], e["token_id"]) for e in by_token] == [("/v1/me", token["id"])]
    later = http.get("/v1/audit_logs", params={"created_after": "2026-11-21T08:01:00Z"})
    demo_token_id = http.get("/v1/me").json()["token_id"]
    assert [e["token_id"] for e in later.json()["data"]] == [demo_token_id, token["id"]]
    earlier = http.get("/v1/audit_logs", params={"created_before": "2026-11-21T08:01:00Z"})
    assert [e["path"] for e in earlier.json()["data"]] == ["/v1/tokens"]


def test_audit_logs_are_per_workspace(http: httpx.Client, other_http: httpx.Client) -> None:
    http.get("/v1/me")
    other_http.get("/v1/me")
    theirs = other_http.get("/v1/audit_logs").json()["data"]
    assert [e["path"] for e in theirs] == ["/v1/me"]


def test_pagination_walks_every_entry_once(http: httpx.Client) -> None:
    for _ in range(7):
        http.get("/v1/me")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor is not None:
            params["starting_after"] = cursor
        page = http.get("/v1/audit_logs", params=params).json()
        seen += [entry["id"] for entry in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen))
    assert len(seen) >= 7


class TestBoundedAuditLog:
    @pytest.fixture
    def mock_config(self) -> MockConfig:
        return MockConfig(audit_log_limit=5)

    def test_only_the_newest_entries_are_kept(self, http: httpx.Client) -> None:
        request_ids = [http.get("/v1/me").headers["x-request-id"] for _ in range(8)]
        entries = http.get("/v1/audit_logs").json()["data"]
        assert [e["request_id"] for e in entries] == request_ids[::-1][:5]
