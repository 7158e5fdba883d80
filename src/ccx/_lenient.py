"""Reading JSON into the declared types: validate first, and when that fails, read leniently.

Validation (pydantic-core's compiled validator, straight from the bytes) decides almost every
body and costs what it always did. Only a body it refuses is decoded and read leniently, type by
type, into the declared type all the same:

- whatever validates is typed as usual (a model is tried whole before field by field);
- an enum value this SDK does not know, or a value of another type, is kept as received;
- a missing field becomes its default, or None; unknown fields stay (``model_extra``);
- a variant of an open union that this SDK does not know becomes its ``Unknown…`` model.

In strict mode a refused body is an error instead. Each (model, field) read leniently is logged
once per process on the ``ccx`` logger, with the advice to upgrade. Logs and errors name fields,
never values (which may be secrets), except an unknown enum value that is a short word.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeGuard, Union, cast, get_args, get_origin

import pydantic
from pydantic.fields import FieldInfo

from ._logging import logger
from ._models import UnknownVariant
from ._version import __version__

__all__ = ["Unreadable", "is_model_class", "read_json", "read_leniently", "reported"]

_LISTED_PROBLEMS = 3
_SHOWABLE_VALUE = re.compile(r"[A-Za-z0-9_.:*/-]{1,64}")
_UNION_TYPES = (Union, types.UnionType)

reported: set[tuple[str, str]] = set()
"""The (model, field) pairs already logged in this process."""
_reported_lock = threading.Lock()


class Unreadable(Exception):
    """A body that cannot become its declared type; ``reason`` says why, naming fields only.

    ``breaks_schema`` tells a JSON object that breaks the schema (refused in strict mode) from
    a body that is no JSON object at all (refused in both modes).
    """

    def __init__(self, reason: str, *, breaks_schema: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.breaks_schema = breaks_schema


_JSON_KINDS: dict[type[Any], str] = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
}


@functools.lru_cache(maxsize=512)
def _adapter(type_: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(type_)


_VALIDATORS: dict[int, tuple[Any, Callable[..., Any]]] = {}


def _validator(type_: Any) -> Callable[..., Any]:
    """The compiled ``validate_json`` of a declared type (a model, or a module constant such
    as a union), found by identity: hashing a union of a dozen models costs more than
    validating a small body."""
    found = _VALIDATORS.get(id(type_))
    if found is None or found[0] is not type_:
        validate_json = (
            type_.__pydantic_validator__.validate_json  # model_validate_json, minus its wrapper
            if is_model_class(type_)
            else pydantic.TypeAdapter(type_).validate_json
        )
        found = _VALIDATORS[id(type_)] = (type_, validate_json)
    return found[1]


def read_json(content: bytes | str, type_: Any, *, strict: bool) -> Any:
    """``content``, a JSON object, as ``type_`` (a model or a union of models).

    Raises ``Unreadable`` for a body that is no JSON object, and in strict mode for one the
    schema refuses; otherwise a refused object is read leniently.
    """
    try:
        return _validator(type_)(content, strict=strict or None)
    except pydantic.ValidationError as error:
        refusal = error
    try:
        decoded: object = json.loads(content)
    except ValueError:
        raise Unreadable("it is not valid JSON", breaks_schema=False) from None
    except RecursionError:  # deeper than Python's stack: no API response, an attack
        raise Unreadable("it is JSON nested too deeply", breaks_schema=False) from None
    if not isinstance(decoded, dict):
        kind = _JSON_KINDS.get(type(decoded), "a literal")
        raise Unreadable(f"it is {kind} in JSON, not an object", breaks_schema=False)
    if strict:
        raise Unreadable(describe(refusal), breaks_schema=True)
    return read_leniently(type_, decoded)


def is_model_class(type_: object) -> TypeGuard[type[pydantic.BaseModel]]:
    """Whether ``type_`` is a model class (on 3.10, ``list[int]`` passes for a ``type`` too)."""
    return (
        isinstance(type_, type)
        and not isinstance(type_, types.GenericAlias)
        and issubclass(type_, pydantic.BaseModel)
    )


def describe(error: pydantic.ValidationError) -> str:
    """The first few problems, by location, without the values (which may hold secrets)."""
    details = error.errors(include_url=False, include_input=False, include_context=False)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in detail['loc']) or 'body'}: {detail['msg']}"
        for detail in details[:_LISTED_PROBLEMS]
    )
    more = len(details) - _LISTED_PROBLEMS
    return problems + (f" (and {more} more)" if more > 0 else "")


@dataclass(frozen=True)
class _Place:
    """Where a value sits: the model and the field (JSON name) that hold it."""

    model: str
    field: str


def read_leniently(type_: Any, value: Any) -> Any:
    """``value`` (decoded JSON) as ``type_``, keeping as received what does not validate."""
    return _read(type_, value, None)


def _read(type_: Any, value: Any, place: _Place | None) -> Any:
    try:
        return _adapter(type_).validate_python(value)
    except pydantic.ValidationError as error:
        refusal = error
    declared, metadata = _unannotated(type_)
    origin = get_origin(declared)
    if is_model_class(declared):
        if isinstance(value, dict):
            return _read_model(declared, cast("dict[str, Any]", value))
    elif origin in _UNION_TYPES:
        return _read_union(get_args(declared), metadata, value, place, refusal)
    elif origin is list and isinstance(value, list):
        (item,) = get_args(declared)
        return [_read(item, element, place) for element in cast("list[object]", value)]
    elif origin is dict and isinstance(value, dict):
        _key, item = get_args(declared)
        entries = cast("dict[str, Any]", value)
        return {key: _read(item, element, place) for key, element in entries.items()}
    _report(place, _problem(refusal, value))
    return value


def _read_model(model: type[pydantic.BaseModel], value: dict[str, Any]) -> pydantic.BaseModel:
    remaining = dict(value)
    fields: dict[str, Any] = {}
    given: set[str] = set()
    for name, field in model.model_fields.items():
        key = field.alias if field.alias is not None and field.alias in remaining else name
        place = _Place(model.__name__, field.alias or name)
        if key in remaining:
            fields[name] = _read(_field_type(field), remaining.pop(key), place)
            given.add(name)
        elif field.is_required():
            _report(place, "it is missing, so it is None")
            fields[name] = None
        else:
            fields[name] = field.get_default(call_default_factory=True)
    unknown = {key: item for key, item in remaining.items() if key not in model.model_fields}
    return model.model_construct(given, **fields, **unknown)


def _read_union(
    members: Sequence[Any],
    metadata: Sequence[Any],
    value: Any,
    place: _Place | None,
    refusal: pydantic.ValidationError,
) -> Any:
    tag_field = next((tag for tag in map(_discriminator, metadata) if tag is not None), None)
    json_object = _as_object(value)
    if tag_field is not None and json_object is not None:
        tag = json_object.get(tag_field)
        variant = _variants(tuple(members), tag_field).get(tag) if isinstance(tag, str) else None
        if variant is not None:
            return _read(variant, value, place)
        fallback = next((item.model for item in metadata if isinstance(item, UnknownVariant)), None)
        if fallback is not None:
            if tag is None:
                problem = "it is missing"
            else:
                problem = f"{_shown(tag)} is not one this version knows"
            _report(_Place(fallback.__name__, tag_field), f"{problem}; read as {fallback.__name__}")
            return _read(fallback, value, place)
    for member in members:
        if _takes_shape_of(member, value):
            return _read(member, value, place)
    _report(place, _problem(refusal, value))
    return value


def _as_object(value: object) -> dict[str, object] | None:
    return cast("dict[str, object]", value) if isinstance(value, dict) else None


def _unannotated(type_: Any) -> tuple[Any, tuple[Any, ...]]:
    if get_origin(type_) is Annotated:
        declared, *metadata = get_args(type_)
        return declared, tuple(metadata)
    return type_, ()


def _field_type(field: FieldInfo) -> Any:
    """The field's type with what pydantic moved out of it (constraints, discriminator)."""
    metadata = list(field.metadata)
    if field.discriminator is not None:
        metadata.append(
            pydantic.Discriminator(field.discriminator)
            if isinstance(field.discriminator, str)
            else field.discriminator
        )
    if not metadata:
        return field.annotation
    parameters = (field.annotation, *metadata)
    return Annotated[parameters]


def _discriminator(item: object) -> str | None:
    tag: object = getattr(item, "discriminator", None)
    return tag if isinstance(tag, str) else None


@functools.lru_cache(maxsize=128)
def _variants(members: tuple[Any, ...], tag_field: str) -> dict[str, type[pydantic.BaseModel]]:
    """Each tag of a discriminated union, mapped to the model that declares it."""
    found: dict[str, type[pydantic.BaseModel]] = {}
    for member in members:
        model, _metadata = _unannotated(member)
        if is_model_class(model):
            field = model.model_fields.get(tag_field)
            if field is not None and get_origin(field.annotation) is Literal:
                found.update(dict.fromkeys(get_args(field.annotation), model))
    return found


def _takes_shape_of(type_: Any, value: Any) -> bool:
    """Whether ``value`` (an object or an array) is what ``type_`` is made of, if not its type."""
    declared, _metadata = _unannotated(type_)
    origin = get_origin(declared)
    if origin in _UNION_TYPES:
        return any(_takes_shape_of(member, value) for member in get_args(declared))
    if isinstance(value, dict):
        return is_model_class(declared) or origin is dict
    return isinstance(value, list) and origin is list


def _problem(refusal: pydantic.ValidationError, value: Any) -> str:
    if any(error["type"] in ("literal_error", "enum") for error in refusal.errors()):
        return f"{_shown(value)} is not a value this version knows, kept as received"
    return "its value is not of the declared type, kept as received"


def _shown(value: Any) -> str:
    if isinstance(value, str) and _SHOWABLE_VALUE.fullmatch(value):
        return repr(value)
    return "the value"


def _report(place: _Place | None, problem: str) -> None:
    """Logs once per (model, field) and process: enough to act on, never a flood."""
    key = (place.model, place.field) if place is not None else ("", "")
    with _reported_lock:
        if key in reported:
            return
        reported.add(key)
    where = f"{place.model}.{place.field}" if place is not None else "the body"
    logger.warning(
        "ccx-sdk %s read %s leniently: %s. The API is newer than this SDK: upgrade ccx-sdk.",
        __version__,
        where,
        problem,
    )
