"""Raw responses (``APIResponse``) and parsing response bodies into models."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar, cast, get_args, get_origin

import httpx
from typing_extensions import ParamSpec, override

from ._exceptions import ResponseValidationError
from ._lenient import Unreadable, is_model_class, read_json
from ._models import (
    BaseModel,
    EventModel,
    RawDocument,
    UnknownVariant,
    keep_raw,
    keep_request_id,
)
from ._ratelimit import RateLimit

if TYPE_CHECKING:
    from ._pagination import AsyncCursorPage, AsyncPaginator
    from ._streaming import AsyncStream

__all__ = [
    "APIResponse",
    "async_paginator_raw_wrapper",
    "async_stream_raw_wrapper",
    "async_to_raw_response_wrapper",
    "parse_json",
    "parse_page",
    "request_id_of",
    "to_raw_response_wrapper",
]

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")

_UNSET: Any = object()


def request_id_of(response: httpx.Response) -> str | None:
    request_id: str | None = response.headers.get("x-request-id")
    return request_id


def parse_json(
    content: bytes | str, cast_to: Any, *, strict: bool, request_id: str | None = None
) -> Any:
    """Reads a response body into ``cast_to`` (see ``ccx._lenient``), keeping events' raw JSON
    and the response's ``request_id``."""
    try:
        value = read_json(content, cast_to, strict=strict)
    except Unreadable as unreadable:
        name: str | None = getattr(cast_to, "__name__", None)
        advice = (
            "If the API is newer than this SDK, upgrade ccx-sdk, or read it leniently "
            "(strict_response_validation=False)"
            if unreadable.breaks_schema
            else "This is not a response of the CCX API"
        )
        raise ResponseValidationError(
            f"The response is not {f'a valid {name}' if name else 'valid'}: "
            f"{unreadable.reason}. {advice}."
        ) from None
    if isinstance(value, BaseModel):
        keep_request_id(value, request_id)
        if isinstance(value, EventModel):
            keep_raw(value, RawDocument(content))
    return value


def parse_page(
    content: bytes | str, page: type[BaseModel], *, strict: bool, request_id: str | None = None
) -> Any:
    """Reads one page of a list; each item keeps the request id, and events their raw JSON."""
    body = parse_json(content, page, strict=strict, request_id=request_id)
    items: Any = body.data
    if isinstance(items, list):
        document = RawDocument(content) if _holds_events(page) else None
        for index, item in enumerate(cast("list[object]", items)):
            if isinstance(item, BaseModel):
                keep_request_id(item, request_id)
                if document is not None and isinstance(item, EventModel):
                    keep_raw(item, document, ("data", index))
    return body


@functools.lru_cache(maxsize=64)
def _holds_events(page: type[BaseModel]) -> bool:
    items = page.model_fields["data"].annotation
    return any(
        is_model_class(member) and issubclass(member, EventModel) for member in _members(items)
    )


def _members(type_: Any) -> list[Any]:
    """Every type ``type_`` is made of, through lists, unions and ``Annotated``."""
    arguments = get_args(type_)
    if get_origin(type_) is Annotated:
        metadata = [item.model for item in arguments[1:] if isinstance(item, UnknownVariant)]
        return _members(arguments[0]) + metadata
    if not arguments:
        return [type_]
    return [member for argument in arguments for member in _members(argument)]


class APIResponse(Generic[T]):
    """A response as received, with its metadata; ``parse()`` gives the typed body."""

    def __init__(
        self,
        http_response: httpx.Response,
        *,
        parser: Callable[[httpx.Response], T],
        rate_limit: RateLimit | None,
        retries_taken: int,
    ) -> None:
        self.http_response = http_response
        self.rate_limit = rate_limit
        self.retries_taken = retries_taken
        self._parser = parser
        self._parsed: T = _UNSET

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.http_response)

    @property
    def idempotent_replayed(self) -> bool:
        """True when the server answered from its idempotency cache instead of acting again."""
        replayed: str = self.http_response.headers.get("idempotent-replayed", "")
        return replayed.lower() == "true"

    def parse(self) -> T:
        """The body as its declared type; parsed once, then cached."""
        if self._parsed is _UNSET:
            self._parsed = self._parser(self.http_response)
        return self._parsed

    @override
    def __repr__(self) -> str:
        return (
            f"<APIResponse [{self.status_code}] request_id={self.request_id!r} "
            f"retries_taken={self.retries_taken}>"
        )


def to_raw_response_wrapper(function: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    """Types a method of a raw resource (see ``_raw()``), which returns ``APIResponse``."""
    return cast("Callable[P, APIResponse[R]]", function)


def async_to_raw_response_wrapper(
    function: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[APIResponse[R]]]:
    """The async twin of ``to_raw_response_wrapper``."""
    return cast("Callable[P, Awaitable[APIResponse[R]]]", function)


def async_paginator_raw_wrapper(
    function: Callable[P, AsyncPaginator[T]],
) -> Callable[P, Awaitable[APIResponse[AsyncCursorPage[T]]]]:
    """Types an async raw ``list``: awaiting it gives the first page's ``APIResponse``."""
    return cast("Callable[P, Awaitable[APIResponse[AsyncCursorPage[T]]]]", function)


def async_stream_raw_wrapper(
    function: Callable[P, AsyncStream[T]],
) -> Callable[P, Awaitable[APIResponse[AsyncStream[T]]]]:
    """Types an async raw stream: awaiting it connects and gives the ``APIResponse``."""
    return cast("Callable[P, Awaitable[APIResponse[AsyncStream[T]]]]", function)
