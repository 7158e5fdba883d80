"""Cursor pagination over a socket: pages on demand, every item exactly once."""

from __future__ import annotations

import pytest

from ccx._pagination import AsyncCursorPage, SyncCursorPage

from ._resources import AsyncMessages, Message, Messages
from ._server import Reply, ScriptedServer, Seen

PAGES = {
    None: (["msg_1", "msg_2"], "msg_2"),
    "msg_2": (["msg_3", "msg_4"], "msg_4"),
    "msg_4": (["msg_5"], None),
}


def page(request: Seen) -> Reply:
    ids, cursor = PAGES[request.query.get("starting_after")]
    return Reply(
        json={
            "data": [{"id": id, "status": "sent"} for id in ids],
            "has_more": cursor is not None,
            "next_cursor": cursor,
        }
    )


@pytest.fixture
def three_pages(server: ScriptedServer) -> ScriptedServer:
    server.script("GET", "/v1/messages", page, page, page)
    return server


def test_first_page(three_pages: ScriptedServer, messages: Messages) -> None:
    first = messages.list(limit=2)

    assert isinstance(first, SyncCursorPage)
    assert [m.id for m in first.data] == ["msg_1", "msg_2"]
    assert (first.has_more, first.next_cursor) == (True, "msg_2")
    assert all(isinstance(m, Message) for m in first.data)
    assert three_pages.seen("GET", "/v1/messages")[0].query == {"limit": "2"}


def test_next_page_follows_the_cursor(three_pages: ScriptedServer, messages: Messages) -> None:
    second = messages.list(limit=2).next_page()

    assert second is not None
    assert [m.id for m in second.data] == ["msg_3", "msg_4"]
    assert three_pages.seen("GET", "/v1/messages")[1].query == {
        "limit": "2",
        "starting_after": "msg_2",
    }


def test_iterating_walks_every_page_lazily(three_pages: ScriptedServer, messages: Messages) -> None:
    items = iter(messages.list(limit=2))

    assert [next(items).id for _ in range(2)] == ["msg_1", "msg_2"]
    assert len(three_pages.seen("GET", "/v1/messages")) == 1
    assert [m.id for m in items] == ["msg_3", "msg_4", "msg_5"]
    assert len(three_pages.seen("GET", "/v1/messages")) == 3


def test_the_last_page_has_no_next(server: ScriptedServer, messages: Messages) -> None:
    server.script("GET", "/v1/messages", Reply(json={"data": [], "has_more": False}))

    last = messages.list()

    assert last.next_page() is None
    assert list(last) == []
    assert server.seen("GET", "/v1/messages")[0].query == {}


def test_raw_page(three_pages: ScriptedServer, messages: Messages) -> None:
    raw = messages.with_raw_response.list(limit=2)

    assert raw.status_code == 200
    assert [m.id for m in raw.parse()] == ["msg_1", "msg_2", "msg_3", "msg_4", "msg_5"]


async def test_async_paginator_awaits_the_first_page(
    three_pages: ScriptedServer, async_messages: AsyncMessages
) -> None:
    first = await async_messages.list(limit=2)

    assert isinstance(first, AsyncCursorPage)
    assert [m.id for m in first.data] == ["msg_1", "msg_2"]
    second = await first.next_page()
    assert second is not None
    assert [m.id for m in second.data] == ["msg_3", "msg_4"]


async def test_async_for_walks_every_item(
    three_pages: ScriptedServer, async_messages: AsyncMessages
) -> None:
    ids = [message.id async for message in async_messages.list(limit=2)]

    assert ids == ["msg_1", "msg_2", "msg_3", "msg_4", "msg_5"]
    assert [r.query.get("starting_after") for r in three_pages.seen("GET", "/v1/messages")] == [
        None,
        "msg_2",
        "msg_4",
    ]


async def test_async_raw_page(three_pages: ScriptedServer, async_messages: AsyncMessages) -> None:
    raw = await async_messages.with_raw_response.list(limit=2)

    assert [m.id for m in raw.parse().data] == ["msg_1", "msg_2"]
