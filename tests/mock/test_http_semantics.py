"""HTTP semantics every response shares: request ids, the error envelope, versions, the spec."""

from __future__ import annotations

import json

import httpx
import pytest

from ccx.mock import MockServer

ENVELOPE_FIELDS = {"type", "code", "message", "param", "request_id", "retryable"}


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) >= ENVELOPE_FIELDS
    assert error["code"] == code
    assert error["request_id"] == response.headers["x-request-id"]
    return error


def test_success_carries_request_id_and_rate_limit_headers(http: httpx.Client) -> None:
    response = http.get("/v1/me")
    assert response.status_code == 200
    assert response.headers["x-request-id"].startswith("req_")
    assert int(response.headers["x-ratelimit-limit"]) == 6000
    assert int(response.headers["x-ratelimit-remaining"]) == 5999
    assert int(response.headers["x-ratelimit-reset"]) >= 1


def test_request_ids_are_unique(http: httpx.Client) -> None:
    ids = {http.get("/v1/me").headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20


def test_unknown_path_is_404_envelope_with_request_id(http: httpx.Client) -> None:
    error = assert_envelope(http.get("/v1/no_such_thing"), 404, "unknown_endpoint")
    assert error["type"] == "not_found_error"


def test_wrong_method_is_405_envelope_with_allow(http: httpx.Client) -> None:
    response = http.delete("/v1/me")
    assert_envelope(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/messages/..%2F..%2Fetc%2Fpasswd",
        "/v1/segments/%00",
        "/v1/segments/seg_ZZ11%20OR%201=1",
        "/v1/templates/%3Cscript%3E",
        "/v1/tokens/" + "a" * 500,
    ],
)
def test_hostile_path_ids_are_not_found(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found_error"


def test_missing_version_means_current(http: httpx.Client) -> None:
    assert http.get("/v1/me", headers={"CCX-Version": "2026-11-01"}).status_code == 200


def test_unknown_version_is_400(http: httpx.Client) -> None:
    response = http.get("/v1/me", headers={"CCX-Version": "2020-01-01"})
    error = assert_envelope(response, 400, "invalid_version")
    assert error["param"] == "CCX-Version"
    assert "2026-11-01" in str(error["message"])


def test_spec_is_served_without_auth(server: MockServer) -> None:
    response = httpx.get(f"{server.url}/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["version"] == "2026-11-01"
    assert response.headers["x-request-id"].startswith("req_")


def test_every_spec_operation_is_routed(server: MockServer) -> None:
    """No operation of the spec falls through to the router's 404 (unknown_endpoint)."""
    spec = httpx.get(f"{server.url}/v1/openapi.json").json()
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}
    ) as client:
        for path, item in spec["paths"].items():
            for method in item:
                if method not in {"get", "post", "patch", "delete", "put"}:
                    continue
                concrete = path.replace("{id}", "x_1").replace("{name}", "x_1")
                if path.endswith("/events") and method == "get" and "{id}" in path:
                    continue  # a stream: covered by the broadcast tests
                response = client.request(method.upper(), concrete)
                code = response.json().get("error", {}).get("code") if response.content else None
                assert code != "unknown_endpoint", f"{method.upper()} {path}"
                assert response.status_code < 500, f"{method.upper()} {path}: {response.text}"


async def test_in_process_app_speaks_the_same_http(asgi: httpx.AsyncClient) -> None:
    response = await asgi.get("/v1/me")
    assert response.status_code == 200
    assert response.headers["x-request-id"].startswith("req_")
    me = response.json()
    assert me["workspace"]["name"] == "Demo Workspace"
    missing = await asgi.get("/v1/nothing")
    assert missing.status_code == 404
    assert json.loads(missing.content)["error"]["request_id"] == missing.headers["x-request-id"]


def test_an_unexpected_failure_is_still_an_envelope(server: MockServer, http: httpx.Client) -> None:
    """The last-resort handler: a broken record must not turn into a bare 500 page."""
    template = server.state.workspaces["wks_demo"].templates["signup_otp"]
    template.body = None  # type: ignore[assignment]  # a broken record on purpose
    error = assert_envelope(http.get("/v1/templates/signup_otp"), 500, "internal_error")
    assert error["type"] == "api_error"
    assert error["retryable"] is True


def test_server_errors_are_not_saved_for_replay(server: MockServer, http: httpx.Client) -> None:
    created = http.post(
        "/v1/templates",
        json={"name": "promo", "language": "en", "category": "marketing", "body": "Hi"},
    )
    assert created.status_code == 201
    template = server.state.workspaces["wks_demo"].templates["promo"]
    template.body = None  # type: ignore[assignment]  # a broken record on purpose
    key = {"Idempotency-Key": "approve-once"}
    failed = http.post("/v1/test_helpers/templates/promo/approve", headers=key)
    assert failed.status_code == 500
    template.body = "Hi"
    template.status = "pending"
    retried = http.post("/v1/test_helpers/templates/promo/approve", headers=key)
    assert retried.status_code == 200
    assert "idempotent-replayed" not in retried.headers
    assert retried.json()["status"] == "approved"
