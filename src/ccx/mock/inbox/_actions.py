"""What each inbox button asks the API to do: a form, turned into one operation's request.

The form names the action; this module says which operation it is and builds the body the
API documents. A field the form lacks is a `FormError` naming it, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._workspace import Workspace

__all__ = ["ACTIONS", "Action", "FormError", "Request"]


class FormError(Exception):
    """The form is missing something the action needs."""


@dataclass(frozen=True)
class Request:
    operation_id: str
    path: Mapping[str, str]
    body: Mapping[str, Any] | None = None


Action = Callable[[Mapping[str, str], Workspace], Request]


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise FormError(f"The form needs a value for {name!r}.")
    return value


def _reply(form: Mapping[str, str], workspace: Workspace) -> Request:
    """An inbound message from the conversation's contact, of the kind the form chose."""
    conversation_id = _required(form, "conversation_id")
    conversation = workspace.conversations.get(conversation_id)
    if conversation is None:
        raise FormError(f"No conversation {conversation_id} in this workspace.")
    kind = _required(form, "kind")
    body: dict[str, Any] = {
        "from": conversation.contact,
        "channel": conversation.channel,
        "type": kind,
    }
    prefix = kind + "."
    nested = {
        name[len(prefix) :]: value
        for name, value in form.items()
        if name.startswith(prefix) and value.strip()
    }
    body[kind] = nested if nested else _required(form, kind)
    return Request("test_helpers.messages.simulate_inbound", {}, body)


def _advance(form: Mapping[str, str], workspace: Workspace) -> Request:
    seconds = _required(form, "seconds")
    try:
        amount = float(seconds)
    except ValueError:
        raise FormError(f"seconds must be a number, got {seconds[:40]!r}.") from None
    return Request("test_helpers.clock.advance", {}, {"seconds": amount})


def _on(operation_id: str, field: str, key: str = "id") -> Action:
    """An operation on one object named by the form (a template, a broadcast)."""

    def build(form: Mapping[str, str], workspace: Workspace) -> Request:
        return Request(operation_id, {key: _required(form, field)}, {})

    return build


def _reject(form: Mapping[str, str], workspace: Workspace) -> Request:
    reason = form.get("reason", "").strip()
    return Request(
        "test_helpers.templates.reject",
        {"name": _required(form, "name")},
        {"reason": reason} if reason else {},
    )


def _redeliver(form: Mapping[str, str], workspace: Workspace) -> Request:
    return Request(
        "events.redeliver",
        {"id": _required(form, "event_id")},
        {"endpoint_id": _required(form, "endpoint_id")},
    )


def _replay(form: Mapping[str, str], workspace: Workspace) -> Request:
    return Request(
        "events.replay",
        {},
        {
            "endpoint_id": _required(form, "endpoint_id"),
            "from": _required(form, "from"),
            "to": _required(form, "to"),
        },
    )


ACTIONS: Mapping[str, Action] = {
    "reply": _reply,
    "advance": _advance,
    "approve": _on("test_helpers.templates.approve", "name", key="name"),
    "reject": _reject,
    "pause": _on("broadcasts.pause", "broadcast_id"),
    "resume": _on("broadcasts.resume", "broadcast_id"),
    "cancel": _on("broadcasts.cancel", "broadcast_id"),
    "redeliver": _redeliver,
    "replay": _replay,
}
