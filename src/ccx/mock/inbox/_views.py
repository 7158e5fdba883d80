"""What the inbox shows, read from the workspace's own records with the API's own renderers.

Nothing here changes the state; each function turns records into the plain values a template
prints (a message's bubble, an endpoint's deliveries, a broadcast's progress).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from pydantic import BaseModel

from ccx.types.enums import InboundMessageType

from .._broadcasts import BroadcastRecord
from .._clock import isoformat
from .._conversations import ConversationRecord, most_recent_first
from .._delivery import DeliveryAttempt, EndpointRecord
from .._events import EventRecord
from .._messages import MessageRecord
from .._pricing import CURRENCY, price
from .._spec import InboundMessageSimulateRequest
from .._workspace import Workspace

__all__ = [
    "INBOUND_KINDS",
    "REPLY_KINDS",
    "Bubble",
    "Delivery",
    "ReplyField",
    "ReplyKind",
    "bubbles",
    "conversations",
    "deliveries",
    "progress_percent",
    "reply_kinds",
]

INBOUND_KINDS: tuple[InboundMessageType, ...] = typing.get_args(InboundMessageType)
"""What a contact can send, as the spec lists it once (`InboundMessageType`)."""

MESSAGES_SHOWN = 200
"""The newest messages of a conversation the thread shows."""
EVENTS_SHOWN = 50
"""The newest delivered events per endpoint the webhooks page shows."""

_TICKS: Mapping[str, str] = {
    "scheduled": "🕓",
    "queued": "🕓",
    "sent": "✓",
    "delivered": "✓✓",
    "read": "✓✓",
    "failed": "⚠",
    "canceled": "⊘",
    "received": "",
}


@dataclass(frozen=True)
class Bubble:
    message: MessageRecord
    title: str
    """The template's name, the media type or the kind, above the text."""
    text: str
    choices: Sequence[tuple[str, str]]
    """Reply buttons or list rows the customer can tap: (title, id)."""
    ticks: str
    error: str | None
    charge: str | None
    """Billing category and price (what delivery costs, or cost)."""
    at: str


def conversations(workspace: Workspace) -> list[ConversationRecord]:
    """Most recently active first, as ``conversations.list`` orders them."""
    return most_recent_first(workspace.conversations.values())


def bubbles(workspace: Workspace, conversation: ConversationRecord) -> list[Bubble]:
    """The conversation's newest messages, oldest first (chat order)."""
    newest = workspace.messages_in(conversation.id)[:MESSAGES_SHOWN]
    return [_bubble(workspace, message) for message in reversed(newest)]


def _bubble(workspace: Workspace, message: MessageRecord) -> Bubble:
    title, text, choices = _content(workspace, message)
    error = None
    if message.status == "failed" and message.error:
        code = message.error.get("upstream_code")
        error = f"{message.error.get('code')}" + (f" (upstream {code})" if code else "")
        error += f": {message.error.get('message', '')}"
    charge = None
    if message.direction == "outbound":
        cost = price(message.category, message.channel)
        billed = message.status in ("delivered", "read")
        charge = f"{message.category} · {CURRENCY} {cost:.4g}" + ("" if billed else " on delivery")
    return Bubble(
        message=message,
        title=title,
        text=text,
        choices=choices,
        ticks=_TICKS.get(message.status, ""),
        error=error,
        charge=charge,
        at=isoformat(message.created_at),
    )


def _content(
    workspace: Workspace, message: MessageRecord
) -> tuple[str, str, list[tuple[str, str]]]:
    content: Any = message.content
    if message.kind == "template":
        variables = {str(name): str(value) for name, value in dict(content["variables"]).items()}
        template = workspace.templates.get(content["name"])
        if template is None:  # deleted since: show what was sent
            return content["name"], ", ".join(f"{{{{{k}}}}}={v}" for k, v in variables.items()), []
        return content["name"], template.render(variables), []
    if message.kind == "media":
        text = content.get("caption") or ""
        return content["type"], f"{content['url']}\n{text}".strip(), []
    if message.kind == "interactive":
        if content.get("buttons"):
            buttons = [(button["title"], button["id"]) for button in content["buttons"]]
            return "buttons", content["body"], buttons
        menu: Mapping[str, Any] = content.get("list") or {}
        sections: list[Mapping[str, Any]] = menu.get("sections", [])
        rows = [
            (str(row["title"]), str(row["id"])) for section in sections for row in section["rows"]
        ]
        return f"list · {menu.get('button', '')}", content["body"], rows
    if isinstance(content, str):
        return "", content, []
    return message.kind, _describe(content), []


def _describe(content: Any) -> str:
    """A kind of content this page does not know yet, shown as its fields."""
    if isinstance(content, Mapping):
        fields = cast("Mapping[str, object]", content)
        return " · ".join(f"{name}: {value}" for name, value in fields.items())
    return str(content)


@dataclass(frozen=True)
class Delivery:
    event: EventRecord | None
    event_id: str
    event_type: str
    attempts: Sequence[DeliveryAttempt]

    @property
    def acknowledged(self) -> bool:
        return any(attempt.acknowledged for attempt in self.attempts)


def deliveries(workspace: Workspace, endpoint: EndpointRecord) -> list[Delivery]:
    """The events POSTed to ``endpoint``, newest first, each with its attempts in order."""
    by_event: dict[str, list[DeliveryAttempt]] = {}
    for attempt in reversed(workspace.deliveries.attempts):
        if attempt.endpoint_id == endpoint.id:
            if attempt.event_id not in by_event and len(by_event) == EVENTS_SHOWN:
                break
            by_event.setdefault(attempt.event_id, []).append(attempt)
    return [
        Delivery(workspace.events.get(event_id), event_id, attempts[0].event_type, attempts[::-1])
        for event_id, attempts in by_event.items()
    ]


def progress_percent(broadcast: BroadcastRecord) -> int:
    """How much of the audience the broadcast is done with: no longer queued."""
    counts = broadcast.progress()
    total = counts["total"]
    return 100 if total == 0 else round(100 * (total - counts["queued"]) / total)


@dataclass(frozen=True)
class ReplyField:
    name: str
    """The form field's name: the request body path, dotted (``location.latitude``)."""
    label: str
    required: bool
    long: bool


@dataclass(frozen=True)
class ReplyKind:
    kind: str
    fields: Sequence[ReplyField]


def reply_kinds(model: type[BaseModel] = InboundMessageSimulateRequest) -> list[ReplyKind]:
    """The kinds of message a customer can send (the spec's `InboundMessageType`), each with the
    fields of its request body: a new kind in the spec shows up in the reply box by itself."""
    fields = {info.alias or name: info for name, info in model.model_fields.items()}
    kinds: list[ReplyKind] = []
    for kind in INBOUND_KINDS:
        info = fields[kind]
        nested = _model_in(info.annotation)
        if nested is None:
            # The kind's own text: required once the kind is chosen.
            kinds.append(ReplyKind(kind, [ReplyField(kind, kind, required=True, long=True)]))
            continue
        parts = [
            ReplyField(
                f"{kind}.{inner.alias or key}",
                f"{kind} {inner.alias or key}".replace("_", " "),
                required=inner.is_required(),
                long=False,
            )
            for key, inner in nested.model_fields.items()
        ]
        kinds.append(ReplyKind(kind, parts))
    return kinds


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, through ``Optional``/``Annotated`` wrappers; None for a value."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


REPLY_KINDS: Sequence[ReplyKind] = reply_kinds()
