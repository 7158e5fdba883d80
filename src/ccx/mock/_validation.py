"""Turning raw request bytes into validated data, or into a 4xx that says how to fix it.

The schemas come from the generated route table's pydantic models: this module only parses
JSON defensively (size, encoding, depth) and translates pydantic's errors into the API's
error envelope with ``param`` set to the offending field's dotted path. A value that does not
match a ``pattern`` is described in the words the spec gives beside it (``x-ccx-expected``),
never by the regular expression.
"""

from __future__ import annotations

import functools
import json
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, cast

import pydantic
from pydantic_core import ErrorDetails

from ._errors import MockAPIError, not_found
from ._schedule import RFC3339

__all__ = [
    "check_path_params",
    "parse_json_body",
    "too_large",
    "validate_model",
]

Location = Literal["body", "query"]

_SAFE_PATH_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_JSON_MEDIA_TYPE = "application/json"
# A \uD800-\uDFFF escape. json.loads joins a valid pair into one character but keeps a lone half
# as a surrogate, which no UTF-8 response can carry: such text is refused when it comes in.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def too_large(limit: int) -> MockAPIError:
    return MockAPIError(
        413,
        "invalid_request_error",
        "body_too_large",
        f"The request body exceeds {limit} bytes; send less data per request.",
    )


def _invalid_body(code: str, message: str, param: str | None = None) -> MockAPIError:
    return MockAPIError(400, "invalid_request_error", code, message, param=param)


def _printable(text: str) -> str:
    """``text`` with any lone surrogate written as its escape, so a message can carry it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _lone_surrogate(value: Any) -> str | None:
    """The dotted path of the first key or string holding a lone surrogate, if any."""
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        current, where = pending.pop()
        if isinstance(current, str):
            if _SURROGATE.search(current):
                return where or "body"
        elif isinstance(current, dict):
            for key, item in cast("dict[str, Any]", current).items():
                name = f"{where}.{_printable(key)}" if where else _printable(key)
                if _SURROGATE.search(key):
                    return name
                pending.append((item, name))
        elif isinstance(current, list):
            items = cast("Sequence[Any]", current)
            pending.extend(
                (item, f"{where}.{index}" if where else str(index))
                for index, item in enumerate(items)
            )
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _depth(value: Any, limit: int) -> int:
    """The nesting depth of parsed JSON, stopping early once it passes ``limit``."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        current, level = pending.pop()
        if level > limit:
            return level
        deepest = max(deepest, level)
        children: Iterable[Any]
        if isinstance(current, dict):
            children = cast("dict[str, Any]", current).values()
        elif isinstance(current, list):
            children = cast("Sequence[Any]", current)
        else:
            continue
        pending.extend((child, level + 1) for child in children)
    return deepest


def parse_json_body(raw: bytes, content_type: str | None, *, max_depth: int) -> dict[str, Any]:
    """The JSON object in a request body; an empty body is an empty object."""
    if not raw.strip():
        return {}
    media_type, _, parameters = (content_type or "").partition(";")
    if media_type.strip().lower() != _JSON_MEDIA_TYPE:
        raise MockAPIError(
            415,
            "invalid_request_error",
            "unsupported_media_type",
            f"Request bodies must be JSON: send 'Content-Type: {_JSON_MEDIA_TYPE}' "
            f"(got {(content_type or 'none')[:60]!r}).",
        )
    charset = parameters.partition("charset=")[2].strip().strip('"').lower()
    if charset not in ("", "utf-8", "utf8"):
        raise _invalid_body(
            "invalid_encoding", f"Request bodies must be UTF-8, not {charset[:40]!r}."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _invalid_body(
            "invalid_encoding",
            f"The request body is not valid UTF-8 (byte {error.start}); encode it as UTF-8.",
        ) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        data = None
    except ValueError as error:
        raise _invalid_body(
            "invalid_json", f"The request body is not valid JSON: {error}."
        ) from None
    # Nesting needs an opening bracket per level: with few brackets the walk can be skipped.
    nestable = text.count("{") + text.count("[") > max_depth
    if data is None or (nestable and _depth(data, max_depth) > max_depth):
        raise _invalid_body(
            "json_too_deep",
            f"The request body nests deeper than {max_depth} levels; flatten it.",
        )
    if not isinstance(data, dict):
        raise _invalid_body(
            "invalid_json",
            f"The request body must be a JSON object, not a JSON {type(data).__name__}.",
        )
    if _SURROGATE_ESCAPE.search(text):
        where = _lone_surrogate(data)
        if where is not None:
            raise _invalid_body(
                "invalid_json",
                f"Invalid field '{where}': it holds half of a UTF-16 surrogate pair (an escape "
                "from \\ud800 to \\udfff without its other half), which is not a character; "
                "send whole characters.",
                param=where,
            )
    return cast("dict[str, Any]", data)


def _field_path(loc: Sequence[int | str], data: Any) -> str:
    """The dotted wire path of an error, without the union-member tags pydantic inserts."""
    parts: list[str] = []
    current = data
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        if isinstance(current, Mapping) and part in current:
            current = cast("Mapping[int | str, Any]", current)[part]
        elif isinstance(current, list) and isinstance(part, int):
            items = cast("Sequence[Any]", current)
            current = items[part] if part < len(items) else None
        elif not last:
            continue
        parts.append(str(part))
    return ".".join(parts)


@functools.cache
def expected_formats() -> dict[str, str]:
    """Each ``pattern`` of the spec, mapped to the words its ``x-ccx-expected`` says it means."""
    from ._spec import SPEC_JSON  # the route table, generated beside the spec; loaded once

    found: dict[str, str] = {}
    pending: list[object] = [json.loads(SPEC_JSON)]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            schema = cast("dict[str, object]", node)
            pattern, words = schema.get("pattern"), schema.get("x-ccx-expected")
            if isinstance(pattern, str) and isinstance(words, str):
                found[pattern] = words
            pending.extend(schema.values())
        elif isinstance(node, list):
            pending.extend(cast("list[object]", node))
    return found


def _describe(error: ErrorDetails, path: str, location: Location) -> str:
    where = "query parameter" if location == "query" else "field"
    if error["type"] == "extra_forbidden":
        return f"Unknown {where} '{path}': remove it; this operation does not accept it."
    if error["type"] == "missing":
        return f"Missing required {where} '{path}': add it to the request."
    if error["type"] == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern"))
        expected = expected_formats().get(pattern, "the format the API's spec describes")
        return f"Invalid {where} '{path}': expected {expected}."
    return f"Invalid {where} '{path}': {error['msg']}."


def validate_model(
    model: type[pydantic.BaseModel], data: dict[str, Any], location: Location
) -> dict[str, Any]:
    """``data`` checked against ``model``, as JSON-typed wire data holding only given fields."""
    for name in _timestamp_fields(model):
        value = data.get(name)
        if value is not None and not (isinstance(value, str) and RFC3339.fullmatch(value)):
            where = "query parameter" if location == "query" else "field"
            raise MockAPIError(
                400,
                "invalid_request_error",
                "invalid_timestamp",
                f"Invalid {where} '{name}': give an RFC 3339 timestamp like "
                f"2026-11-28T09:00:00-03:00 (got {str(value)[:40]!r}).",
                param=name,
            )
    try:
        instance = model.model_validate(data)
    except pydantic.ValidationError as error:
        details = error.errors(include_url=False)
        path = _field_path(details[0]["loc"], data) or location
        message = _describe(details[0], path, location)
        if len(details) > 1:
            message += f" ({len(details) - 1} more problem(s) in this request.)"
        raise MockAPIError(
            400, "invalid_request_error", "invalid_request", message, param=path
        ) from None
    return instance.model_dump(mode="json", by_alias=True, exclude_unset=True)


@functools.cache
def _timestamp_fields(model: type[pydantic.BaseModel]) -> tuple[str, ...]:
    """The wire names of ``model``'s top-level date-time fields (an instant and nothing else:
    a field that also takes a local time is its handler's to read)."""
    return tuple(
        field.alias or name
        for name, field in model.model_fields.items()
        if _members(field.annotation) == {pydantic.AwareDatetime}
    )


def _members(annotation: Any) -> set[Any]:
    """The types an annotation admits besides None."""
    return set(typing.get_args(annotation) or (annotation,)) - {type(None)}


def check_path_params(params: Mapping[str, str], operation_id: str) -> None:
    """Ids and names that cannot exist are simply not found, like any other unknown id."""
    for name, value in params.items():
        if _SAFE_PATH_VALUE.fullmatch(value) is None:
            resource = operation_id.split(".")[-2].removesuffix("s")
            raise not_found(resource, value, param=name)
