"""The inbox end to end: the SDK acts, the page shows it live; the page acts, the SDK sees it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ccx.mock import MockServer
from ccx.testing import WebhookReceiver
from ccx.types import TemplateInputParam

from .conftest import PHONE, playwright_api, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

expect = playwright_api.expect

# Playwright's sync API keeps its event loop running on the test's thread, so the SDK's sync
# calls here (made between page actions, while the page waits on nothing) trip the warning meant
# for blocking calls inside async code.
pytestmark = pytest.mark.filterwarnings("ignore::ccx.BlockingCallWarning")

ORDER: TemplateInputParam = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Ana", "2": "#4821", "3": "R$ 129,90"},
}


def _open_conversation(page: Page, contact: str) -> None:
    page.get_by_role("link", name=contact).first.click()
    expect(page.get_by_role("heading", level=2, name=contact)).to_be_visible()


def test_a_sent_message_appears_and_its_ticks_move_without_a_reload(
    page: Page, mock: MockServer
) -> None:
    client = mock.client()
    message = client.messages.send(to="+15550000001", channel="whatsapp", template=ORDER)
    conversation = page.get_by_role("link", name="+15550000001")
    expect(conversation).to_be_visible()  # arrived live: the page was open before the send
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    _open_conversation(page, "+15550000001")
    page.evaluate("window.loadedOnce = true")
    bubble = page.locator(f"#{message.id}")
    expect(bubble).to_contain_text(
        "Olá Ana, seu pedido #4821 no valor de R$ 129,90 foi confirmado."
    )
    expect(bubble).to_have_attribute("data-status", "sent")

    mock.advance(1)
    expect(bubble).to_have_attribute("data-status", "delivered")
    expect(bubble.get_by_label("status: delivered")).to_have_text("✓✓")
    mock.advance(2)
    expect(bubble).to_have_attribute("data-status", "read")
    assert page.evaluate("window.loadedOnce") is True

    bubble.get_by_text("Details").click()
    details = bubble.locator("dl")
    expect(details).to_contain_text("utility · BRL 0.16")
    expect(details).to_contain_text(message.trace_id or "")
    expect(details).to_contain_text("req_")

    failed = client.messages.send(to="+15550000002", channel="whatsapp", template=ORDER)
    mock.advance(1)
    page.get_by_role("link", name="+15550000002").click()
    expect(page.locator(f"#{failed.id}")).to_contain_text("(upstream 131026)")
    expect(page.locator(f"#{failed.id}")).to_have_attribute("data-status", "failed")


def test_a_typed_reply_reaches_the_webhook_receiver_as_message_reply(
    page: Page, mock: MockServer
) -> None:
    client = mock.client()
    with WebhookReceiver(mock=mock) as receiver:
        receiver.register(client, events=["message.reply"])
        client.messages.send(to="+15550000001", channel="whatsapp", template=ORDER)
        mock.advance(3)
        _open_conversation(page, "+15550000001")
        box = page.get_by_label("Text", exact=True)
        box.fill("Can I change the delivery address?")
        box.press("Enter")
        event = receiver.wait_for("message.reply")
    assert event.data.text == "Can I change the delivery address?"
    assert getattr(event.data, "from_", None) == "+15550000001"
    expect(page.locator(".bubble.inbound")).to_contain_text("Can I change the delivery address?")
    expect(box).to_have_value("")  # ready for the next one
    window = client.conversations.retrieve(event.data.conversation_id or "")
    assert window.status == "open"
    screenshot(page, "inbox-conversation")


def test_tapping_an_interactive_button_sends_a_button_reply(page: Page, mock: MockServer) -> None:
    client = mock.client()
    client.test_helpers.messages.simulate_inbound(
        from_="+5511988887777", channel="whatsapp", text="Is my order on its way?"
    )
    question = client.messages.send(
        to="+5511988887777",
        channel="whatsapp",
        interactive={
            "body": "It ships today. Want tracking updates?",
            "buttons": [
                {"id": "track_yes", "title": "Yes please"},
                {"id": "track_no", "title": "No"},
            ],
        },
    )
    with WebhookReceiver(mock=mock) as receiver:
        receiver.register(client, events=["message.reply"])
        _open_conversation(page, "+5511988887777")
        page.get_by_role("button", name="Tap Yes please as +5511988887777").click()
        event = receiver.wait_for("message.reply")
    assert event.data.button is not None
    assert (event.data.button.id, event.data.button.title) == ("track_yes", "Yes please")
    assert event.data.button.message_id == question.id


def test_a_failed_delivery_is_redelivered_from_the_page(page: Page, mock: MockServer) -> None:
    client = mock.client()
    with WebhookReceiver(mock=mock) as receiver:
        endpoint = receiver.register(client, events=["message.sent"])
        receiver.script["message.sent"] = [500]
        message = client.messages.send(to="+15550000004", channel="whatsapp", template=ORDER)
        page.get_by_role("link", name="Webhooks").click()
        delivery = page.locator(".delivery", has_text="message.sent")
        expect(delivery.locator("tr.failed .code")).to_have_text("500")
        expect(delivery).to_have_class("delivery failing")
        expect(delivery.locator(".signature code")).to_contain_text("v1=")
        delivery.get_by_role("button", name="Redeliver").click()
        expect(delivery.locator("tbody tr")).to_have_count(2)  # without moving the clock
        expect(delivery.locator("tbody tr").nth(1).locator(".code")).to_have_text("200")
        expect(delivery).to_have_class("delivery ok")
        assert [item.message_id for item in receiver.acknowledged()] == [message.id]
    attempts = [attempt for attempt in mock.deliveries if attempt.endpoint_id == endpoint.id]
    assert [attempt.status for attempt in attempts] == [500, 200]
    screenshot(page, "inbox-webhooks")


def test_a_broadcast_bar_fills_live_and_the_buttons_drive_it(page: Page, mock: MockServer) -> None:
    client = mock.client()
    page.get_by_role("link", name="Broadcasts").click()
    broadcast = client.broadcasts.create(
        name="Black Friday 2026",
        template="black_friday_2026",
        language="pt_BR",
        segment_id="seg_ZZ11",
        rate_limit_per_minute=6000,
    )
    card = page.locator(f'[data-broadcast="{broadcast.id}"]')
    bar = card.get_by_role("progressbar")
    expect(card).to_be_visible()
    card.get_by_role("button", name="Pause").click()
    expect(card.locator('[data-field="status"]')).to_have_text("paused")
    assert client.broadcasts.retrieve(broadcast.id).status == "paused"
    card.get_by_role("button", name="Resume").click()
    expect(card.locator('[data-field="status"]')).to_have_text("running")

    mock.advance(4)
    expect(bar).not_to_have_attribute("value", "0")
    partway = int(bar.get_attribute("value") or "0")
    assert 0 < partway < 100
    screenshot(page, "inbox-broadcast")
    mock.advance(600)
    expect(bar).to_have_attribute("value", "100")
    expect(card.locator('[data-field="status"]')).to_have_text("completed")
    expect(card.get_by_role("button", name="Cancel")).to_be_disabled()


def test_a_pending_template_is_approved_from_the_page(page: Page, mock: MockServer) -> None:
    client = mock.client()
    page.get_by_role("link", name="Templates").click()
    client.templates.create(
        name="delivery_update",
        language="en",
        category="utility",
        body="Hi {{1}}, your order {{2}} is out for delivery.",
    )
    row = page.locator('[data-template="delivery_update"]')
    expect(row.locator('[data-field="status"]')).to_have_text("pending")
    screenshot(page, "inbox-templates")
    row.get_by_role("button", name="Approve delivery_update").click()
    expect(row.locator('[data-field="status"]')).to_have_text("approved")
    assert client.templates.retrieve("delivery_update").status == "approved"
    client.messages.send(
        to="+15550000001",
        channel="whatsapp",
        template={
            "name": "delivery_update",
            "language": "en",
            "variables": {"1": "Ana", "2": "#1"},
        },
    )


def test_the_clock_advances_from_the_page(page: Page, mock: MockServer) -> None:
    page.get_by_label("Advance by (seconds)").fill("3600")
    page.get_by_role("button", name="Advance").click()
    expect(page.locator("#clock-now")).to_have_text("2026-11-20T10:00:00Z")
    assert mock.client().test_helpers.clock.retrieve().now.isoformat().startswith("2026-11-20T10")


def test_controls_are_labelled_and_the_reply_box_is_reachable_by_keyboard(
    page: Page, mock: MockServer
) -> None:
    client = mock.client()
    client.test_helpers.messages.simulate_inbound(
        from_="+5511977776666", channel="whatsapp", text="Hello?"
    )
    pages = ["conversations", "webhooks", "broadcasts", "templates"]
    for section in pages:
        page.goto(f"{mock.url}/inbox/{section}")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.locator("h1").count() == 1
        expect(page.get_by_role("main")).to_be_visible()
        expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
        assert _unlabelled_controls(page) == []
    page.goto(f"{mock.url}/inbox/conversations")
    _open_conversation(page, "+5511977776666")
    assert _unlabelled_controls(page) == []

    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.getAttribute('name') || ''"))
        if reached[-1] == "text":
            break
    assert reached[-1] == "text", f"Tab never reached the reply box; it went through {reached}"
    page.keyboard.type("Typed with the keyboard only")
    page.keyboard.press("Enter")
    expect(page.locator(".bubble.inbound").last).to_contain_text("Typed with the keyboard only")
    expect(page.get_by_role("status").last).to_have_text("Done.")


def _unlabelled_controls(page: Page) -> list[str]:
    """Form controls with no accessible name (no label, no aria-label, no text)."""
    found: list[Any] = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'input:not([type=hidden]), select, textarea, button'))
            .filter((control) => !(control.labels && control.labels.length)
              && !control.getAttribute('aria-label') && !control.textContent.trim())
            .map((control) => control.outerHTML.slice(0, 120))"""
    )
    return [str(item) for item in found]


def test_on_a_phone_the_thread_fits_the_screen(browser: Browser, mock: MockServer) -> None:
    client = mock.client()
    client.test_helpers.messages.simulate_inbound(
        from_="+5511966665555", channel="whatsapp", text="Oi! Vocês entregam no sábado?"
    )
    client.messages.send(to="+5511966665555", channel="whatsapp", text="Entregamos, sim!")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(f"{mock.url}/inbox/?token={mock.token}")
    _open_conversation(phone, "+5511966665555")
    expect(phone.get_by_role("link", name="← Conversations")).to_be_visible()
    expect(phone.get_by_label("Text", exact=True)).to_be_visible()
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways ({width} px wide)"
    screenshot(phone, "inbox-phone")
    context.close()


@pytest.mark.parametrize("secret", ["ccx_test_not_a_real_token", ""])
def test_a_bad_token_gets_the_form_with_the_reason(
    browser: Browser, mock: MockServer, secret: str
) -> None:
    context = browser.new_context(viewport={"width": 900, "height": 700})
    login = context.new_page()
    login.goto(f"{mock.url}/inbox/conversations")
    expect(login.get_by_role("heading", name="Log in to the inbox")).to_be_visible()
    login.get_by_label("Sandbox API token").fill(secret or " ")
    login.get_by_role("button", name="Log in").click()
    expect(login.get_by_role("alert")).to_contain_text("not valid")
    login.get_by_label("Sandbox API token").fill(mock.token)
    login.get_by_role("button", name="Log in").click()
    expect(login.get_by_role("heading", name="Conversations")).to_be_visible()
    context.close()
