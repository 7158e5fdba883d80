"""Read the OpenAPI document into the small intermediate model the templates render.

Everything the generated code needs is decided here, once: which schemas become pydantic models,
TypedDict params or Literal aliases, which module each lands in, and what each operation's
Python signature and return kind are. The templates only print.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .expr import Expr, Name

Schema = Mapping[str, Any]
Context = Literal["model", "param", "mock"]

SHARED_MODULE = "shared"
EVENTS_MODULE = "events"
ENUMS_MODULE = "enums"

# Names a pydantic field may not take, because BaseModel (or our EventModel) owns them.
_RESERVED_MODEL_NAMES = frozenset(
    {
        "schema",
        "json",
        "dict",
        "copy",
        "construct",
        "validate",
        "fields",
        "raw_dict",
        "to_dict",
        "to_json",
        "x_request_id",
    }
)
# Keyword arguments every generated method already takes.
CALL_OPTION_NAMES = (
    "extra_headers",
    "extra_query",
    "extra_body",
    "timeout",
    "max_retries",
    "call_timeout",
)


def pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9a-zA-Z]+", text) if part)


def snake(text: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", text)
    return re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()


def python_name(name: str, *, model: bool = False) -> str:
    """A safe identifier for a JSON name: `from` becomes `from_`."""
    identifier = re.sub(r"[^0-9a-zA-Z_]", "_", name)
    if keyword.iskeyword(identifier) or (model and identifier in _RESERVED_MODEL_NAMES):
        identifier += "_"
    return identifier


@dataclass(frozen=True)
class Deprecation:
    """An item the spec marks ``deprecated: true``: what the warning and the docstring say.

    The spec gives the reason (and what to use instead) in ``x-ccx-deprecation``; without one,
    they say only that the item goes away.
    """

    subject: str
    reason: str

    @property
    def warning(self) -> str:
        return f"{self.subject} is deprecated: {self.reason}"

    @property
    def note(self) -> str:
        return f"Deprecated: {self.reason}"


def deprecation(item: Mapping[str, Any], subject: str) -> Deprecation | None:
    if not item.get("deprecated", False):
        return None
    reason = item.get("x-ccx-deprecation") or "it will be removed in a future API version."
    return Deprecation(subject, " ".join(reason.split()))


def ref_name(ref: str) -> str:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise ValueError(f"only local schema references are supported, got {ref!r}")
    return ref[len(prefix) :]


# --------------------------------------------------------------------------- schemas


@dataclass
class Property:
    json_name: str
    name: str
    annotation: Expr
    required: bool
    nullable: bool
    description: str
    constraints: tuple[tuple[str, Expr], ...] = ()
    """The schema's limits as pydantic ``Field`` keywords (the mock enforces them)."""
    secret: bool = False
    """``format: password``: kept out of the model's repr, so it never lands in a log."""
    empty_default: bool = False
    """Defaults to an empty dict rather than None (the fields of an unknown union variant)."""
    deprecation: Deprecation | None = None


@dataclass
class ObjectDef:
    name: str
    description: str
    properties: list[Property]
    base: Name | None = None
    forbid_extra: bool = False
    deprecation: Deprecation | None = None


@dataclass
class AliasDef:
    name: str
    annotation: Expr
    description: str
    """For a deprecated alias, the note too: a type alias cannot carry ``@deprecated``."""


@dataclass
class TypeModule:
    """One generated file: its definitions."""

    name: str
    objects: list[ObjectDef] = field(default_factory=list)
    aliases: list[AliasDef] = field(default_factory=list)

    @property
    def exports(self) -> list[str]:
        return [alias.name for alias in self.aliases] + [obj.name for obj in self.objects]


# --------------------------------------------------------------------------- operations


@dataclass
class Parameter:
    json_name: str
    name: str
    location: Literal["path", "query", "body"]
    annotation: Expr
    required: bool
    description: str
    deprecation: Deprecation | None = None


@dataclass
class OperationDef:
    id: str
    resource: tuple[str, ...]
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    kind: Literal["json", "empty", "bytes", "page", "stream"]
    return_type: Expr
    cast_expression: Expr
    idempotency: Literal["body", "header"] | None
    scope: str | None
    sandbox_only: bool
    success_status: int
    body_schema: str | None
    query_model: str | None
    deprecation: Deprecation | None = None
    page_model: Name | None = None
    """For a paginated operation, the list model each page is read into."""

    @property
    def constant(self) -> str:
        return "_" + snake(self.method_name).upper()

    @property
    def positional(self) -> list[Parameter]:
        return [p for p in self.parameters if p.location == "path"]

    @property
    def keyword(self) -> list[Parameter]:
        rest = [p for p in self.parameters if p.location != "path"]
        return [p for p in rest if p.required] + [p for p in rest if not p.required]

    def located(self, location: str) -> list[Parameter]:
        return [p for p in self.parameters if p.location == location]

    @property
    def deprecated_parameters(self) -> list[Parameter]:
        return [p for p in self.keyword if p.deprecation is not None]


@dataclass
class ResourceDef:
    path: tuple[str, ...]
    description: str
    operations: list[OperationDef] = field(default_factory=list)
    children: dict[str, ResourceDef] = field(default_factory=dict)

    @property
    def class_name(self) -> str:
        return "".join(pascal(part) for part in self.path)

    @property
    def module(self) -> str:
        return self.path[0]

    def walk(self) -> Iterator[ResourceDef]:
        yield self
        for child in self.children.values():
            yield from child.walk()


class Spec:
    """The parsed document plus the decisions derived from it."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.schemas: Mapping[str, Schema] = document.get("components", {}).get("schemas", {})
        self.version: str = document["info"]["version"]
        self._parameters: Mapping[str, Any] = document.get("components", {}).get("parameters", {})
        self.tags = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}

    # ---- graph helpers

    def refs(self, schema: Any) -> Iterator[str]:
        if isinstance(schema, Mapping):
            if "$ref" in schema:
                yield ref_name(schema["$ref"])
            for key, value in schema.items():
                if key != "discriminator":
                    yield from self.refs(value)
        elif isinstance(schema, list):
            for item in schema:
                yield from self.refs(item)

    def closure(self, roots: Iterator[str] | list[str], *, stop: Collection[str] = ()) -> set[str]:
        """The schemas reachable from ``roots``; those in ``stop`` are reached but not entered."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if name not in stop:
                stack.extend(self.refs(self.schemas[name]))
        return seen

    def event_schemas(self) -> set[str]:
        """The webhook envelopes and the unions made only of them: ``ccx.types.events``."""
        envelopes = {schema for _event, schema in self.webhook_events()}
        unions = {
            n
            for n in self.schemas
            if self.is_union(n) and set(self.refs(self.schemas[n])) <= envelopes
        }
        return envelopes | unions

    def is_webhook_event(self, name: str) -> bool:
        return name in {schema for _event, schema in self.webhook_events()}

    def is_enum(self, name: str) -> bool:
        schema = self.schemas[name]
        return "enum" in schema and schema.get("type") in ("string", "integer", None)

    def is_union(self, name: str) -> bool:
        schema = self.schemas[name]
        return ("oneOf" in schema or "anyOf" in schema) and "properties" not in schema

    def is_map(self, name: str) -> bool:
        schema = self.schemas[name]
        return (
            schema.get("type") == "object" and "properties" not in schema and "allOf" not in schema
        )

    def is_alias(self, name: str) -> bool:
        return (
            self.is_enum(name)
            or self.is_map(name)
            or self.schemas[name].get("type")
            in (
                "string",
                "integer",
                "number",
                "boolean",
                "array",
            )
        )

    def parameter(self, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        if "$ref" in raw:
            resolved: Mapping[str, Any] = self._parameters[raw["$ref"].rsplit("/", 1)[-1]]
            return resolved
        return raw

    def operations(self) -> Iterator[tuple[str, str, Mapping[str, Any], list[Mapping[str, Any]]]]:
        for path, item in self.document.get("paths", {}).items():
            shared = [self.parameter(p) for p in item.get("parameters", [])]
            for method in ("get", "post", "put", "patch", "delete"):
                if method in item:
                    operation = item[method]
                    own = [self.parameter(p) for p in operation.get("parameters", [])]
                    yield path, method.upper(), operation, shared + own

    def webhook_events(self) -> list[tuple[str, str]]:
        """(event type, envelope schema name) in spec order."""
        found = []
        for event_type, item in self.document.get("webhooks", {}).items():
            body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
            found.append((event_type, ref_name(body["$ref"])))
        return found
