"""``ccx me``: who the configured token is, for people and as the API's JSON."""

from __future__ import annotations

import json

from ccx import CCX
from ccx.mock import MockServer

from .conftest import Invoke, TokenFactory


def fields_of(output: str) -> dict[str, str]:
    return dict(line.split(None, 1) for line in output.splitlines())


def test_me_shows_the_workspace_environment_scopes_and_api(
    ccx: Invoke, ccx_mock: MockServer, ccx_client: CCX
) -> None:
    result = ccx("me")

    assert result.exit_code == 0, result.output
    fields = fields_of(result.stdout)
    me = ccx_client.me.retrieve()
    assert fields == {
        "workspace": "Demo Workspace (wks_demo)",
        "plan": "pro",
        "environment": "test",
        "token": me.token_id,
        "scopes": ", ".join(me.scopes),
        "expires_at": "never",
        "api": ccx_mock.url,
    }
    assert ccx_mock.token not in result.output


def test_me_json_is_the_apis_answer(ccx: Invoke, ccx_client: CCX) -> None:
    result = ccx("me", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == ccx_client.me.retrieve().model_dump(
        mode="json", by_alias=True
    )


def test_me_shows_a_narrow_live_tokens_own_scopes_and_expiry(
    ccx: Invoke, ccx_client: CCX, ccx_mock: MockServer
) -> None:
    token = ccx_client.tokens.create(
        scopes=["templates:read"], environment="live", ttl_seconds=3600
    )

    result = ccx("--api-key", token.secret, "me")

    assert result.exit_code == 0, result.output
    fields = fields_of(result.stdout)
    assert fields["environment"] == "live"
    assert fields["token"] == token.id
    assert fields["scopes"] == "templates:read"
    assert token.expires_at is not None
    assert fields["expires_at"] == token.model_dump(mode="json")["expires_at"]
    assert token.secret not in result.output


def test_me_needs_no_particular_scope(ccx: Invoke, token_with: TokenFactory) -> None:
    result = ccx("--api-key", token_with("ai:reply"), "me")

    assert result.exit_code == 0, result.output
    assert fields_of(result.stdout)["scopes"] == "ai:reply"


def test_me_with_a_rejected_token_is_one_line(ccx: Invoke) -> None:
    result = ccx("me", env={"CCX_API_KEY": "ccx_test_not_a_real_token_000000000000000"})

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: 401 invalid_token: ")
