"""Turn the spec into type modules, resources and the mock's route table."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import expr
from .expr import (
    ANNOTATED,
    ANY,
    AWARE_DATETIME,
    CAST,
    DATETIME,
    DICT,
    DISCRIMINATOR,
    FIELD,
    LIST,
    MAPPING,
    NONE,
    STR,
    Call,
    Expr,
    Name,
    Source,
    builtin,
    subscript,
    union,
)
from .spec import (
    CALL_OPTION_NAMES,
    ENUMS_MODULE,
    EVENTS_MODULE,
    SHARED_MODULE,
    AliasDef,
    Context,
    Deprecation,
    ObjectDef,
    OperationDef,
    Parameter,
    Property,
    ResourceDef,
    Schema,
    Spec,
    TypeModule,
    deprecation,
    pascal,
    python_name,
    ref_name,
)

_PRIMITIVES = {
    "string": STR,
    "integer": builtin("int"),
    "number": builtin("float"),
    "boolean": builtin("bool"),
    "null": NONE,
}
_HEADER_PARAMETERS = "header"
_MODELS_CORE = "ccx._models"
EVENT_MODEL = expr.name(_MODELS_CORE, "EventModel")
_OPEN_ENUM = expr.name(_MODELS_CORE, "OpenEnum")
_OPEN_UNION = expr.name(_MODELS_CORE, "OpenUnion")
MOCK_MODULE = "ccx.mock._spec"
_UNIQUE = expr.name(MOCK_MODULE, "_UNIQUE")
"""The mock template's validator for ``uniqueItems``, a rule pydantic has no keyword for."""


def types_module(name: str) -> str:
    """The import path of the generated ``ccx.types`` module called ``name``."""
    return f"ccx.types.{name}"


def _literal(values: Iterable[Any]) -> Expr:
    return expr.literal(*(json.dumps(value) for value in values))


def _enum_literal(schema: Schema) -> tuple[Expr, bool, bool]:
    """An enum's ``Literal``, whether it is open (more than one value), and whether null is one."""
    values = [v for v in schema["enum"] if v is not None]
    return _literal(values), len(values) > 1, None in schema["enum"]


def docstring_text(text: str) -> str:
    return text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _noted(description: str, note: Deprecation | None, separator: str = "\n\n") -> str:
    """A docstring that ends saying why the item is deprecated: a paragraph, or a sentence."""
    if note is None:
        return description
    return separator.join(part for part in (description, docstring_text(note.note)) if part)


@dataclass
class TypeSet:
    """All generated definitions of one context, split into modules."""

    context: Context
    modules: dict[str, TypeModule] = field(default_factory=dict)
    location: dict[str, str] = field(default_factory=dict)  # generated name -> module

    def module(self, name: str) -> TypeModule:
        return self.modules.setdefault(name, TypeModule(name))


class Builder:
    """Schema -> Python annotation, registering the definitions it needs on the way."""

    def __init__(
        self,
        spec: Spec,
        context: Context,
        types: TypeSet,
        owner_of: Mapping[str, str],
        *,
        aliases: Builder | None = None,
    ) -> None:
        self.spec = spec
        self.context = context
        self.types = types
        self.owner_of = owner_of
        # Literal aliases are the same in every context, so one builder defines them for all.
        self.aliases = aliases
        self._building: set[str] = set()

    # ---- naming

    def generated_name(self, schema_name: str) -> str:
        if self.context == "param" and not self.spec.is_alias(schema_name):
            return schema_name + "Param"
        return schema_name

    def reference(self, name: str, module: str) -> Name:
        """The generated definition ``name`` of ``module``, as an expression that imports it."""
        return expr.name(MOCK_MODULE if self.context == "mock" else types_module(module), name)

    def module_for(self, schema_name: str) -> str:
        if self.context == "mock":
            return "mock"
        if self.spec.is_alias(schema_name):
            return ENUMS_MODULE
        return self.owner_of.get(
            schema_name, SHARED_MODULE if self.context == "model" else "shared_params"
        )

    # ---- definitions

    def define(self, schema_name: str) -> Name:
        """Make sure the named schema is generated; return the name to use for it."""
        if self.aliases is not None and self.spec.is_alias(schema_name):
            return self.aliases.define(schema_name)
        if self.context == "mock" and self.spec.is_enum(schema_name):
            # The SDK's own enum, imported rather than emitted again: one definition of each value.
            return expr.name(types_module(ENUMS_MODULE), schema_name)
        name = self.generated_name(schema_name)
        reference = self.reference(name, self.module_for(schema_name))
        if name in self.types.location or name in self._building:
            return reference
        self._building.add(name)
        module = self.types.module(self.module_for(schema_name))
        schema = self.spec.schemas[schema_name]
        if self.spec.is_alias(schema_name) or self.spec.is_union(schema_name):
            module.aliases.append(self.alias(name, schema_name, schema, module))
        else:
            module.objects.append(self.object(name, schema, module))
        self.types.location[name] = module.name
        self._building.discard(name)
        return reference

    def alias(self, name: str, schema_name: str, schema: Schema, module: TypeModule) -> AliasDef:
        """A type alias: a named enum, primitive, array or map, or a union."""
        description = _noted(schema.get("description", ""), deprecation(schema, f"`{name}`"))
        if not self.spec.is_alias(schema_name):
            return AliasDef(name, self.union(schema, module, name), description)
        # An enum's alias stays precise (request params use it); response fields open it.
        annotation = (
            _enum_literal(schema)[0]
            if self.spec.is_enum(schema_name)
            else self.annotation(schema, module, name)
        )
        constraints = self.constraints(schema) if self.context == "mock" else ()
        if constraints:  # so the mock enforces a named string's pattern wherever it is used
            annotation = subscript(ANNOTATED, annotation, Call(FIELD, keywords=constraints))
        return AliasDef(name, annotation, description)

    def object(self, name: str, schema: Schema, module: TypeModule) -> ObjectDef:
        base = None
        merged: dict[str, Any] = {"properties": {}, "required": []}
        parts = schema.get("allOf", [schema])
        for part in parts:
            if "$ref" in part and base is None and len(parts) > 1:
                base = self.define(ref_name(part["$ref"]))
                continue
            target = self.spec.schemas[ref_name(part["$ref"])] if "$ref" in part else part
            merged["properties"].update(target.get("properties", {}))
            merged["required"] += target.get("required", [])
        required = set(merged["required"])
        properties = [
            self.property(name, json_name, prop, json_name in required, module)
            for json_name, prop in merged["properties"].items()
        ]
        forbid = schema.get("additionalProperties") is False
        if self.context == "model" and self.spec.is_webhook_event(name):
            base = base or EVENT_MODEL
        note = deprecation(schema, f"`{name}`")
        description = _noted(schema.get("description", ""), note)
        return ObjectDef(name, description, properties, base, forbid, note)

    def property(
        self, owner: str, json_name: str, schema: Schema, required: bool, module: TypeModule
    ) -> Property:
        annotation = self.annotation(schema, module, owner + pascal(json_name))
        constraints = self.constraints(schema) if self.context == "mock" else ()
        name = python_name(json_name, model=self.context != "param")
        note = deprecation(schema, f"`{owner}.{name}`")
        return Property(
            json_name=json_name,
            name=name,
            annotation=annotation,
            required=required,
            nullable=expr.is_optional(annotation),
            description=_noted(docstring_text(schema.get("description", "")), note, " "),
            constraints=constraints,
            secret=schema.get("format") == "password",
            deprecation=note,
        )

    # ---- annotations

    def annotation(self, schema: Schema, module: TypeModule, hint: str) -> Expr:
        if "$ref" in schema:
            name = ref_name(schema["$ref"])
            defined = self.define(name)
            if self.context == "model" and self.spec.is_enum(name):
                return self.open_enum(defined, _enum_literal(self.spec.schemas[name])[1])
            return defined
        if "const" in schema:
            return _literal([schema["const"]])
        if "enum" in schema:
            literal, is_open, nullable = _enum_literal(schema)
            literal = self.open_enum(literal, is_open)
            return union([literal, NONE]) if nullable else literal
        for combinator in ("oneOf", "anyOf"):
            if combinator in schema:
                return self.union(schema, module, hint)
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.annotation(schema["allOf"][0], module, hint)
        kind = schema.get("type")
        if kind == "null":
            return NONE
        if isinstance(kind, list):
            return union(self.annotation({**schema, "type": k}, module, hint) for k in kind)
        if kind == "array":
            items = schema.get("items", {})
            item = self.annotation(items, module, hint + "Item")
            # Each item's length, checked item by item; handlers word pattern errors better.
            lengths = {key: items[key] for key in ("minLength", "maxLength") if key in items}
            if self.context == "mock" and "$ref" not in items and lengths:
                item = subscript(ANNOTATED, item, Call(FIELD, keywords=self.constraints(lengths)))
            if self.context == "mock" and schema.get("uniqueItems"):
                return subscript(ANNOTATED, subscript(LIST, item), _UNIQUE)
            return subscript(LIST, item)
        if kind == "object" or "properties" in schema:
            if "properties" in schema:
                return self.inline_object(schema, module, hint)
            extra = schema.get("additionalProperties", True)
            value = ANY if extra in (True, {}) else self.annotation(extra, module, hint + "Value")
            return subscript(MAPPING if self.context == "param" else DICT, STR, value)
        if kind == "string" and schema.get("format") == "date-time":
            if self.context == "param":
                return union([STR, DATETIME])
            return AWARE_DATETIME if self.context == "mock" else DATETIME
        if kind in _PRIMITIVES:
            return _PRIMITIVES[kind]
        return ANY

    def open_enum(self, literal: Expr, is_open: bool) -> Expr:
        """A response field's enum admits values a newer API adds (see ``ccx._models``)."""
        return subscript(_OPEN_ENUM, literal) if self.context == "model" and is_open else literal

    def union(self, schema: Schema, module: TypeModule, hint: str) -> Expr:
        options = schema.get("oneOf") or schema.get("anyOf") or []
        members = [
            self.annotation(option, module, f"{hint}Variant{i}") for i, option in enumerate(options)
        ]
        discriminator = schema.get("discriminator", {}).get("propertyName")
        if not discriminator or self.context == "param":
            return union(members)
        tag = Source(json.dumps(discriminator))
        if self.context == "model":
            # Open: a variant a newer API adds is read as the `Unknown…` model.
            unknown = self.unknown_variant(options, discriminator, module, hint)
            known = subscript(ANNOTATED, union(members), Call(DISCRIMINATOR, (tag,)))
            return subscript(_OPEN_UNION, known, unknown)
        return subscript(ANNOTATED, union(members), Call(FIELD, keywords=(("discriminator", tag),)))

    def unknown_variant(
        self, options: list[Schema], discriminator: str, module: TypeModule, hint: str
    ) -> Name:
        """The model for a variant of a discriminated union that this SDK does not know.

        It has the fields every known variant has, none required: the discriminator as a plain
        string, an object field as a dict, a field of one type in all variants with that type.
        Every union of webhook events shares one, ``UnknownEvent``, as they share their models.
        """
        events = all(
            "$ref" in option and self.spec.is_webhook_event(ref_name(option["$ref"]))
            for option in options
        )
        if events:
            hint = "Event"
        name = "Unknown" + hint
        if name in self.types.location:
            return self.reference(name, self.types.location[name])
        variants = [
            self.spec.schemas[ref_name(option["$ref"])] if "$ref" in option else option
            for option in options
        ]
        shared = [
            json_name
            for json_name in variants[0].get("properties", {})
            if all(json_name in variant.get("properties", {}) for variant in variants)
        ]
        properties = [
            self.unknown_property(
                name, json_name, [v["properties"][json_name] for v in variants], module
            )
            for json_name in shared
        ]
        description = (
            f"One of `{hint}`, whose `{discriminator}` this version of ccx-sdk does not know: "
            "a newer API sent it. Its fields are kept as received; upgrade ccx-sdk for its model."
        )
        for prop in properties:
            if prop.json_name == discriminator:
                prop.annotation, prop.required, prop.nullable = STR, True, False
                prop.description = f"The `{discriminator}`, one this version does not know."
        base = EVENT_MODEL if events else None
        module.objects.append(ObjectDef(name, description, properties, base))
        self.types.location[name] = module.name
        return self.reference(name, module.name)

    def unknown_property(
        self, owner: str, json_name: str, schemas: list[Schema], module: TypeModule
    ) -> Property:
        first = schemas[0]
        plain = [{k: v for k, v in s.items() if k != "description"} for s in schemas]
        objects = any(
            "properties" in s or s.get("type") == "object" or self._is_object_ref(s)
            for s in schemas
        )
        annotation: Expr
        if objects:
            annotation, empty = subscript(DICT, STR, ANY), True
        elif "const" in first:
            annotation, empty = STR, False
        elif all(s == plain[0] for s in plain):
            annotation, empty = self.annotation(first, module, owner + pascal(json_name)), False
        else:
            annotation, empty = ANY, False
        return Property(
            json_name=json_name,
            name=python_name(json_name, model=True),
            annotation=annotation,
            required=False,
            nullable=expr.is_optional(annotation) or annotation == ANY,
            description=docstring_text(first.get("description", "")),
            empty_default=empty,
        )

    def _is_object_ref(self, schema: Schema) -> bool:
        return "$ref" in schema and not self.spec.is_alias(ref_name(schema["$ref"]))

    def inline_object(self, schema: Schema, module: TypeModule, hint: str) -> Name:
        name = hint + ("Param" if self.context == "param" and not hint.endswith("Param") else "")
        if name not in self.types.location:
            self.types.location[name] = module.name
            module.objects.append(self.object(name, schema, module))
        return self.reference(name, self.types.location[name])

    @staticmethod
    def constraints(schema: Schema) -> tuple[tuple[str, Expr], ...]:
        mapping = {
            "minimum": "ge",
            "maximum": "le",
            "exclusiveMinimum": "gt",
            "exclusiveMaximum": "lt",
            "minLength": "min_length",
            "maxLength": "max_length",
            "minItems": "min_length",
            "maxItems": "max_length",
            "pattern": "pattern",
        }
        return tuple(
            (keyword, Source(json.dumps(schema[key])))
            for key, keyword in mapping.items()
            if key in schema
        )


# --------------------------------------------------------------------------- ownership


def _responses(operation: Mapping[str, Any]) -> list[Any]:
    return [response.get("content", {}) for response in operation.get("responses", {}).values()]


def _request(operation: Mapping[str, Any]) -> Any:
    return operation.get("requestBody", {}).get("content", {})


def owners(spec: Spec, *, requests: bool) -> dict[str, str]:
    """Which module each schema belongs to: the one resource (or events) using it, else shared."""
    users: dict[str, set[str]] = {}
    # Event envelopes belong to the events module even when an operation returns one.
    events = set() if requests else spec.event_schemas()
    for _path, _method, operation, parameters in spec.operations():
        resource = operation["operationId"].split(".")[0]
        roots = list(spec.refs(_request(operation) if requests else _responses(operation)))
        if requests:
            roots += spec.refs([p.get("schema", {}) for p in parameters])
        suffix = "_params" if requests else ""
        for name in sorted(spec.closure(roots, stop=events)):
            users.setdefault(name, set()).add(
                EVENTS_MODULE if name in events else resource + suffix
            )
    if not requests:
        for name in sorted(spec.closure([schema for _event, schema in spec.webhook_events()])):
            users.setdefault(name, set()).add(EVENTS_MODULE)
    shared = "shared_params" if requests else SHARED_MODULE
    return {name: next(iter(found)) if len(found) == 1 else shared for name, found in users.items()}


# --------------------------------------------------------------------------- operations


def _success(operation: Mapping[str, Any]) -> tuple[int, Mapping[str, Any]]:
    for status, response in operation.get("responses", {}).items():
        if str(status).startswith("2"):
            return int(status), response.get("content", {})
    raise ValueError(f"{operation['operationId']} has no 2xx response")


def build_operations(spec: Spec, models: Builder, params: Builder) -> dict[str, ResourceDef]:
    roots: dict[str, ResourceDef] = {}
    for path, method, operation, raw_parameters in spec.operations():
        operation_id: str = operation["operationId"]
        *resource_path, method_name = operation_id.split(".")
        resource_key = tuple(resource_path)
        root = roots.setdefault(
            resource_key[0], ResourceDef(resource_key[:1], spec.tags.get(resource_key[0], ""))
        )
        node = root
        for depth in range(1, len(resource_key)):
            part = resource_key[depth]
            node = node.children.setdefault(
                part,
                ResourceDef(
                    resource_key[: depth + 1],
                    spec.tags.get(".".join(resource_key[: depth + 1]), ""),
                ),
            )
        module = params.types.module(resource_key[0] + "_params")
        parameters: list[Parameter] = []
        query_schemas: dict[str, tuple[Schema, bool]] = {}
        for raw in raw_parameters:
            location = raw["in"]
            if location in (_HEADER_PARAMETERS, "cookie"):
                continue
            schema = raw.get("schema", {"type": "string"})
            annotation = (
                STR
                if location == "path"
                else params.annotation(schema, module, pascal(raw["name"]))
            )
            name = python_name(raw["name"])
            parameters.append(
                Parameter(
                    json_name=raw["name"],
                    name=name,
                    location=location,
                    annotation=annotation,
                    required=bool(raw.get("required", location == "path")),
                    description=docstring_text(raw.get("description", "")),
                    deprecation=deprecation(raw, _argument(name, operation_id))
                    or deprecation(schema, _argument(name, operation_id)),
                )
            )
            if location == "query":
                query_schemas[raw["name"]] = (schema, bool(raw.get("required")))

        idempotency = operation.get("x-ccx-idempotency")
        if idempotency not in (None, "body", "header"):
            raise ValueError(f"{operation_id}: x-ccx-idempotency is 'body' or 'header'")
        if method == "POST" and idempotency is None:
            # The SDK retries every call: a POST without a key could then act twice. The other
            # methods are idempotent here (a DELETE removes, a PATCH sets the fields it names).
            raise ValueError(f"{operation_id}: a POST needs x-ccx-idempotency (body or header)")
        body_schema_name = None
        body = _request(operation).get("application/json", {}).get("schema")
        if body is not None:
            body_schema_name = ref_name(body["$ref"])
            params.define(body_schema_name)
            body_schema = spec.schemas[body_schema_name]
            required = set(body_schema.get("required", []))
            for json_name, prop in body_schema.get("properties", {}).items():
                if idempotency == "body" and json_name == "idempotency_key":
                    continue
                if json_name in CALL_OPTION_NAMES:
                    raise ValueError(
                        f"{operation_id}: body field {json_name!r} clashes with a call option"
                    )
                name = python_name(json_name)
                parameters.append(
                    Parameter(
                        json_name=json_name,
                        name=name,
                        location="body",
                        annotation=params.annotation(
                            prop, module, body_schema_name + pascal(json_name)
                        ),
                        required=json_name in required,
                        description=docstring_text(prop.get("description", "")),
                        deprecation=deprecation(prop, _argument(name, operation_id)),
                    )
                )
        for parameter in parameters:
            if parameter.deprecation is not None and parameter.required:
                raise ValueError(
                    f"{operation_id}: `{parameter.json_name}` is deprecated but required; a "
                    "caller cannot stop sending it: make it optional first"
                )

        status, content = _success(operation)
        kind, return_type, cast = _return(spec, models, operation, content)
        page_model = (
            models.define(ref_name(content["application/json"]["schema"]["$ref"]))
            if kind == "page"
            else None
        )
        root_ops = node.operations
        root_ops.append(
            OperationDef(
                id=operation_id,
                resource=resource_key,
                method_name=method_name,
                http_method=method,
                path=path,
                summary=docstring_text(operation.get("summary", "")),
                description=docstring_text(operation.get("description", "")),
                parameters=parameters,
                kind=kind,
                return_type=return_type,
                cast_expression=cast,
                idempotency=idempotency,
                scope=operation.get("x-ccx-scope"),
                sandbox_only=bool(operation.get("x-ccx-sandbox-only", False)),
                success_status=status,
                body_schema=body_schema_name,
                query_model=pascal(operation_id) + "Query" if query_schemas else None,
                deprecation=deprecation(operation, f"`client.{operation_id}()`"),
                page_model=page_model,
            )
        )
    return roots


def _argument(name: str, operation_id: str) -> str:
    return f"The `{name}` argument of `client.{operation_id}()`"


def _return(
    spec: Spec, models: Builder, operation: Mapping[str, Any], content: Mapping[str, Any]
) -> tuple[Any, Expr, Expr]:
    module = models.types.module(operation["operationId"].split(".")[0])
    if not content:
        return "empty", NONE, NONE
    if "text/event-stream" in content:
        # The schema is one SSE message, whose `data` holds the event (OpenAPI's SSE model),
        # possibly beside plain text for tools that validate the body whole.
        stream = content["text/event-stream"]["schema"]
        reference = next(member["$ref"] for member in stream.get("oneOf", [stream]))
        message = spec.schemas[ref_name(reference)]
        event = models.annotation(message["properties"]["data"]["contentSchema"], module, "Event")
        return "stream", event, event
    if "application/json" not in content:
        return "bytes", builtin("bytes"), builtin("bytes")
    schema = content["application/json"]["schema"]
    if operation.get("x-ccx-paginated"):
        listing = spec.schemas[ref_name(schema["$ref"])]
        items = listing["properties"]["data"]["items"]
        item = models.annotation(items, module, "Item")
        is_union = "$ref" in items and spec.is_union(ref_name(items["$ref"]))
        return "page", item, Call(CAST, (ANY, item)) if is_union else item
    name = ref_name(schema["$ref"])
    annotation = models.define(name)
    cast = Call(CAST, (ANY, annotation)) if spec.is_union(name) else annotation
    return "json", annotation, cast
