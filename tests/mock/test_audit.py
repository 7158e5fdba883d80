"""The audit log: every authenticated call, refusals included, newest first, per workspace."""

from __future__ import annotations

import hashlib

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


def call_with(server: MockServer, secret: str) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/me", headers={"Authorization": f"Bearer {secret}"})


def fingerprint_of(secret: str) -> str:
    return f"ccx_test_…sha256:{hashlib.sha256(secret.encode()).hexdigest()[:12]}"


def test_refused_authentications_are_logged_under_the_known_token(
    server: MockServer, http: httpx.Client, other_http: httpx.Client
) -> None:
    create = {"scopes": ["audit:read"], "environment": "test"}
    revoked = http.post("/v1/tokens", json=create).json()
    http.delete(f"/v1/tokens/{revoked['id']}")
    expiring = http.post("/v1/tokens", json={**create, "ttl_seconds": 60}).json()
    rotated = http.post("/v1/tokens", json=create).json()
    http.post(f"/v1/tokens/{rotated['id']}/rotate")
    server.advance(24 * 3600)

    calls = {
        "token_revoked": (revoked, call_with(server, revoked["secret"])),
        "token_expired": (expiring, call_with(server, expiring["secret"])),
        "token_rotated": (rotated, call_with(server, rotated["secret"])),
    }
    for code, (_, response) in calls.items():
        assert (response.status_code, response.json()["error"]["code"]) == (401, code)

    entries = {e["request_id"]: e for e in http.get("/v1/audit_logs").json()["data"]}
    for token, response in calls.values():
        entry = entries[response.headers["x-request-id"]]
        assert (entry["token_id"], entry["status"], entry["path"]) == (token["id"], 401, "/v1/me")
        assert entry["token_fingerprint"] == fingerprint_of(token["secret"])
        assert token["secret"] not in str(entry)
    # Filtering by token finds them; another workspace sees none of it.
    by_token = http.get("/v1/audit_logs", params={"token_id": revoked["id"]}).json()["data"]
    assert [e["status"] for e in by_token][:1] == [401]
    theirs = other_http.get("/v1/audit_logs").json()["data"]
    assert not any(e["status"] == 401 for e in theirs)
    # Successful calls carry no fingerprint.
    assert all("token_fingerprint" not in e for e in entries.values() if e["status"] != 401)


def test_a_secret_no_token_ever_had_is_logged_nowhere(
    server: MockServer, http: httpx.Client, other_http: httpx.Client
) -> None:
    refused = call_with(server, "ccx_test_" + "x" * 32)
    assert refused.status_code == 401
    request_id = refused.headers["x-request-id"]
    for client in (http, other_http):
        entries = client.get("/v1/audit_logs").json()["data"]
        assert request_id not in {e["request_id"] for e in entries}


def test_calls_to_unknown_paths_are_logged(http: httpx.Client) -> None:
    missing = http.get("/v1/nowhere")
    latest = http.get("/v1/audit_logs").json()["data"][0]
    assert (latest["request_id"], latest["status"]) == (missing.headers["x-request-id"], 404)
