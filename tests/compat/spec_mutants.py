"""Valid instances of the spec's schemas, and the mutants a newer API could send instead.

Everything comes from ``openapi/openapi.yaml``: a deterministic valid instance of a schema (every
property filled, checked against the schema with ``jsonschema``), then one mutant per change a
newer API may make: an enum field set to a value this SDK does not know, a field removed
(optional or required), an unknown field added at every object level, and for a discriminated
union a new type. Whether a mutant still matches the schema is decided by ``jsonschema``, not by
the SDK, so the strict mode is checked against an independent oracle.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import jsonschema
import yaml
from hypothesis import find
from hypothesis import strategies as st
from jsonschema.protocols import Validator

ROOT = Path(__file__).parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "openapi.yaml").read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
INSTANT = "2026-11-21T08:00:00Z"
UNKNOWN_VALUE = "zz_value_from_a_newer_api"
UNKNOWN_TYPE = "zz.type_from_a_newer_api"
ADDED_FIELD = "zz_field_from_a_newer_api"
ADDED_VALUE: Any = {"nested": [1, "two", None], "flag": True}

Path_ = tuple[str | int, ...]


def ref_name(schema: Mapping[str, Any]) -> str | None:
    reference = schema.get("$ref")
    return reference.rsplit("/", 1)[-1] if isinstance(reference, str) else None


def resolve(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema behind references, with ``allOf`` merged and ``oneOf`` at its first option."""
    name = ref_name(schema)
    if name is not None:
        return resolve(SCHEMAS[name])
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            resolved = resolve(part)
            merged["properties"].update(resolved.get("properties", {}))
            merged["required"] += resolved.get("required", [])
        return merged
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema and "properties" not in schema:
            return resolve(schema[combinator][0])
    return dict(schema)


def is_open_enum(schema: Mapping[str, Any]) -> bool:
    return len([value for value in schema.get("enum", []) if value is not None]) > 1


def _kind(schema: Mapping[str, Any]) -> str | None:
    kind: str | list[str] | None = schema.get("type")
    if isinstance(kind, list):
        return next((k for k in kind if k != "null"), None)
    return kind


@functools.cache
def _matching(pattern: str, min_length: int, max_length: int) -> str:
    """A string matching ``pattern``; searched for once, when this module loads (see below):
    hypothesis refuses ``find`` inside a ``@given`` test."""
    found: str = find(
        st.from_regex(pattern, fullmatch=True),
        lambda text: min_length <= len(text) <= max_length,
    )
    return found


def valid_instance(schema: Mapping[str, Any]) -> Any:
    """A deterministic instance with every property present."""
    schema = resolve(schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return next(value for value in schema["enum"] if value is not None)
    kind = _kind(schema)
    if kind == "object" or "properties" in schema:
        if "properties" in schema:
            return {name: valid_instance(prop) for name, prop in schema["properties"].items()}
        extra: bool | dict[str, Any] = schema.get("additionalProperties", True)
        return {"key": valid_instance(extra) if isinstance(extra, dict) and extra else "value"}
    if kind == "array":
        return [valid_instance(schema.get("items", {})) for _ in range(schema.get("minItems", 1))]
    if kind == "string":
        if schema.get("format") == "date-time":
            return INSTANT
        low, high = schema.get("minLength", 0), schema.get("maxLength", 64)
        if "pattern" in schema:
            return _matching(schema["pattern"], low, high)
        return "v" * max(low, min(high, 5))
    if kind == "integer":
        return max(schema.get("minimum", 1), min(schema.get("maximum", 7), 7))
    if kind == "number":
        return max(schema.get("minimum", 0), min(schema.get("maximum", 1.5), 1.5))
    if kind == "boolean":
        return False
    return "any"


@dataclass(frozen=True)
class Mutation:
    """One change a newer API could make, at ``path`` in an instance."""

    kind: Literal["unknown_value", "remove", "add_field", "new_type"]
    path: Path_
    value: Any = None
    """The new value; for ``add_field``, the new field's name."""
    added: Any = None
    """For ``add_field``, the new field's value (``ADDED_VALUE`` when None)."""

    def __str__(self) -> str:
        where = ".".join(str(step) for step in self.path) or "body"
        return f"{self.kind} {where}" + (f"={self.value!r}" if self.value is not None else "")

    def apply(self, instance: Any) -> Any:
        """A copy of ``instance`` with the change; unchanged when ``path`` is gone already."""
        mutant = copy.deepcopy(instance)
        adding = self.kind == "add_field"
        parents, last = (self.path, None) if adding else (self.path[:-1], self.path[-1])
        holder = mutant
        for step in parents:
            try:
                holder = holder[step]
            except (KeyError, IndexError, TypeError):
                return mutant
        if adding:
            if isinstance(holder, dict):
                holder[self.value] = copy.deepcopy(
                    ADDED_VALUE if self.added is None else self.added
                )
        elif isinstance(holder, dict) and last in holder:
            if self.kind == "remove":
                del holder[last]
            else:
                holder[last] = self.value
        elif isinstance(holder, list) and isinstance(last, int) and self.kind != "remove":
            holder[last] = self.value
        return mutant


def mutations(schema: Mapping[str, Any], instance: Any, path: Path_ = ()) -> Iterator[Mutation]:
    """Every single change of ``instance`` (of ``schema``) that a newer API could make."""
    schema = resolve(schema)
    if is_open_enum(schema) and path:
        yield Mutation("unknown_value", path, UNKNOWN_VALUE)
    if isinstance(instance, dict):
        yield Mutation("add_field", path, ADDED_FIELD)
        properties: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, value in cast("dict[str, Any]", instance).items():
            inner = properties.get(name, extra if isinstance(extra, dict) else None)
            if name in properties:
                yield Mutation("remove", (*path, name))
            if inner is not None:
                yield from mutations(inner, value, (*path, name))
    elif isinstance(instance, list) and instance:
        yield from mutations(schema.get("items", {}), instance[0], (*path, 0))


@dataclass(frozen=True)
class Variant:
    """One object schema a body can be: alone, or a variant of a discriminated union."""

    schema: str
    union: str | None = None
    tag_field: str | None = None

    @property
    def instance(self) -> dict[str, Any]:
        instance: dict[str, Any] = valid_instance({"$ref": f"#/components/schemas/{self.schema}"})
        return instance

    def mutants(self) -> Iterator[tuple[Mutation, Any]]:
        instance = self.instance
        found = list(mutations({"$ref": f"#/components/schemas/{self.schema}"}, instance))
        if self.tag_field is not None:
            found.append(Mutation("new_type", (self.tag_field,), UNKNOWN_TYPE))
        for mutation in found:
            yield mutation, mutation.apply(instance)

    def model_for(self, body: Mapping[str, Any]) -> str:
        """The model a lenient read gives: the variant, or the union's unknown model."""
        if self.union is None or self.tag_field is None:
            return self.schema
        tag = body.get(self.tag_field)
        known = resolve(SCHEMAS[self.schema])["properties"][self.tag_field]["const"]
        return self.schema if tag == known else unknown_model(self.union)

    def valid(self, body: Any) -> bool:
        """Whether ``body`` matches the schema (the union's, for a variant): the oracle."""
        name = self.union or self.schema
        return _validator(name).is_valid(body)


def _validator(schema_name: str) -> Validator:
    """Typed as jsonschema's protocol, whose ``is_valid`` is typed; the class's stub is not."""
    document = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    return jsonschema.Draft202012Validator(document)


def unknown_model(union: str) -> str:
    """The model of a variant ``union`` does not know: every union of webhook events shares
    ``UnknownEvent``, as it shares their models; any other union has its own."""
    webhook_events = {
        ref_name(webhook["post"]["requestBody"]["content"]["application/json"]["schema"])
        for webhook in SPEC["webhooks"].values()
    }
    options = {ref_name(option) for option in SCHEMAS[union]["oneOf"]}
    return "UnknownEvent" if options <= webhook_events else f"Unknown{union}"


def variants(schema_name: str) -> list[Variant]:
    """The object schemas ``schema_name`` stands for: itself, or each variant of its union."""
    schema = SCHEMAS[schema_name]
    if "oneOf" not in schema:
        return [Variant(schema_name)]
    tag_field = schema["discriminator"]["propertyName"]
    return [Variant(ref_name(option) or "", schema_name, tag_field) for option in schema["oneOf"]]


@dataclass(frozen=True)
class Operation:
    """An operation whose success is JSON (an object, or one page of a list) or an event stream."""

    id: str
    method: str
    path: str
    kind: Literal["object", "page", "stream"]
    schema: str
    """The response schema; for a stream, the schema of one event's ``data``."""
    arguments: tuple[tuple[str, Any], ...]
    """Required keyword arguments (JSON name, valid value)."""

    @property
    def path_parameters(self) -> int:
        return len(re.findall(r"\{\w+\}", self.path))


def _required_arguments(operation: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    found: list[tuple[str, Any]] = [
        (parameter["name"], valid_instance(parameter.get("schema", {})))
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query" and parameter.get("required")
    ]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        example = next(iter(body.get("examples", {}).values()), dict[str, Any]()).get("value")
        if example is not None:  # the spec's own request, which satisfies every rule
            return (*found, *example.items())
        schema = resolve(body["schema"])
        required = set(schema.get("required", []))
        found += [
            (name, valid_instance(prop))
            for name, prop in schema.get("properties", {}).items()
            if name in required
        ]
    return tuple(found)


def operations() -> list[Operation]:
    found: list[Operation] = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            content = next(
                response.get("content", {})
                for status, response in operation["responses"].items()
                if str(status).startswith("2")
            )
            arguments = _required_arguments(operation)
            if "text/event-stream" in content:
                stream = resolve(content["text/event-stream"]["schema"])
                event = ref_name(stream["properties"]["data"]["contentSchema"]) or ""
                found.append(
                    Operation(operation["operationId"], method, path, "stream", event, arguments)
                )
            elif "application/json" in content:
                schema = ref_name(content["application/json"]["schema"]) or ""
                kind: Literal["object", "page"] = (
                    "page" if operation.get("x-ccx-paginated") else "object"
                )
                found.append(
                    Operation(operation["operationId"], method, path, kind, schema, arguments)
                )
    return found


def webhook_event_schemas() -> list[tuple[str, str]]:
    """(event type, schema) for every webhook of the spec."""
    return [
        (
            event_type,
            ref_name(item["post"]["requestBody"]["content"]["application/json"]["schema"]) or "",
        )
        for event_type, item in SPEC["webhooks"].items()
    ]


for _name in SCHEMAS:  # every pattern's string, found now, outside any test
    valid_instance({"$ref": f"#/components/schemas/{_name}"})
