"""The request every client benchmark sends, so raw, ccx and openai carry the same weight."""

from __future__ import annotations

from typing import Any

from openai.types.chat import ChatCompletionMessageParam

from ccx.types import TemplateInputParam

__all__ = ["API_KEY", "CHAT", "CHAT_BODY", "MESSAGE_BODY", "RECIPIENT", "TEMPLATE"]

API_KEY = "ccx_test_benchmark_0123456789abcdef"
RECIPIENT = "+5511999990000"
TEMPLATE: TemplateInputParam = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
}
MESSAGE_BODY: dict[str, Any] = {
    "to": RECIPIENT,
    "channel": "whatsapp",
    "template": TEMPLATE,
    # As long as the uuid4 the SDK generates, so the raw request is no lighter.
    "idempotency_key": "5f0c9a4e-8d1b-4c3a-9e2f-7b6d5a4c3b2a",
}
CHAT: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Confirm order #A8492 for Maria: R$ 349,90."}
]
CHAT_BODY: dict[str, Any] = {"model": "gpt-4o", "messages": CHAT}
