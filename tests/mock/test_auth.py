"""Authentication, scopes, sandbox-only helpers and tenancy, over a real socket."""

from __future__ import annotations

import httpx
import pytest

from ccx.mock import MockServer


def call(server: MockServer, secret: str | None, method: str, path: str) -> httpx.Response:
    headers = {} if secret is None else {"Authorization": f"Bearer {secret}"}
    return httpx.request(method, server.url + path, headers=headers)


def create_token(http: httpx.Client, **body: object) -> dict[str, object]:
    response = http.post("/v1/tokens", json={"environment": "test", **body})
    assert response.status_code == 201, response.text
    return response.json()


def error_code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def test_missing_token_is_401(server: MockServer) -> None:
    response = call(server, None, "GET", "/v1/me")
    assert response.status_code == 401
    assert error_code(response) == "missing_token"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        ("Basic dXNlcjpwYXNz", "malformed_token"),
        ("ccx_test_no_scheme", "malformed_token"),
        ("Bearer ccx_test_not_a_real_token", "invalid_token"),
        ("Bearer", "malformed_token"),
    ],
)
def test_bad_authorization_is_401(server: MockServer, authorization: str, code: str) -> None:
    response = httpx.get(f"{server.url}/v1/me", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert error_code(response) == code
    assert "ccx_test_not_a_real_token" not in response.text


def test_bearer_scheme_is_case_insensitive(server: MockServer) -> None:
    response = httpx.get(f"{server.url}/v1/me", headers={"Authorization": f"bearer {server.token}"})
    assert response.status_code == 200


def test_me_describes_the_token(http: httpx.Client) -> None:
    me = http.get("/v1/me").json()
    assert me["workspace"] == {
        "id": "wks_demo",
        "object": "workspace",
        "name": "Demo Workspace",
        "plan": "pro",
    }
    assert me["environment"] == "test"
    assert "messages:send" in me["scopes"]
    assert "audit:read" in me["scopes"]
    assert me["token_id"].startswith("tok_")


def test_missing_scope_is_403_naming_the_scope(server: MockServer, http: httpx.Client) -> None:
    narrow = create_token(http, scopes=["messages:read"])
    response = call(server, str(narrow["secret"]), "GET", "/v1/templates")
    assert response.status_code == 403
    assert error_code(response) == "missing_scope"
    assert "templates:read" in response.json()["error"]["message"]
    assert call(server, str(narrow["secret"]), "GET", "/v1/me").status_code == 200


def test_test_helpers_refuse_non_sandbox_tokens(server: MockServer, http: httpx.Client) -> None:
    live = create_token(http, scopes=["templates:manage"], environment="live")
    assert str(live["secret"]).startswith("ccx_live_")
    template = {"name": "promo", "language": "en", "category": "marketing", "body": "Hi"}
    assert http.post("/v1/templates", json=template).status_code == 201
    path = "/v1/test_helpers/templates/promo/approve"
    refused = call(server, str(live["secret"]), "POST", path)
    assert refused.status_code == 403
    assert error_code(refused) == "sandbox_only"
    assert http.post(path).status_code == 200


def test_revoked_token_is_401(server: MockServer, http: httpx.Client) -> None:
    token = create_token(http, scopes=["messages:read"])
    secret = str(token["secret"])
    assert call(server, secret, "GET", "/v1/me").status_code == 200
    assert http.delete(f"/v1/tokens/{token['id']}").status_code == 200
    response = call(server, secret, "GET", "/v1/me")
    assert response.status_code == 401
    assert error_code(response) == "token_revoked"


def test_token_ttl_expires_on_the_mock_clock(server: MockServer, http: httpx.Client) -> None:
    token = create_token(http, scopes=["messages:read"], ttl_seconds=3600)
    secret = str(token["secret"])
    server.advance(3599)
    assert call(server, secret, "GET", "/v1/me").status_code == 200
    server.advance(1)
    response = call(server, secret, "GET", "/v1/me")
    assert response.status_code == 401
    assert error_code(response) == "token_expired"


def test_another_workspace_id_is_indistinguishable_from_a_missing_one(
    http: httpx.Client, other_http: httpx.Client
) -> None:
    theirs = other_http.get("/v1/segments/seg_OTHER1")
    assert theirs.status_code == 200
    foreign = http.get("/v1/segments/seg_OTHER1")
    missing = http.get("/v1/segments/seg_NOPE99")
    assert foreign.status_code == missing.status_code == 404
    foreign_error = foreign.json()["error"]
    missing_error = missing.json()["error"]
    for error in (foreign_error, missing_error):
        del error["request_id"]
    assert foreign_error == {**missing_error, "message": foreign_error["message"]}
    assert foreign_error["message"].replace("seg_OTHER1", "X") == missing_error["message"].replace(
        "seg_NOPE99", "X"
    )


def test_workspaces_see_only_their_own_lists(http: httpx.Client, other_http: httpx.Client) -> None:
    demo_templates = {t["name"] for t in http.get("/v1/templates").json()["data"]}
    other_templates = {t["name"] for t in other_http.get("/v1/templates").json()["data"]}
    assert demo_templates == {"order_confirmation", "black_friday_2026", "signup_otp"}
    assert other_templates == {"welcome"}
    other_token_ids = {t["id"] for t in other_http.get("/v1/tokens").json()["data"]}
    demo_token_ids = {t["id"] for t in http.get("/v1/tokens").json()["data"]}
    assert not other_token_ids & demo_token_ids
    assert http.get(f"/v1/tokens/{next(iter(other_token_ids))}").status_code == 404
