"""The cursor paginator every list of the mock shares."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccx.mock._errors import MockAPIError
from ccx.mock._registry import paginate


@dataclass(frozen=True)
class Item:
    id: str


def walk(items: list[Item], limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    query: dict[str, object] = {"limit": limit}
    while True:
        page = paginate(items, query, lambda item: item.id, key=lambda item: item.id)
        pages.append(page["data"])
        assert page["object"] == "list"
        if not page["has_more"]:
            assert page["next_cursor"] is None
            return pages
        assert page["next_cursor"] == page["data"][-1]
        query = {"limit": limit, "starting_after": page["next_cursor"]}


@given(count=st.integers(0, 60), limit=st.integers(1, 100))
def test_pages_cover_every_item_once_in_order(count: int, limit: int) -> None:
    items = [Item(f"itm_{n}") for n in range(count)]
    pages = walk(items, limit)
    assert [item_id for page in pages for item_id in page] == [item.id for item in items]
    assert all(len(page) <= limit for page in pages)
    if count == 0:
        assert pages == [[]]
    else:
        assert all(len(page) == limit for page in pages[:-1])


def test_default_limit_is_twenty() -> None:
    items = [Item(f"itm_{n}") for n in range(25)]
    page = paginate(items, {}, lambda item: item.id, key=lambda item: item.id)
    assert len(page["data"]) == 20
    assert page["has_more"] is True


def test_unknown_cursor_is_a_400() -> None:
    with pytest.raises(MockAPIError) as refused:
        paginate([Item("itm_1")], {"starting_after": "itm_2"}, lambda i: i.id, key=lambda i: i.id)
    assert (refused.value.status, refused.value.code, refused.value.param) == (
        400,
        "invalid_cursor",
        "starting_after",
    )
