"""The core client against the bundled mock server (the pytest plugin's fixtures)."""

from __future__ import annotations

import httpx
import pytest
from typing_extensions import override

from ccx._client import CCX, AsyncCCX
from ccx._exceptions import NotFoundError
from ccx.mock import MockServer
from ccx.types import TemplateInputParam


def template(client: CCX) -> TemplateInputParam:
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


def test_a_base_url_with_a_wrong_path_is_an_unknown_endpoint(ccx_mock: MockServer) -> None:
    # (One ending in /v1 is refused before anything is sent: tests/core/test_misuse.py.)
    with (
        ccx_mock.client(base_url=f"{ccx_mock.url}/api") as client,  # requests /api/v1/me
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


class LoseFirstAnswer(httpx.HTTPTransport):
    """The network losing the first answer after the server has acted on the request."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    @override
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.requests.append(request)
        if len(self.requests) > 1:
            return response
        response.close()
        raise httpx.ReadError("connection reset after the request was served", request=request)


def lossy_client(ccx_mock: MockServer) -> tuple[CCX, LoseFirstAnswer]:
    transport = LoseFirstAnswer()
    client = ccx_mock.client(
        transport=transport, sleep=ccx_mock.advance, now=ccx_mock.state.clock.now
    )
    return client, transport


def sent_keys(transport: LoseFirstAnswer) -> list[str | None]:
    return [request.headers.get("idempotency-key") for request in transport.requests]


def test_an_update_whose_answer_was_lost_is_retried_without_a_key(
    ccx_mock: MockServer, ccx_client: CCX
) -> None:
    endpoint = ccx_client.webhook_endpoints.create(url="https://example.com/hooks", events=["*"])
    client, transport = lossy_client(ccx_mock)

    with client:
        updated = client.webhook_endpoints.update(endpoint.id, description="Orders")

    assert updated.description == "Orders"
    assert ccx_client.webhook_endpoints.retrieve(endpoint.id).description == "Orders"
    assert sent_keys(transport) == [None, None]


def test_a_revoke_whose_answer_was_lost_is_retried_and_answers_the_revoked_token(
    ccx_mock: MockServer, ccx_client: CCX
) -> None:
    token = ccx_client.tokens.create(scopes=["messages:read"], environment="test")
    client, transport = lossy_client(ccx_mock)

    with client:
        revoked = client.tokens.revoke(token.id)

    assert revoked.id == token.id
    assert revoked.revoked_at is not None
    assert sent_keys(transport) == [None, None]


def test_a_delete_whose_answer_was_lost_finds_the_object_gone_on_its_retry(
    ccx_mock: MockServer, ccx_client: CCX
) -> None:
    endpoint = ccx_client.webhook_endpoints.create(url="https://example.com/hooks", events=["*"])
    client, transport = lossy_client(ccx_mock)

    with client, pytest.raises(NotFoundError):
        client.webhook_endpoints.delete(endpoint.id)

    assert sent_keys(transport) == [None, None]
    with pytest.raises(NotFoundError):
        ccx_client.webhook_endpoints.retrieve(endpoint.id)


def test_a_post_whose_answer_was_lost_is_replayed_by_its_key(
    ccx_mock: MockServer, ccx_client: CCX
) -> None:
    client, transport = lossy_client(ccx_mock)

    with client:
        segment = client.segments.create(name="VIP", recipients=["+15550000001"])

    first, retry = sent_keys(transport)
    assert first is not None
    assert retry == first
    assert [s.id for s in ccx_client.segments.list() if s.name == "VIP"] == [segment.id]


# The sync client is called beside the async one in the same test, on purpose; the warning that
# this blocks the loop is tested in tests/core/test_misuse.py.
@pytest.mark.filterwarnings("ignore::ccx.BlockingCallWarning")
async def test_both_streams_of_an_unknown_broadcast_raise_where_they_are_entered(
    ccx_client: CCX, ccx_async_client: AsyncCCX
) -> None:
    stream = ccx_client.broadcasts.events("brd_unknown")
    async_stream = ccx_async_client.broadcasts.events("brd_unknown")

    with pytest.raises(NotFoundError, match="brd_unknown"), stream:
        pytest.fail("the body of the with statement must not run")
    with pytest.raises(NotFoundError, match="brd_unknown"):
        async with async_stream:
            pytest.fail("the body of the async with statement must not run")
