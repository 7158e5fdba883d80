"""The inbox in a real headless browser: Debian's chromium, driven by Playwright.

``playwright install`` downloads browsers from a CDN, so these tests use the system's chromium
instead (``make system-tools`` installs it). Without it they skip, saying so, on a developer's
machine; in CI (``CI`` or ``CCX_REQUIRE_BROWSER`` set, as ``.ci/run`` does) they fail instead,
so a machine without the browser can never pass them silently.

``CCX_INBOX_SCREENSHOTS=<directory>`` (``make inbox-screenshots``) writes the documentation's
screenshots; ordinary runs take none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ccx.mock import FrozenClock, MockServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = os.environ.get("CCX_INBOX_SCREENSHOTS")
LAPTOP: ViewportSize = {"width": 1200, "height": 760}
PHONE: ViewportSize = {"width": 390, "height": 780}

playwright_api = pytest.importorskip("playwright.sync_api", reason="needs the test group")


def _browser_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("CCX_REQUIRE_BROWSER"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped: Playwright's sync API runs an event loop on this thread while it is
    started, so it must stop before the suite's asyncio tests run."""
    if not Path(CHROMIUM).exists():
        reason = (
            f"the inbox's browser tests need Debian's chromium at {CHROMIUM}: make system-tools"
        )
        if _browser_required():
            pytest.fail(reason)
        pytest.skip(reason)
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(clock=FrozenClock("2026-11-20T09:00:00Z")) as server:
        yield server


@pytest.fixture
def page(browser: Browser, mock: MockServer) -> Iterator[Page]:
    """A laptop-sized page logged in to the demo workspace's inbox."""
    context = browser.new_context(viewport=LAPTOP, reduced_motion="reduce", locale="en-US")
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    opened.goto(f"{mock.url}/inbox/?token={mock.token}")
    playwright_api.expect(opened.locator("#live-status")).to_have_text("updating live")
    yield opened
    context.close()


# Ids and signatures are random (and signatures carry the wall time): the screenshots show
# stable stand-ins, numbered in order of appearance, so they do not change on every run.
_STABILIZE = """
() => {
  const ids = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const pattern = /\\b(msg|evt|req|whe|brd|cnv|tpl)_[A-Za-z0-9]{6,}/g;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    node.nodeValue = node.nodeValue.replace(pattern, (id, prefix) => {
      if (!ids.has(id)) ids.set(id, prefix + "_" + String(ids.size + 1).padStart(16, "0"));
      return ids.get(id);
    });
  }
  document.querySelectorAll(".signature code").forEach((code) => {
    code.textContent = "t=1795683600,v1=5e2a…";
  });
  document.querySelectorAll("[id^=title-] code, .endpoint h2 code").forEach((code) => {
    code.textContent = code.textContent.replace(/:\\d+\\//, ":8000/");
  });
  document.getElementById("toast").hidden = true;
  if (document.activeElement) document.activeElement.blur();
}
"""


def screenshot(page: Page, name: str) -> None:
    """Save the page as ``<name>.png`` for the docs, when screenshots were asked for."""
    if not SCREENSHOTS:
        return
    # Let the last live refresh land (the clock is frozen: nothing else is on its way), so the
    # stand-ins below are not swapped out again before the picture is taken.
    page.wait_for_timeout(800)
    page.evaluate(_STABILIZE)
    directory = Path(SCREENSHOTS)
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=directory / f"{name}.png", animations="disabled", caret="hide")
