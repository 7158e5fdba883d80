"""Templates and the carrier: a pause (reachable, evented, over after 3 h on the clock), and
`templates.sync` picking up what the carrier changed without telling CCX."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from messaging_helpers import CUSTOMER

from ccx import CCX, ConflictError, NotFoundError, PermissionDeniedError
from ccx.mock import MockServer
from ccx.types import TemplatePausedEvent

TEMPLATE = "order_confirmation"  # approved in the demo workspace
VARIABLES = {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"}


@pytest.fixture
def client(server: MockServer) -> Iterator[CCX]:
    with server.client() as sdk:
        yield sdk


def send(client: CCX) -> None:
    client.messages.send(
        to=CUSTOMER,
        channel="whatsapp",
        template={"name": TEMPLATE, "language": "pt_BR", "variables": VARIABLES},
        max_retries=0,
    )


def event_types(client: CCX) -> list[str]:
    return [
        event.event
        for event in client.events.list(limit=100)
        if event.event.startswith("template.")
    ]


def test_a_paused_template_cannot_be_sent_until_the_pause_ends(client: CCX) -> None:
    paused = client.test_helpers.templates.pause(TEMPLATE)
    assert paused.status == "paused"
    assert client.templates.retrieve(TEMPLATE).status == "paused"
    with pytest.raises(ConflictError) as refused:
        send(client)
    assert refused.value.code == "template_not_approved"
    assert "paused" in refused.value.message

    event = next(iter(client.events.list(event="template.paused")))
    assert isinstance(event, TemplatePausedEvent)
    assert event.data.status == "paused"
    assert event.data.name == TEMPLATE

    client.test_helpers.clock.advance(seconds=3 * 3600 - 1)
    assert client.templates.retrieve(TEMPLATE).status == "paused"
    client.test_helpers.clock.advance(seconds=1)
    assert client.templates.retrieve(TEMPLATE).status == "approved"
    assert event_types(client) == ["template.approved", "template.paused"]
    send(client)


def test_approving_ends_a_pause_early_and_its_timer_with_it(client: CCX) -> None:
    client.test_helpers.templates.pause(TEMPLATE)
    assert client.test_helpers.templates.approve(TEMPLATE).status == "approved"
    client.test_helpers.clock.advance(seconds=4 * 3600)
    # One approval, not a second one when the cancelled pause would have ended.
    assert event_types(client) == ["template.approved", "template.paused"]


def test_only_approved_templates_pause(client: CCX) -> None:
    client.templates.create(name="fresh", language="en", category="utility", body="Hi {{1}}")
    with pytest.raises(ConflictError) as refused:
        client.test_helpers.templates.pause("fresh")
    assert refused.value.code == "template_not_approved"
    assert refused.value.param == "name"


def test_sync_brings_in_what_the_carrier_changed_without_telling(client: CCX) -> None:
    client.templates.create(name="fresh", language="en", category="utility", body="Hi {{1}}")
    client.test_helpers.templates.set_carrier_status("fresh", status="approved")
    client.test_helpers.templates.set_carrier_status(TEMPLATE, status="paused")
    # CCX does not know yet: statuses, sends and events are unchanged.
    assert client.templates.retrieve("fresh").status == "pending"
    send(client)
    assert event_types(client) == []

    result = client.templates.sync()
    assert result.checked == len(list(client.templates.list(limit=100)))
    assert sorted((item.name, item.status) for item in result.changed) == [
        ("fresh", "approved"),
        (TEMPLATE, "paused"),
    ]
    assert client.templates.retrieve("fresh").status == "approved"
    assert sorted(event_types(client)) == ["template.approved", "template.paused"]
    # Nothing left to bring in: a second sync changes nothing and emits nothing.
    assert client.templates.sync().changed == []
    assert len(event_types(client)) == 2


def test_sync_can_be_limited_to_some_templates(client: CCX) -> None:
    client.test_helpers.templates.set_carrier_status(TEMPLATE, status="paused")
    client.test_helpers.templates.set_carrier_status("black_friday_2026", status="paused")
    result = client.templates.sync(names=[TEMPLATE])
    assert (result.checked, [item.name for item in result.changed]) == (1, [TEMPLATE])
    assert client.templates.retrieve("black_friday_2026").status == "approved"
    with pytest.raises(NotFoundError) as missing:
        client.templates.sync(names=["black_friday_2026", "no_such_template"])
    assert missing.value.param == "names.1"
    # A refused sync changes nothing, not even the templates before the unknown name.
    assert client.templates.retrieve("black_friday_2026").status == "approved"


def test_sync_carries_the_carriers_rejection_reason(client: CCX) -> None:
    client.templates.create(name="fresh", language="en", category="marketing", body="Buy {{1}}")
    client.test_helpers.templates.set_carrier_status(
        "fresh", status="rejected", reason="Promotional content in a utility slot."
    )
    (changed,) = client.templates.sync().changed
    assert changed.status == "rejected"
    assert changed.rejection_reason == "Promotional content in a utility slot."
    # A reason with another status is accepted and ignored: approval clears the old reason.
    client.test_helpers.templates.set_carrier_status("fresh", status="approved", reason="x")
    (approved,) = client.templates.sync().changed
    assert (approved.status, approved.rejection_reason) == ("approved", None)


def test_the_carrier_helpers_are_sandbox_only_and_sync_needs_templates_manage(
    server: MockServer, client: CCX
) -> None:
    reader = client.tokens.create(scopes=["templates:read"], environment="test", name="reader")
    with server.client(api_key=reader.secret) as limited:
        with pytest.raises(PermissionDeniedError) as refused:
            limited.templates.sync()
        assert refused.value.code == "missing_scope"
    live = client.tokens.create(scopes=["templates:manage"], environment="live", name="live")
    with server.client(api_key=live.secret) as production:
        with pytest.raises(PermissionDeniedError) as refused:
            production.test_helpers.templates.pause(TEMPLATE)
        assert refused.value.code == "sandbox_only"
