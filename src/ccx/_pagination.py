"""Cursor pages: ``?limit=&starting_after=`` requests, ``{data, has_more, next_cursor}`` bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, Protocol, TypeVar

from typing_extensions import override

__all__ = ["AsyncCursorPage", "AsyncPaginator", "PageBody", "SyncCursorPage"]

T = TypeVar("T")


class PageBody(Protocol[T]):
    """One page as read: the spec's list model (``MessageList``…) of the operation."""

    @property
    def data(self) -> list[T]: ...

    @property
    def has_more(self) -> bool: ...

    @property
    def next_cursor(self) -> str | None: ...

    @property
    def x_request_id(self) -> str | None: ...


class _Page(Generic[T]):
    def __init__(self, body: PageBody[T]) -> None:
        # A page read leniently may lack a field or hold another type: it then ends the list
        # rather than failing it.
        data: object = body.data
        cursor: object = body.next_cursor
        self.data: list[T] = body.data if isinstance(data, list) else []
        self.has_more = body.has_more is True
        self.next_cursor = cursor if isinstance(cursor, str) else None
        self.x_request_id = body.x_request_id
        """The ``X-Request-Id`` of the response this page was read from (each item has it too)."""

    def has_next_page(self) -> bool:
        return self.has_more and self.next_cursor is not None

    @override
    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(data=<{len(self.data)} items>, has_more={self.has_more}, "
            f"next_cursor={self.next_cursor!r})"
        )


class SyncCursorPage(_Page[T]):
    """One page of a list; iterating it walks every item of this and the following pages."""

    def __init__(self, body: PageBody[T], fetch: Callable[[str], SyncCursorPage[T]]) -> None:
        super().__init__(body)
        self._fetch = fetch

    def next_page(self) -> SyncCursorPage[T] | None:
        """The following page, or ``None`` after the last one."""
        if self.next_cursor is None or not self.has_more:
            return None
        return self._fetch(self.next_cursor)

    def iter_pages(self) -> Iterator[SyncCursorPage[T]]:
        page: SyncCursorPage[T] | None = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data


class AsyncCursorPage(_Page[T]):
    """One page of a list; ``async for`` walks every item of this and the following pages."""

    def __init__(
        self, body: PageBody[T], fetch: Callable[[str], Awaitable[AsyncCursorPage[T]]]
    ) -> None:
        super().__init__(body)
        self._fetch = fetch

    async def next_page(self) -> AsyncCursorPage[T] | None:
        """The following page, or ``None`` after the last one."""
        if self.next_cursor is None or not self.has_more:
            return None
        return await self._fetch(self.next_cursor)

    async def iter_pages(self) -> AsyncIterator[AsyncCursorPage[T]]:
        page: AsyncCursorPage[T] | None = self
        while page is not None:
            yield page
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item


class AsyncPaginator(Generic[T]):
    """What an async ``list`` returns: await it for the first page, or ``async for`` items."""

    def __init__(self, first_page: Callable[[], Awaitable[AsyncCursorPage[T]]]) -> None:
        self._first_page = first_page

    def __await__(self) -> Generator[Any, None, AsyncCursorPage[T]]:
        return self._first_page().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first_page()
        async for item in page:
            yield item
