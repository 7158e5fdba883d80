"""The core client against the bundled mock server (the pytest plugin's fixtures)."""

from __future__ import annotations

import pytest

from ccx._client import CCX, AsyncCCX
from ccx._exceptions import NotFoundError
from ccx.mock import MockServer


def template(client: CCX) -> dict[str, object]:
    chosen = next(t for t in client.templates.list() if t.status == "approved")
    variables = {str(n): f"value {n}" for n in range(1, chosen.body.count("{{") + 1)}
    return {"name": chosen.name, "language": chosen.language, "variables": variables}


def test_idempotent_replay_is_reported(ccx_client: CCX) -> None:
    body = template(ccx_client)

    first = ccx_client.messages.with_raw_response.send(
        to="+15550000001", channel="whatsapp", template=body, idempotency_key="core-replay"
    )
    again = ccx_client.messages.with_raw_response.send(
        to="+15550000001", channel="whatsapp", template=body, idempotency_key="core-replay"
    )

    assert first.idempotent_replayed is False
    assert again.idempotent_replayed is True
    assert again.parse().id == first.parse().id
    assert first.request_id is not None
    assert first.rate_limit is not None
    assert ccx_client.rate_limit is not None


def test_list_walks_every_page(ccx_client: CCX) -> None:
    body = template(ccx_client)
    sent = {
        ccx_client.messages.send(to="+15550000001", channel="whatsapp", template=body).id
        for _ in range(3)
    }

    listed = {message.id for message in ccx_client.messages.list(limit=1)}

    assert sent <= listed


def test_unknown_ids_are_not_found(ccx_client: CCX) -> None:
    with pytest.raises(NotFoundError) as raised:
        ccx_client.messages.retrieve("msg_does_not_exist")

    assert raised.value.request_id is not None
    assert str(raised.value).count("check the id") == 1


def test_a_base_url_with_the_version_in_it_is_an_unknown_endpoint(ccx_mock: MockServer) -> None:
    with (
        ccx_mock.client(base_url=f"{ccx_mock.url}/v1") as client,  # requests /v1/v1/me
        pytest.raises(NotFoundError) as raised,
    ):
        client.me.retrieve()

    assert raised.value.code == "unknown_endpoint"
    assert "check base_url (CCX_BASE_URL, without /v1)" in str(raised.value)
    assert "check the id" not in str(raised.value)


async def test_async_client_against_the_mock(ccx_async_client: AsyncCCX) -> None:
    page = await ccx_async_client.templates.list(limit=1)

    assert len(page.data) == 1
    assert ccx_async_client.rate_limit is not None
