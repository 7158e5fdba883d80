"""Exports: snapshots of a resource as CSV, JSON Lines or Parquet, downloadable once ready."""

# pyarrow's stubs name numpy and pandas types, unknown here (as in ccx.mock._parquet).
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ccx.mock import MockConfig, MockServer
from ccx.mock.handlers.exports import encode_rows


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


def parquet_rows(content: bytes) -> tuple[pa.Schema, list[dict[str, Any]]]:
    table = pq.read_table(io.BytesIO(content))
    return table.schema, table.to_pylist()


def same_record(from_parquet: dict[str, Any], from_jsonl: dict[str, Any]) -> bool:
    """A Parquet row holds a JSON Lines record: nested values as JSON text, times as instants."""
    for name, stored in from_parquet.items():
        expected = from_jsonl.get(name)
        value = json.loads(stored) if isinstance(expected, (dict, list)) else stored
        if isinstance(value, datetime) and isinstance(expected, str):
            expected = datetime.fromisoformat(expected.replace("Z", "+00:00"))
        if value != expected:
            return False
    return set(from_jsonl) <= set(from_parquet)


@pytest.mark.parametrize("resource", ["messages", "events", "audit_logs", "conversations"])
def test_a_parquet_export_reads_back_as_the_same_records_typed(
    server: MockServer, http: httpx.Client, resource: str
) -> None:
    template = {
        "name": "order_confirmation",
        "language": "pt_BR",
        "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
    }
    for index, to in enumerate(["+15550000001", "+15550000002", "+5511999990000"]):
        body = {
            "to": to,
            "channel": "whatsapp",
            "template": template,
            "idempotency_key": str(index),
        }
        http.post(
            "/v1/messages", json={**body, "metadata": {"order": str(index)}} if index else body
        )
    server.advance(10)
    parquet = create_ready(server, http, {"resource": resource, "format": "parquet"})
    jsonl = create_ready(server, http, {"resource": resource, "format": "jsonl"})

    with server.client() as client:
        content = client.exports.download(parquet["id"])
        records = [json.loads(line) for line in client.exports.download(jsonl["id"]).splitlines()]
    raw = http.get(f"/v1/exports/{parquet['id']}/content")
    assert raw.headers["content-type"] == "application/vnd.apache.parquet"
    assert raw.headers["content-disposition"].endswith(f'{parquet["id"]}.parquet"')

    schema, rows = parquet_rows(content)
    assert len(rows) == parquet["row_count"] > 0
    # The JSON Lines export was made one call later: the audit log holds that call too.
    assert len(records) == len(rows) + (resource == "audit_logs")
    assert all(
        same_record(row, record) for row, record in zip(rows, records[: len(rows)], strict=True)
    )
    assert schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("id").type == pa.string()
    if resource == "messages":
        assert schema.field("attempts").type == pa.int64()
        assert schema.field("template").type == pa.string()  # nested: JSON text
        assert json.loads(rows[0]["template"])["name"] == "order_confirmation"
        assert [row["metadata"] for row in rows].count("{}") == 1
    if resource == "audit_logs":
        assert schema.field("status").type == pa.int64()


def test_an_empty_parquet_export_is_a_valid_file(
    server: MockServer, other_http: httpx.Client
) -> None:
    export = create_ready(server, other_http, {"resource": "messages", "format": "parquet"})
    assert export["row_count"] == 0
    content = other_http.get(f"/v1/exports/{export['id']}/content").content
    assert parquet_rows(content)[1] == []


def test_parquet_columns_take_the_type_every_value_shares_else_json_text() -> None:
    rows = [
        {"count": 1, "ratio": 1, "ok": True, "name": "a", "sent_at": "2026-11-21T08:00:00Z"},
        {"count": 2, "ratio": 2.5, "ok": None, "name": None, "sent_at": None, "extra": {"k": 1}},
        {
            "count": 3,
            "ratio": 3,
            "ok": False,
            "name": "c",
            "sent_at": "2026-11-21T09:00:00Z",
            "extra": "{}",
            "label_at": "tomorrow",
        },
    ]
    schema, read = parquet_rows(encode_rows(rows, "parquet"))
    assert {field.name: str(field.type) for field in schema} == {
        "count": "int64",
        "ratio": "double",
        "ok": "bool",
        "name": "string",
        "sent_at": "timestamp[us, tz=UTC]",
        "extra": "string",
        "label_at": "string",
    }
    # A column of mixed types is JSON text throughout: the string "{}" stays apart from {}.
    assert [row["extra"] for row in read] == [None, '{"k": 1}', '"{}"']
    assert [row["ratio"] for row in read] == [1.0, 2.5, 3.0]
    assert read[2]["label_at"] == "tomorrow"
