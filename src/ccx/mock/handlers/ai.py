"""``POST /v1/ai/reply``: a deterministic, extractive stand-in for the AI reply feature.

No model runs in the mock: the reply is the context sentence sharing the most words with the
customer's message (the earliest on ties). The mock cannot fetch the internet, so ``url``
only accepts the documented sandbox page, served from canned text; any other URL is the 422
``url_unreadable`` that an unreachable page gets from the real API.
"""

from __future__ import annotations

import re

from ccx.mock._errors import MockAPIError
from ccx.mock._registry import HandlerResult, RequestContext, handles

SANDBOX_FAQ_URL = "https://example.com/faq"
SANDBOX_FAQ_TEXT = (
    "Orders ship within 2 business days of payment. "
    "Delivery takes 3 to 7 business days, depending on the region. "
    "You can return any product within 30 days for a full refund. "
    "Refunds reach your card within 10 business days of the return. "
    "Our support team answers on WhatsApp from 8am to 8pm, Monday to Saturday."
)
NO_ANSWER = "Sorry, I could not find an answer to that; a member of our team will reply soon."

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w{3,}")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def extract_reply(message: str, context: str) -> str:
    """The context sentence with the highest word overlap with ``message``."""
    asked = _words(message)
    best, best_score = NO_ANSWER, 0
    for sentence in _SENTENCE_END.split(context):
        score = len(asked & _words(sentence))
        if score > best_score:
            best, best_score = sentence.strip(), score
    return best


@handles("ai.reply")
def reply(ctx: RequestContext) -> HandlerResult:
    context: str | None = ctx.body.get("context")
    url: str | None = ctx.body.get("url")
    if (context is None) == (url is None):
        raise MockAPIError(
            400,
            "invalid_request_error",
            "invalid_request",
            "Send exactly one of 'context' (the text to answer from) or 'url' (a page to read).",
            param="context",
        )
    if url is not None:
        if url.rstrip("/") != SANDBOX_FAQ_URL:
            raise MockAPIError(
                422,
                "unprocessable_error",
                "url_unreadable",
                f"Could not read {url[:200]!r}: the sandbox only reads {SANDBOX_FAQ_URL}; "
                "pass the page's text as 'context' instead.",
                param="url",
            )
        context = SANDBOX_FAQ_TEXT
    assert context is not None
    return ctx.success_status, {
        "object": "ai_reply",
        "reply": extract_reply(ctx.body["message"], context),
        "source": "url" if url is not None else "context",
    }
