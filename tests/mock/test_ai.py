"""The AI reply stand-in: deterministic, extractive, and honest about URLs it cannot read."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from ccx.mock import MockServer
from ccx.mock.handlers.ai import NO_ANSWER, extract_reply

CONTEXT = (
    "We open at 9am and close at 6pm. Shipping is free above R$ 200. "
    "Returns are accepted within 30 days of delivery."
)


def test_reply_is_the_best_matching_context_sentence(http: httpx.Client) -> None:
    response = http.post(
        "/v1/ai/reply", json={"message": "Is shipping free for my order?", "context": CONTEXT}
    )
    assert response.status_code == 200
    assert response.json()["reply"] == "Shipping is free above R$ 200."
    assert response.json()["source"] == "context"


def test_same_question_same_answer(http: httpx.Client) -> None:
    body = {"message": "when do you close?", "context": CONTEXT}
    replies = {http.post("/v1/ai/reply", json=body).json()["reply"] for _ in range(3)}
    assert replies == {"We open at 9am and close at 6pm."}


def test_no_overlap_gets_the_handover_answer(http: httpx.Client) -> None:
    body = {"message": "xyzzy plugh", "context": CONTEXT}
    assert http.post("/v1/ai/reply", json=body).json()["reply"] == NO_ANSWER


def test_sandbox_url_is_read(http: httpx.Client) -> None:
    body = {"message": "How long does delivery take?", "url": "https://example.com/faq"}
    reply = http.post("/v1/ai/reply", json=body).json()
    assert reply["source"] == "url"
    assert "business days" in reply["reply"]


def test_other_urls_are_unreadable(http: httpx.Client) -> None:
    body = {"message": "hi", "url": "https://internal.example.org/secret"}
    response = http.post("/v1/ai/reply", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "url_unreadable"
    assert error["param"] == "url"


def test_exactly_one_source(http: httpx.Client) -> None:
    both = http.post(
        "/v1/ai/reply", json={"message": "hi", "context": CONTEXT, "url": "https://example.com/faq"}
    )
    neither = http.post("/v1/ai/reply", json={"message": "hi"})
    assert both.status_code == neither.status_code == 400


def test_needs_the_ai_scope(server: MockServer, http: httpx.Client) -> None:
    secret = http.post(
        "/v1/tokens", json={"scopes": ["messages:send"], "environment": "test"}
    ).json()["secret"]
    response = httpx.post(
        f"{server.url}/v1/ai/reply",
        headers={"Authorization": f"Bearer {secret}"},
        json={"message": "hi", "context": CONTEXT},
    )
    assert response.status_code == 403
    assert "ai:reply" in response.json()["error"]["message"]


sentences = st.lists(
    st.text(alphabet=st.characters(categories=["L"]), min_size=3, max_size=12),
    min_size=1,
    max_size=6,
).map(" ".join)


@given(message=st.text(max_size=80), context=st.lists(sentences, min_size=1, max_size=5))
def test_the_reply_is_always_a_context_sentence_or_the_handover(
    message: str, context: list[str]
) -> None:
    text = ". ".join(context) + "."
    reply = extract_reply(message, text)
    assert reply == NO_ANSWER or reply in text
