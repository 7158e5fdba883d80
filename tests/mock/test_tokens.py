"""Token management: secrets shown once, listing, revocation and rotation with a 24 h overlap."""

from __future__ import annotations

import httpx

from ccx.mock import MockServer


def get_me(server: MockServer, secret: str) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/me", headers={"Authorization": f"Bearer {secret}"})


def test_create_shows_the_secret_once(http: httpx.Client) -> None:
    created = http.post(
        "/v1/tokens",
        json={"name": "ci", "scopes": ["messages:send", "messages:read"], "environment": "test"},
    )
    assert created.status_code == 201
    token = created.json()
    secret = token["secret"]
    assert secret.startswith("ccx_test_")
    assert token["prefix"] == secret[: len(token["prefix"])]
    assert token["scopes"] == ["messages:send", "messages:read"]
    assert token["expires_at"] is None

    retrieved = http.get(f"/v1/tokens/{token['id']}").json()
    listed = {t["id"]: t for t in http.get("/v1/tokens").json()["data"]}
    for view in (retrieved, listed[token["id"]]):
        assert "secret" not in view
        assert secret not in str(view)
        assert view["prefix"] == token["prefix"]


def test_new_token_works_with_exactly_its_scopes(server: MockServer, http: httpx.Client) -> None:
    token = http.post("/v1/tokens", json={"scopes": ["audit:read"], "environment": "test"}).json()
    me = get_me(server, token["secret"]).json()
    assert me["token_id"] == token["id"]
    assert me["scopes"] == ["audit:read"]


def test_a_token_cannot_grant_scopes_it_lacks(server: MockServer, http: httpx.Client) -> None:
    manager = http.post(
        "/v1/tokens", json={"scopes": ["tokens:manage"], "environment": "test"}
    ).json()
    response = httpx.post(
        f"{server.url}/v1/tokens",
        headers={"Authorization": f"Bearer {manager['secret']}"},
        json={"scopes": ["tokens:manage", "messages:send"], "environment": "test"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["param"] == "scopes"
    assert "messages:send" in response.json()["error"]["message"]


def test_invalid_create_requests_name_the_field(http: httpx.Client) -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"scopes": ["messages:fly"], "environment": "test"}, "scopes.0"),
        ({"scopes": [], "environment": "test"}, "scopes"),
        ({"scopes": ["messages:send"]}, "environment"),
        ({"scopes": ["messages:send"], "environment": "test", "ttl_seconds": 1}, "ttl_seconds"),
    ]
    for body, param in cases:
        response = http.post("/v1/tokens", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["param"] == param


def test_revoke_is_reported_and_idempotent(http: httpx.Client) -> None:
    token = http.post("/v1/tokens", json={"scopes": ["audit:read"], "environment": "test"}).json()
    first = http.delete(f"/v1/tokens/{token['id']}")
    assert first.status_code == 200
    assert first.json()["revoked_at"] is not None
    again = http.delete(f"/v1/tokens/{token['id']}")
    assert again.json()["revoked_at"] == first.json()["revoked_at"]
    assert http.post(f"/v1/tokens/{token['id']}/rotate").status_code == 409


def test_rotation_keeps_the_old_secret_for_24_hours(server: MockServer, http: httpx.Client) -> None:
    token = http.post("/v1/tokens", json={"scopes": ["audit:read"], "environment": "test"}).json()
    old_secret = token["secret"]
    rotated = http.post(f"/v1/tokens/{token['id']}/rotate")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != old_secret
    assert rotated.json()["previous_secret_expires_at"] == "2026-11-22T08:00:00Z"
    assert rotated.json()["prefix"] == new_secret[: len(rotated.json()["prefix"])]

    assert get_me(server, old_secret).status_code == 200
    assert get_me(server, new_secret).status_code == 200
    server.advance(24 * 3600 - 1)
    assert get_me(server, old_secret).status_code == 200
    server.advance(1)
    expired = get_me(server, old_secret)
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "token_rotated"
    assert get_me(server, old_secret).status_code == 401
    assert get_me(server, new_secret).status_code == 200


def test_rotating_twice_retires_the_first_secret_at_once(
    server: MockServer, http: httpx.Client
) -> None:
    token = http.post("/v1/tokens", json={"scopes": ["audit:read"], "environment": "test"}).json()
    first = token["secret"]
    second = http.post(f"/v1/tokens/{token['id']}/rotate").json()["secret"]
    third = http.post(f"/v1/tokens/{token['id']}/rotate").json()["secret"]
    assert get_me(server, first).status_code == 401
    assert get_me(server, second).status_code == 200
    assert get_me(server, third).status_code == 200


def test_secrets_never_appear_in_reprs(server: MockServer, http: httpx.Client) -> None:
    token = http.post("/v1/tokens", json={"scopes": ["audit:read"], "environment": "test"}).json()
    record = server.state.workspaces["wks_demo"].tokens[token["id"]]
    assert token["secret"] not in repr(record)
    assert token["secret"] not in repr(server.state)
    assert server.token not in repr(server.state)


def test_list_paginates_newest_first(http: httpx.Client) -> None:
    ids = [
        http.post("/v1/tokens", json={"scopes": ["audit:read"], "environment": "test"}).json()["id"]
        for _ in range(5)
    ]
    page = http.get("/v1/tokens", params={"limit": 2}).json()
    assert [t["id"] for t in page["data"]] == ids[::-1][:2]
    assert page["has_more"] is True
    following = http.get(
        "/v1/tokens", params={"limit": 2, "starting_after": page["next_cursor"]}
    ).json()
    assert [t["id"] for t in following["data"]] == ids[::-1][2:4]
