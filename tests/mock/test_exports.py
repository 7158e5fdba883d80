"""Exports: snapshots of a resource as CSV or JSON Lines, downloadable once ready."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest

from ccx.mock import MockConfig, MockServer


def create_ready(server: MockServer, http: httpx.Client, body: dict[str, str]) -> dict[str, Any]:
    """Create an export and let the mock clock run until it is ready."""
    created = http.post("/v1/exports", json=body)
    assert created.status_code == 202, created.text
    assert created.json()["status"] == "pending"
    server.advance(1)
    return created.json()


def test_audit_log_export_as_csv(server: MockServer, http: httpx.Client) -> None:
    http.get("/v1/me")
    http.get("/v1/templates")
    export = create_ready(server, http, {"resource": "audit_logs", "format": "csv"})
    assert export["row_count"] == 2
    assert http.get(f"/v1/exports/{export['id']}").json()["status"] == "ready"
    download = http.get(f"/v1/exports/{export['id']}/content")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert export["id"] in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(row["method"], row["path"], row["status"]) for row in rows] == [
        ("GET", "/v1/me", "200"),
        ("GET", "/v1/templates", "200"),
    ]


def test_audit_log_export_as_jsonl(server: MockServer, http: httpx.Client) -> None:
    http.get("/v1/me")
    export = create_ready(server, http, {"resource": "audit_logs", "format": "jsonl"})
    download = http.get(f"/v1/exports/{export['id']}/content")
    assert download.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in download.text.splitlines()]
    assert [row["path"] for row in rows] == ["/v1/me"]
    assert rows[0]["request_id"].startswith("req_")


def test_message_export_holds_the_sent_messages(server: MockServer, http: httpx.Client) -> None:
    sent = http.post(
        "/v1/messages",
        json={
            "to": "+5511999990000",
            "channel": "whatsapp",
            "template": {
                "name": "order_confirmation",
                "language": "pt_BR",
                "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
            },
            "idempotency_key": "export-msg-1",
        },
    )
    assert sent.status_code == 202, sent.text
    export = create_ready(server, http, {"resource": "messages", "format": "jsonl"})
    rows = [
        json.loads(line)
        for line in http.get(f"/v1/exports/{export['id']}/content").text.splitlines()
    ]
    assert [row["id"] for row in rows] == [sent.json()["id"]]


@pytest.mark.parametrize("resource", ["messages", "conversations", "events", "audit_logs"])
@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_every_resource_exports_in_every_format(
    server: MockServer, http: httpx.Client, resource: str, file_format: str
) -> None:
    export = create_ready(server, http, {"resource": resource, "format": file_format})
    assert http.get(f"/v1/exports/{export['id']}/content").status_code == 200


def test_exporting_audit_logs_needs_the_audit_scope(server: MockServer, http: httpx.Client) -> None:
    analyst = http.post(
        "/v1/tokens", json={"scopes": ["analytics:read"], "environment": "test"}
    ).json()
    headers = {"Authorization": f"Bearer {analyst['secret']}"}
    refused = httpx.post(
        f"{server.url}/v1/exports",
        headers=headers,
        json={"resource": "audit_logs", "format": "csv"},
    )
    assert refused.status_code == 403
    assert "audit:read" in refused.json()["error"]["message"]
    allowed = httpx.post(
        f"{server.url}/v1/exports", headers=headers, json={"resource": "messages", "format": "csv"}
    )
    assert allowed.status_code == 202


class TestDelayedExports:
    """With ``export_ready_after_seconds``, exports are pending until the clock reaches it."""

    @pytest.fixture
    def mock_config(self) -> MockConfig:
        return MockConfig(export_ready_after_seconds=30)

    def test_download_before_ready_is_409_then_ready_on_the_clock(
        self, server: MockServer, http: httpx.Client
    ) -> None:
        export = http.post("/v1/exports", json={"resource": "audit_logs", "format": "csv"}).json()
        assert export["status"] == "pending"
        assert export["completed_at"] is None
        early = http.get(f"/v1/exports/{export['id']}/content")
        assert early.status_code == 409
        assert early.json()["error"]["code"] == "export_not_ready"
        assert early.json()["error"]["retryable"] is True
        server.advance(30)
        assert http.get(f"/v1/exports/{export['id']}").json()["status"] == "ready"
        assert http.get(f"/v1/exports/{export['id']}/content").status_code == 200


def test_exports_are_per_workspace(http: httpx.Client, other_http: httpx.Client) -> None:
    export = http.post("/v1/exports", json={"resource": "audit_logs", "format": "csv"}).json()
    assert other_http.get(f"/v1/exports/{export['id']}").status_code == 404
    assert other_http.get(f"/v1/exports/{export['id']}/content").status_code == 404
    assert [e["id"] for e in http.get("/v1/exports").json()["data"]] == [export["id"]]
    assert other_http.get("/v1/exports").json()["data"] == []


def test_invalid_resource_is_400(http: httpx.Client) -> None:
    response = http.post("/v1/exports", json={"resource": "secrets", "format": "csv"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "resource"
