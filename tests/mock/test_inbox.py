"""The web inbox over HTTP: who may log in, what a button may do, and that it never bypasses the
API (its actions are the API's operations, with their checks, idempotency and audit log)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import get_args

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccx.mock import MockConfig, MockServer
from ccx.mock._demo import DEMO_TOKEN
from ccx.types import TemplateInputParam
from ccx.types.enums import InboundMessageType

ORDER: TemplateInputParam = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Ana", "2": "#4821", "3": "R$ 129,90"},
}


@contextmanager
def _inbox(server: MockServer, secret: str | None = None) -> Generator[httpx.Client, None, None]:
    """A browser-like client logged in with ``secret`` (the demo token by default)."""
    with httpx.Client(base_url=server.url, headers={"Origin": server.url}) as browser:
        answer = browser.get(f"/inbox/?token={secret or server.token}")
        assert answer.status_code == 303, answer.text
        yield browser


@pytest.fixture
def inbox(server: MockServer) -> Iterator[httpx.Client]:
    with _inbox(server) as browser:
        yield browser


def _act(browser: httpx.Client, action: str, **fields: str) -> dict[str, object]:
    answer = browser.post(
        f"/inbox/actions/{action}", data=fields, headers={"Accept": "application/json"}
    )
    assert answer.status_code < 500, answer.text
    outcome: dict[str, object] = answer.json()
    return outcome


def _conversation(server: MockServer, contact: str) -> str:
    client = server.client()
    client.test_helpers.messages.simulate_inbound(from_=contact, channel="whatsapp", text="Oi")
    return client.conversations.list(contact=contact).data[0].id


# -- logging in ------------------------------------------------------------------------------


def test_the_token_link_sets_an_http_only_cookie_and_leaves_the_address_bar(
    server: MockServer,
) -> None:
    with httpx.Client(base_url=server.url) as browser:
        answer = browser.get(f"/inbox/?token={server.token}")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/inbox/conversations"  # no token in the history
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=strict" in cookie
        assert "path=/inbox" in cookie
        assert server.token not in answer.headers["set-cookie"]  # a session id, not the secret
        assert browser.get("/inbox/conversations").status_code == 200


def test_without_a_session_every_page_asks_for_a_token(server: MockServer) -> None:
    with httpx.Client(base_url=server.url) as browser:
        for path in ("/inbox", "/inbox/", "/inbox/conversations", "/inbox/templates"):
            answer = browser.get(path, follow_redirects=True)
            assert answer.url.path == "/inbox/login", path
            assert 'name="token"' in answer.text
        assert browser.get("/inbox/stream").status_code == 401


@pytest.mark.parametrize("secret", ["ccx_test_nope", "", "x" * 5000])
def test_a_bad_token_is_refused_with_the_reason(server: MockServer, secret: str) -> None:
    with httpx.Client(base_url=server.url) as browser:
        answer = browser.post("/inbox/login", data={"token": secret})
        assert answer.status_code == 401
        assert "not valid" in answer.text
        assert "set-cookie" not in answer.headers


def test_live_tokens_are_refused(server: MockServer) -> None:
    live = server.client().tokens.create(scopes=["messages:read"], environment="live")
    with httpx.Client(base_url=server.url) as browser:
        answer = browser.get(f"/inbox/?token={live.secret}")
        assert answer.status_code == 401
        assert "only accepts sandbox tokens" in answer.text
        assert live.secret not in answer.text


def test_revoking_the_token_logs_the_inbox_out(server: MockServer) -> None:
    client = server.client()
    token = client.tokens.create(scopes=["messages:read"], environment="test")
    assert token.secret is not None
    with _inbox(server, token.secret) as browser:
        assert browser.get("/inbox/conversations").status_code == 200
        client.tokens.revoke(token.id)
        assert browser.get("/inbox/conversations").headers["location"] == "/inbox/login"


def test_logging_out_ends_the_session(inbox: httpx.Client) -> None:
    assert inbox.post("/inbox/logout").status_code == 303
    assert inbox.get("/inbox/conversations").headers["location"] == "/inbox/login"


def test_no_inbox_turns_it_off(clock: object) -> None:
    with MockServer(MockConfig(inbox=False)) as server, httpx.Client(base_url=server.url) as web:
        answer = web.get(f"/inbox/?token={server.token}")
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "unknown_endpoint"


def _ccx_mock(*options: str) -> tuple[subprocess.Popen[str], list[str]]:
    """``ccx-mock`` as a user starts it, on a free port; its banner, up to the blank line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ccx.mock", "--port", "0", *options],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    banner = [process.stderr.readline() for _ in range(4)]
    if "--no-inbox" not in options:
        banner.append(process.stderr.readline())
    return process, banner


def test_ccx_mock_prints_a_link_that_logs_in() -> None:
    process, banner = _ccx_mock("--clock-start", "2026-11-20T00:00:00Z")
    try:
        link = banner[-1].split("inbox: ", 1)[1].strip()
        assert link.endswith(f"/inbox/?token={DEMO_TOKEN}")
        with httpx.Client() as browser:
            assert browser.get(link, follow_redirects=True).url.path == "/inbox/conversations"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_ccx_mock_no_inbox_serves_none_and_prints_none() -> None:
    process, banner = _ccx_mock("--no-inbox")
    try:
        assert not any("inbox" in line for line in banner)
        url = banner[0].split(" on ", 1)[1].strip()
        assert httpx.get(f"{url}/inbox/?token={DEMO_TOKEN}").status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- acting through the API ------------------------------------------------------------------


def test_a_reply_is_the_apis_inbound_simulation_made_once_per_form(
    server: MockServer, inbox: httpx.Client
) -> None:
    conversation = _conversation(server, "+5511900001111")
    form = {"conversation_id": conversation, "kind": "text", "text": "Quero trocar o endereço"}
    first = _act(inbox, "reply", idempotency_key="k1", **form)
    again = _act(inbox, "reply", idempotency_key="k1", **form)  # a double click
    assert first["ok"]
    assert again["ok"]
    assert "sent once" in str(again["message"])
    client = server.client()
    texts = [message.text for message in client.conversations.list_messages(conversation).data]
    assert texts == ["Quero trocar o endereço", "Oi"]
    calls = [entry for entry in client.audit_logs.list().data if entry.method == "POST"]
    assert [call.path for call in calls[:2]] == ["/v1/test_helpers/messages/inbound"] * 2
    assert [call.request_id for call in calls[:2]] == [again["request_id"], first["request_id"]]


def test_every_inbound_kind_of_the_spec_is_in_the_reply_box(
    server: MockServer, inbox: httpx.Client
) -> None:
    conversation = _conversation(server, "+5511900002222")
    page = inbox.get(f"/inbox/conversations/{conversation}").text
    offered = re.findall(r'<option value="(\w+)">', page)
    assert offered == list(get_args(InboundMessageType))
    located = _act(
        inbox,
        "reply",
        conversation_id=conversation,
        kind="location",
        **{"location.latitude": "-23.55", "location.longitude": "-46.63", "location.name": "Loja"},
    )
    assert located["ok"], located
    newest = server.client().conversations.list_messages(conversation).data[0]
    assert newest.type == "location"
    assert newest.location is not None
    assert (newest.location.latitude, newest.location.name) == (-23.55, "Loja")


def test_the_apis_refusal_is_the_answer(server: MockServer, inbox: httpx.Client) -> None:
    conversation = _conversation(server, "+5511900003333")
    too_long = _act(inbox, "reply", conversation_id=conversation, kind="text", text="x" * 5000)
    assert not too_long["ok"]
    assert too_long["status"] == 400
    assert "text" in str(too_long["message"])
    approved = _act(inbox, "approve", name="order_confirmation")  # already approved
    assert approved["status"] == 409
    assert "only pending or paused templates" in str(approved["message"])
    past_the_calendar = _act(inbox, "advance", seconds="1e12")
    assert past_the_calendar["status"] == 400


def test_a_token_without_the_scope_sees_and_does_only_what_the_api_allows(
    server: MockServer,
) -> None:
    client = server.client()
    narrow = client.tokens.create(scopes=["messages:read"], environment="test")
    assert narrow.secret is not None
    client.templates.create(name="promo_two", language="en", category="marketing", body="Hi")
    broadcast = client.broadcasts.create(
        name="Autumn", template="black_friday_2026", language="pt_BR", segment_id="seg_ZZ11"
    )
    with _inbox(server, narrow.secret) as browser:
        assert browser.get("/inbox/conversations").status_code == 200
        page = browser.get("/inbox/templates")
        assert page.status_code == 403
        assert "templates:read" in page.text
        assert "promo_two" not in page.text
        refused = _act(browser, "pause", broadcast_id=broadcast.id)
        assert refused["status"] == 403
        assert "broadcasts:send" in str(refused["message"])
    assert client.broadcasts.retrieve(broadcast.id).status == "running"


def test_another_workspaces_objects_are_not_found(server: MockServer) -> None:
    theirs = _conversation(server, "+5511900004444")  # in the demo workspace
    with _inbox(server, server.second_token) as other:
        assert other.get(f"/inbox/conversations/{theirs}").status_code == 404
        refused = _act(other, "reply", conversation_id=theirs, kind="text", text="hijack")
        assert refused["status"] == 400
        assert not refused["ok"]
        assert "+5511900004444" not in other.get("/inbox/conversations").text
    texts = [m.text for m in server.client().conversations.list_messages(theirs).data]
    assert texts == ["Oi"]


def test_a_post_from_another_site_changes_nothing(server: MockServer) -> None:
    conversation = _conversation(server, "+5511900005555")
    with _inbox(server) as browser:
        for origin in ("http://evil.example", "null"):
            answer = browser.post(
                "/inbox/actions/reply",
                data={"conversation_id": conversation, "kind": "text", "text": "forged"},
                headers={"Origin": origin},
            )
            assert answer.status_code == 403
        assert (
            browser.post(
                "/inbox/login",
                data={"token": server.token},
                headers={"Origin": "http://evil.example"},
            ).status_code
            == 403
        )
    texts = [m.text for m in server.client().conversations.list_messages(conversation).data]
    assert texts == ["Oi"]


def test_without_javascript_a_form_redirects_back(server: MockServer, inbox: httpx.Client) -> None:
    answer = inbox.post(
        "/inbox/actions/advance", data={"seconds": "60", "next": "/inbox/templates"}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/inbox/templates"
    elsewhere = inbox.post(
        "/inbox/actions/advance", data={"seconds": "1", "next": "//evil.example/"}
    )
    assert elsewhere.headers["location"] == "/inbox/conversations"
    refused = inbox.post("/inbox/actions/advance", data={"seconds": "soon"})
    assert refused.status_code == 400
    assert "seconds must be a number" in refused.text


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    action=st.sampled_from(
        [
            "reply",
            "advance",
            "approve",
            "reject",
            "pause",
            "resume",
            "cancel",
            "redeliver",
            "replay",
            "nope",
            "",
        ]
    ),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "conversation_id",
                "kind",
                "text",
                "button.text",
                "seconds",
                "name",
                "broadcast_id",
                "event_id",
                "endpoint_id",
                "from",
                "to",
                "next",
                "idempotency_key",
                "reason",
            ]
        ),
        st.text(max_size=300),
        max_size=8,
    ),
)
def test_hostile_forms_never_get_a_500(
    inbox: httpx.Client, action: str, fields: dict[str, str]
) -> None:
    for accept in ("application/json", "text/html"):
        answer = inbox.post(f"/inbox/actions/{action}", data=fields, headers={"Accept": accept})
        assert answer.status_code < 500, answer.text


def test_a_form_that_is_not_a_form_is_refused(inbox: httpx.Client) -> None:
    assert inbox.post("/inbox/actions/advance", json={"seconds": 60}).status_code == 400
    huge = inbox.post("/inbox/actions/advance", data={"seconds": "1", "pad": "x" * 70_000})
    assert huge.status_code == 400


# -- the live feed ---------------------------------------------------------------------------


def test_the_feed_reports_what_changed_since_the_page_was_rendered(
    server: MockServer, inbox: httpx.Client
) -> None:
    page = inbox.get("/inbox/conversations").text
    stream = re.search(r'data-stream="([^"]+)"', page)
    assert stream is not None
    server.client().messages.send(to="+15550000001", channel="whatsapp", template=ORDER)
    server.client().templates.create(name="new_one", language="en", category="utility", body="x")
    frames: list[str] = []
    with inbox.stream("GET", stream.group(1).replace("&amp;", "&"), timeout=10) as feed:
        assert feed.headers["content-type"].startswith("text/event-stream")
        for line in feed.iter_lines():
            if line.startswith("data: "):
                frames.append(line)
                break
    assert '"messages"' in frames[0]
    assert '"templates"' in frames[0]


def test_server_faults_do_not_touch_the_inbox() -> None:
    with (
        MockServer(MockConfig(faults="error_rate=1,status=503")) as server,
        _inbox(server) as browser,
    ):
        api = httpx.get(f"{server.url}/v1/me", headers={"Authorization": f"Bearer {server.token}"})
        assert api.status_code == 503  # the API misbehaves as configured
        assert browser.get("/inbox/templates").status_code == 200
        assert _act(browser, "advance", seconds="60")["ok"]
