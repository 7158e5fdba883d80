"""``SyncAPIResource`` / ``AsyncAPIResource``: the only machinery generated resources call."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

import httpx
from typing_extensions import Self

from ._models import BaseModel
from ._operation import CallOptions, Operation
from ._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from ._parsing import parse_json, parse_page
from ._response import APIResponse, request_id_of
from ._streaming import AsyncStream, Stream
from ._types import Body, Query

if TYPE_CHECKING:
    from ._client import CCX, AsyncCCX

__all__ = ["AsyncAPIResource", "SyncAPIResource"]

T = TypeVar("T")

_STREAM_HEADERS = {"Accept": "text/event-stream", "Cache-Control": "no-store"}


def _result_parser(cast_to: Any, strict: bool) -> Callable[[httpx.Response], Any]:
    if cast_to is None:
        return lambda response: None
    if cast_to is bytes:
        return lambda response: response.content
    return lambda response: parse_json(
        response.content, cast_to, strict=strict, request_id=request_id_of(response)
    )


def _page_query(query: Query | None, cursor: str | None) -> Query | None:
    if cursor is None:
        return query
    return {**(query or {}), "starting_after": cursor}


def _stream_headers(last_event_id: str | None) -> Mapping[str, str]:
    if last_event_id is None:
        return _STREAM_HEADERS
    return {**_STREAM_HEADERS, "Last-Event-ID": last_event_id}


class _Resource:
    _raw_response: bool = False

    def _raw(self) -> Self:
        """A copy whose methods return the ``APIResponse`` instead of the parsed result."""
        raw = copy.copy(self)
        raw._raw_response = True
        return raw


class SyncAPIResource(_Resource):
    """Base of every generated sync resource."""

    def __init__(self, client: CCX) -> None:
        self._client = client

    @overload
    def _call(
        self,
        operation: Operation,
        *,
        cast_to: type[T],
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Body | None = None,
        options: CallOptions,
    ) -> T: ...

    @overload
    def _call(
        self,
        operation: Operation,
        *,
        cast_to: None,
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Body | None = None,
        options: CallOptions,
    ) -> None: ...

    def _call(
        self,
        operation: Operation,
        *,
        cast_to: type[T] | None,
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Body | None = None,
        options: CallOptions,
    ) -> T | None:
        response: APIResponse[T | None] = self._client._request(
            operation,
            parser=_result_parser(cast_to, self._client.strict_response_validation),
            path=path,
            query=query,
            body=body,
            options=options,
        )
        if self._raw_response:
            return response  # type: ignore[return-value]  # typed by to_raw_response_wrapper
        return response.parse()

    def _page(
        self,
        operation: Operation,
        *,
        item: type[T],
        page: type[BaseModel],
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        options: CallOptions,
    ) -> SyncCursorPage[T]:
        """``item`` types the result; ``page`` is the list model each page is read into."""
        strict = self._client.strict_response_validation

        def fetch(cursor: str | None) -> APIResponse[SyncCursorPage[T]]:
            return self._client._request(
                operation,
                parser=lambda response: SyncCursorPage(
                    parse_page(
                        response.content, page, strict=strict, request_id=request_id_of(response)
                    ),
                    next_page,
                ),
                path=path,
                query=_page_query(query, cursor),
                options=options,
            )

        def next_page(cursor: str) -> SyncCursorPage[T]:
            return fetch(cursor).parse()

        first = fetch(None)
        if self._raw_response:
            return first  # type: ignore[return-value]  # typed by to_raw_response_wrapper
        return first.parse()

    def _stream(
        self,
        operation: Operation,
        *,
        event: Any,
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        options: CallOptions,
    ) -> Stream[Any]:
        client = self._client

        def open_stream(last_event_id: str | None) -> APIResponse[Stream[Any]]:
            return client._request(
                operation,
                parser=lambda response: Stream(
                    response,
                    connect=reconnect,
                    parse=parse,
                    sleep=client._sleep,
                    frame_timeout=client._frame_timeout(options),
                ),
                path=path,
                query=query,
                options=options,
                headers=_stream_headers(last_event_id),
                stream=True,
            )

        def reconnect(last_event_id: str | None) -> httpx.Response:
            return open_stream(last_event_id).http_response

        strict = client.strict_response_validation

        def parse(data: str, request_id: str | None) -> Any:
            return parse_json(data, event, strict=strict, request_id=request_id)

        if self._raw_response:
            return open_stream(None)  # type: ignore[return-value]  # typed by to_raw_response_wrapper
        return Stream(
            None,
            connect=reconnect,
            parse=parse,
            sleep=client._sleep,
            frame_timeout=client._frame_timeout(options),
        )


class AsyncAPIResource(_Resource):
    """Base of every generated async resource."""

    def __init__(self, client: AsyncCCX) -> None:
        self._client = client

    @overload
    async def _call(
        self,
        operation: Operation,
        *,
        cast_to: type[T],
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Body | None = None,
        options: CallOptions,
    ) -> T: ...

    @overload
    async def _call(
        self,
        operation: Operation,
        *,
        cast_to: None,
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Body | None = None,
        options: CallOptions,
    ) -> None: ...

    async def _call(
        self,
        operation: Operation,
        *,
        cast_to: type[T] | None,
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        body: Body | None = None,
        options: CallOptions,
    ) -> T | None:
        response: APIResponse[T | None] = await self._client._request(
            operation,
            parser=_result_parser(cast_to, self._client.strict_response_validation),
            path=path,
            query=query,
            body=body,
            options=options,
        )
        if self._raw_response:
            return response  # type: ignore[return-value]  # typed by async_to_raw_response_wrapper
        return response.parse()

    def _page(
        self,
        operation: Operation,
        *,
        item: type[T],
        page: type[BaseModel],
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        options: CallOptions,
    ) -> AsyncPaginator[T]:
        """``item`` types the result; ``page`` is the list model each page is read into."""
        strict = self._client.strict_response_validation

        async def fetch(cursor: str | None) -> APIResponse[AsyncCursorPage[T]]:
            return await self._client._request(
                operation,
                parser=lambda response: AsyncCursorPage(
                    parse_page(
                        response.content, page, strict=strict, request_id=request_id_of(response)
                    ),
                    next_page,
                ),
                path=path,
                query=_page_query(query, cursor),
                options=options,
            )

        async def next_page(cursor: str) -> AsyncCursorPage[T]:
            return (await fetch(cursor)).parse()

        async def first_page() -> AsyncCursorPage[T]:
            first = await fetch(None)
            if self._raw_response:
                return first  # type: ignore[return-value]  # typed by async_paginator_raw_wrapper
            return first.parse()

        return AsyncPaginator(first_page)

    def _stream(
        self,
        operation: Operation,
        *,
        event: Any,
        path: Mapping[str, object] | None = None,
        query: Query | None = None,
        options: CallOptions,
    ) -> AsyncStream[Any]:
        client = self._client

        async def open_stream(last_event_id: str | None) -> APIResponse[AsyncStream[Any]]:
            return await client._request(
                operation,
                parser=lambda response: AsyncStream(
                    response,
                    connect=reconnect,
                    parse=parse,
                    sleep=client._sleep,
                    frame_timeout=client._frame_timeout(options),
                ),
                path=path,
                query=query,
                options=options,
                headers=_stream_headers(last_event_id),
                stream=True,
            )

        async def reconnect(last_event_id: str | None) -> httpx.Response:
            return (await open_stream(last_event_id)).http_response

        strict = client.strict_response_validation

        def parse(data: str, request_id: str | None) -> Any:
            return parse_json(data, event, strict=strict, request_id=request_id)

        if self._raw_response:
            return open_stream(None)  # type: ignore[return-value]  # typed by async_stream_raw_wrapper
        return AsyncStream(
            None,
            connect=reconnect,
            parse=parse,
            sleep=client._sleep,
            frame_timeout=client._frame_timeout(options),
        )
