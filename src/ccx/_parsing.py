"""Reading response bodies into models: the part of a call that needs pydantic.

Resources load it with their types; ``ccx._client`` does not, so creating a client loads no
pydantic.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, cast, get_args, get_origin

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

__all__ = ["parse_json", "parse_page"]


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
