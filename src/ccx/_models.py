"""The base classes of the generated response models, and the two open type constructors.

A newer API may send an enum value, or a variant of a union, that this SDK does not know. The
types say so, so that code handling known values still has to handle the others:

- ``OpenEnum[Status]`` is ``Status | str`` to a type checker. At run time it is ``Status``
  itself, so validation still notices a value it does not know (and strict mode refuses it),
  while the lenient reader (``ccx._lenient``) keeps that value as the string it is.
- ``OpenUnion[Known, Unknown]`` is ``Known | Unknown`` to a type checker. At run time it is
  ``Known`` carrying an ``UnknownVariant(Unknown)`` marker: validation accepts only the known
  variants (so the common case stays on pydantic-core's fast path), and the lenient reader
  builds ``Unknown`` for any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, Union

import pydantic

__all__ = [
    "BaseModel",
    "EventModel",
    "OpenEnum",
    "OpenUnion",
    "RawDocument",
    "UnknownVariant",
    "keep_raw",
    "keep_request_id",
]

_Known = TypeVar("_Known")
_Unknown = TypeVar("_Unknown")


class BaseModel(pydantic.BaseModel):
    """Response models keep fields they do not know, so a newer server never breaks parsing.

    Every public name here is one the generator keeps free of API fields. The request id lives
    in a slot, so it plays no part in equality, ``model_dump``, ``to_dict`` or ``repr``.
    """

    model_config = pydantic.ConfigDict(extra="allow", populate_by_name=True)
    __slots__ = ("_request_id",)

    @property
    def x_request_id(self) -> str | None:
        """The ``X-Request-Id`` of the response this object was read from: quote it to CCX
        support. Set on what a call returns (the object, each item of a page, each stream
        event); None on objects nested in those, built in code, or received as webhooks."""
        request_id: str | None = getattr(self, "_request_id", None)
        return request_id

    def to_dict(self, *, mode: Literal["json", "python"] = "json") -> dict[str, Any]:
        """This object in the API's wire format: JSON names (``from``, not ``from_``), only the
        fields the API sent (or the code set), fields unknown to this SDK included.

        ``mode="json"`` (the default) gives JSON values (times as RFC 3339 text), so the dict
        can go to ``json.dumps`` as it is; ``"python"`` keeps ``datetime`` objects.
        ``model_dump()`` is pydantic's view instead: Python names, every field.
        """
        return self.model_dump(mode=mode, by_alias=True, exclude_unset=True, warnings=False)

    def to_json(self, *, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text; ``indent=None`` for one compact line."""
        return self.model_dump_json(
            indent=indent, by_alias=True, exclude_unset=True, warnings=False
        )


def keep_request_id(model: BaseModel, request_id: str | None) -> None:
    """Records the response's request id on ``model`` (see ``BaseModel.x_request_id``)."""
    object.__setattr__(model, "_request_id", request_id)


@dataclass(frozen=True)
class UnknownVariant:
    """Marks a union as open: what matches none of its variants is read as ``model``."""

    model: type[BaseModel]


if TYPE_CHECKING:
    OpenEnum = Union[_Known, str]  # noqa: UP007 - a generic alias needs the subscriptable form
    OpenUnion = Union[_Known, _Unknown]  # noqa: UP007
else:

    class OpenEnum:
        """``OpenEnum[Literal[...]]``: the literal at run time, the literal or ``str`` when typed."""

        def __class_getitem__(cls, known: Any) -> Any:
            return known

    class OpenUnion:
        """``OpenUnion[Known, Unknown]``: ``Known`` marked with its fallback at run time."""

        def __class_getitem__(cls, parameters: tuple[Any, Any]) -> Any:
            known, unknown = parameters
            return Annotated[known, UnknownVariant(unknown)]


class RawDocument:
    """A JSON body, decoded on first use and then shared by every event read from it."""

    __slots__ = ("_body", "_decoded")

    def __init__(self, body: bytes | str | None = None, *, decoded: Any = None) -> None:
        self._body = body
        self._decoded = decoded

    def at(self, path: tuple[str | int, ...]) -> Any:
        body = self._body
        if body is not None:  # decoded before the body is dropped, so a racing reader sees one
            self._decoded = json.loads(body)
            self._body = None
        value = self._decoded
        for step in path:
            value = value[step]
        return value


class EventModel(BaseModel):
    """The base of every webhook event model: it keeps the JSON object it was read from.

    The source lives in a slot rather than a field or a private attribute, so it costs nothing
    until asked for and plays no part in equality, ``model_dump`` or ``repr``.
    """

    __slots__ = ("_raw_source",)

    @property
    def raw_dict(self) -> dict[str, Any]:
        """The event's JSON object exactly as received, every field included, even unknown ones.

        Treat it as read-only: it is decoded once and shared. For an event built in code (or
        copied), it is that event's own JSON.
        """
        source: tuple[RawDocument, tuple[str | int, ...]] | None = getattr(
            self, "_raw_source", None
        )
        if source is None:
            return self.to_dict()
        document, path = source
        raw: dict[str, Any] = document.at(path)
        return raw


def keep_raw(event: EventModel, document: RawDocument, path: tuple[str | int, ...] = ()) -> None:
    """Remembers where in ``document`` ``event`` was read from, for its ``raw_dict``.

    A function, not a method: every public name on an event could clash with an API field.
    """
    object.__setattr__(event, "_raw_source", (document, path))
