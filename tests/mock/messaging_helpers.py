"""Request bodies for the message-domain tests (Mock-B's), built on the demo world's templates."""

from __future__ import annotations

import uuid
from typing import Any

from ccx.types import TemplateInputParam

ORDER_TEMPLATE: TemplateInputParam = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
}
"""The seed's example: a utility template with three variables, approved in the demo world."""

CUSTOMER = "+5511999990000"
READS = "+15550000001"
UNDELIVERABLE = "+15550000002"
UPSTREAM_FAILURE = "+15550000003"
SENT_ONLY = "+15550000004"
LATE_DELIVERY = "+15550000005"
REJECTED = "+15550000006"


def message(to: str = CUSTOMER, **fields: Any) -> dict[str, Any]:
    """A ``messages.send`` body: the order template to ``to`` unless ``fields`` say otherwise."""
    body: dict[str, Any] = {"to": to, "channel": "whatsapp", "idempotency_key": str(uuid.uuid4())}
    if not any(kind in fields for kind in ("template", "text", "media", "interactive")):
        body["template"] = ORDER_TEMPLATE
    body.update(fields)
    return body


def recipients(count: int, *, first: int = 5511900000000) -> list[str]:
    """``count`` distinct ordinary E.164 numbers."""
    return [f"+{first + index}" for index in range(count)]
