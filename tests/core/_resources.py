"""Resources written exactly as the generator writes them, over the same interface.

They let the core tests exercise ``_call``/``_page``/``_stream`` independently of the spec.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import Field

from ccx._models import BaseModel
from ccx._operation import CallOptions, Operation
from ccx._pagination import AsyncPaginator, SyncCursorPage
from ccx._resource import AsyncAPIResource, SyncAPIResource
from ccx._response import (
    async_paginator_raw_wrapper,
    async_stream_raw_wrapper,
    async_to_raw_response_wrapper,
    to_raw_response_wrapper,
)
from ccx._streaming import AsyncStream, Stream
from ccx._types import NOT_GIVEN, NotGiven, Timeout

SEND = Operation("messages.send", "POST", "/v1/messages", idempotency="body")
RETRIEVE = Operation("messages.retrieve", "GET", "/v1/messages/{id}")
LIST = Operation("messages.list", "GET", "/v1/messages")
CANCEL = Operation("messages.cancel", "POST", "/v1/messages/{id}/cancel", idempotency="header")
EVENTS = Operation("broadcasts.events", "GET", "/v1/broadcasts/{id}/events")


class Message(BaseModel):
    id: str
    status: str


class MessageList(BaseModel):
    data: list[Message]
    has_more: bool = False
    next_cursor: str | None = None


class Progress(BaseModel):
    event: Literal["broadcast.progress"]
    sent: int


class Completed(BaseModel):
    event: Literal["broadcast.completed"]
    sent: int


BroadcastEvent = Annotated[Progress | Completed, Field(discriminator="event")]


def options(**given: Any) -> CallOptions:
    return CallOptions(**given)


class Messages(SyncAPIResource):
    @cached_property
    def with_raw_response(self) -> MessagesWithRawResponse:
        return MessagesWithRawResponse(self)

    def send(
        self,
        *,
        to: str,
        text: str | NotGiven = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        call_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> Message:
        return self._call(
            SEND,
            cast_to=Message,
            body={"to": to, "text": text},
            options=CallOptions(
                idempotency_key=idempotency_key,
                timeout=timeout,
                max_retries=max_retries,
                call_timeout=call_timeout,
            ),
        )

    def retrieve(self, id: str, *, max_retries: int | NotGiven = NOT_GIVEN) -> Message:
        return self._call(
            RETRIEVE, cast_to=Message, path={"id": id}, options=CallOptions(max_retries=max_retries)
        )

    def cancel(self, id: str) -> None:
        self._call(CANCEL, cast_to=None, path={"id": id}, options=CallOptions())

    def list(self, *, limit: int | NotGiven = NOT_GIVEN) -> SyncCursorPage[Message]:
        return self._page(
            LIST, item=Message, page=MessageList, query={"limit": limit}, options=CallOptions()
        )

    def events(self, id: str) -> Stream[BroadcastEvent]:
        return self._stream(EVENTS, event=BroadcastEvent, path={"id": id}, options=CallOptions())


class MessagesWithRawResponse:
    def __init__(self, messages: Messages) -> None:
        raw = messages._raw()
        self.send = to_raw_response_wrapper(raw.send)
        self.list = to_raw_response_wrapper(raw.list)
        self.events = to_raw_response_wrapper(raw.events)


class AsyncMessages(AsyncAPIResource):
    @cached_property
    def with_raw_response(self) -> AsyncMessagesWithRawResponse:
        return AsyncMessagesWithRawResponse(self)

    async def send(
        self,
        *,
        to: str,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> Message:
        return await self._call(
            SEND,
            cast_to=Message,
            body={"to": to},
            options=CallOptions(idempotency_key=idempotency_key, max_retries=max_retries),
        )

    def list(self, *, limit: int | NotGiven = NOT_GIVEN) -> AsyncPaginator[Message]:
        return self._page(
            LIST, item=Message, page=MessageList, query={"limit": limit}, options=CallOptions()
        )

    def events(self, id: str) -> AsyncStream[BroadcastEvent]:
        return self._stream(EVENTS, event=BroadcastEvent, path={"id": id}, options=CallOptions())


class AsyncMessagesWithRawResponse:
    def __init__(self, messages: AsyncMessages) -> None:
        raw = messages._raw()
        self.send = async_to_raw_response_wrapper(raw.send)
        self.list = async_paginator_raw_wrapper(raw.list)
        self.events = async_stream_raw_wrapper(raw.events)
