"""Turn the spec into type modules, resources and the mock's route table."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .spec import (
    CALL_OPTION_NAMES,
    ENUMS_MODULE,
    EVENTS_MODULE,
    SHARED_MODULE,
    AliasDef,
    Context,
    ObjectDef,
    OperationDef,
    Parameter,
    Property,
    ResourceDef,
    Schema,
    Spec,
    TypeModule,
    pascal,
    python_name,
    ref_name,
)

_PRIMITIVES = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "null": "None",
}
_HEADER_PARAMETERS = "header"


def _union(members: Iterable[str]) -> str:
    unique = list(dict.fromkeys(members))
    if "None" in unique:
        unique = [m for m in unique if m != "None"] + ["None"]
    return " | ".join(unique) if len(unique) > 1 else unique[0]


def _literal(values: Iterable[Any]) -> str:
    return "Literal[" + ", ".join(json.dumps(v) for v in values) + "]"


def _enum_literal(schema: Schema) -> tuple[str, bool, bool]:
    """An enum's ``Literal``, whether it is open (more than one value), and whether null is one."""
    values = [v for v in schema["enum"] if v is not None]
    return _literal(values), len(values) > 1, None in schema["enum"]


def _docstring_text(text: str) -> str:
    return text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


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

    def module_for(self, schema_name: str) -> str:
        if self.context == "mock":
            return "mock"
        if self.spec.is_alias(schema_name):
            return ENUMS_MODULE
        return self.owner_of.get(
            schema_name, SHARED_MODULE if self.context == "model" else "shared_params"
        )

    # ---- definitions

    def define(self, schema_name: str) -> str:
        """Make sure the named schema is generated; return the name to use for it."""
        if self.aliases is not None and self.spec.is_alias(schema_name):
            return self.aliases.define(schema_name)
        name = self.generated_name(schema_name)
        if name in self.types.location or name in self._building:
            return name
        self._building.add(name)
        module = self.types.module(self.module_for(schema_name))
        schema = self.spec.schemas[schema_name]
        description = schema.get("description", "")
        if self.spec.is_alias(schema_name):
            # An enum's alias stays precise (request params use it); response fields open it.
            annotation = (
                _enum_literal(schema)[0]
                if self.spec.is_enum(schema_name)
                else self.annotation(schema, module, name)
            )
            constraints = self.constraints(schema) if self.context == "mock" else ""
            if constraints:  # so the mock enforces a named string's pattern wherever it is used
                annotation = f"Annotated[{annotation}, Field({constraints})]"
            module.aliases.append(AliasDef(name, annotation, description))
        elif self.spec.is_union(schema_name):
            module.aliases.append(AliasDef(name, self.union(schema, module, name), description))
        else:
            module.objects.append(self.object(name, schema, module))
        self.types.location[name] = module.name
        self._building.discard(name)
        return name

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
            base = base or "EventModel"
        return ObjectDef(name, schema.get("description", ""), properties, base, forbid)

    def property(
        self, owner: str, json_name: str, schema: Schema, required: bool, module: TypeModule
    ) -> Property:
        annotation = self.annotation(schema, module, owner + pascal(json_name))
        nullable = annotation.endswith("| None") or annotation == "None"
        constraints = self.constraints(schema) if self.context == "mock" else ""
        return Property(
            json_name=json_name,
            name=python_name(json_name, model=self.context != "param"),
            annotation=annotation,
            required=required,
            nullable=nullable,
            description=_docstring_text(schema.get("description", "")),
            constraints=constraints,
            secret=schema.get("format") == "password",
        )

    # ---- annotations

    def annotation(self, schema: Schema, module: TypeModule, hint: str) -> str:
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
            return _union([literal, "None"]) if nullable else literal
        for combinator in ("oneOf", "anyOf"):
            if combinator in schema:
                return self.union(schema, module, hint)
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.annotation(schema["allOf"][0], module, hint)
        kind = schema.get("type")
        if kind == "null":
            return "None"
        if isinstance(kind, list):
            return _union(self.annotation({**schema, "type": k}, module, hint) for k in kind)
        if kind == "array":
            items = schema.get("items", {})
            item = self.annotation(items, module, hint + "Item")
            # Each item's length, checked item by item; handlers word pattern errors better.
            lengths = {key: items[key] for key in ("minLength", "maxLength") if key in items}
            if self.context == "mock" and "$ref" not in items and lengths:
                item = f"Annotated[{item}, Field({self.constraints(lengths)})]"
            if self.context == "mock" and schema.get("uniqueItems"):
                return f"Annotated[list[{item}], _UNIQUE]"  # a rule pydantic has no keyword for
            return f"list[{item}]"
        if kind == "object" or "properties" in schema:
            if "properties" in schema:
                return self.inline_object(schema, module, hint)
            extra = schema.get("additionalProperties", True)
            value = "Any" if extra in (True, {}) else self.annotation(extra, module, hint + "Value")
            mapping = "Mapping" if self.context == "param" else "dict"
            return f"{mapping}[str, {value}]"
        if kind == "string" and schema.get("format") == "date-time":
            if self.context == "param":
                return "str | datetime"
            return "AwareDatetime" if self.context == "mock" else "datetime"
        if kind in _PRIMITIVES:
            return _PRIMITIVES[kind]
        return "Any"

    def open_enum(self, literal: str, is_open: bool) -> str:
        """A response field's enum admits values a newer API adds (see ``ccx._models``)."""
        return f"OpenEnum[{literal}]" if self.context == "model" and is_open else literal

    def union(self, schema: Schema, module: TypeModule, hint: str) -> str:
        options = schema.get("oneOf") or schema.get("anyOf") or []
        members = [
            self.annotation(option, module, f"{hint}Variant{i}") for i, option in enumerate(options)
        ]
        discriminator = schema.get("discriminator", {}).get("propertyName")
        if discriminator and self.context == "model":
            # Open: a variant a newer API adds is read as the `Unknown…` model.
            unknown = self.unknown_variant(options, discriminator, module, hint)
            known = f'Annotated[{_union(members)}, Discriminator("{discriminator}")]'
            return f"OpenUnion[{known}, {unknown}]"
        if discriminator and self.context != "param":
            return f'Annotated[{_union(members)}, Field(discriminator="{discriminator}")]'
        return _union(members)

    def unknown_variant(
        self, options: list[Schema], discriminator: str, module: TypeModule, hint: str
    ) -> str:
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
            return name
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
                prop.annotation, prop.required, prop.nullable = "str", True, False
                prop.description = f"The `{discriminator}`, one this version does not know."
        base = "EventModel" if events else None
        module.objects.append(ObjectDef(name, description, properties, base))
        self.types.location[name] = module.name
        return name

    def unknown_property(
        self, owner: str, json_name: str, schemas: list[Schema], module: TypeModule
    ) -> Property:
        first = schemas[0]
        plain = [{k: v for k, v in s.items() if k != "description"} for s in schemas]
        objects = any(
            "properties" in s or s.get("type") == "object" or self._is_object_ref(s)
            for s in schemas
        )
        if objects:
            annotation, empty = "dict[str, Any]", True
        elif "const" in first:
            annotation, empty = "str", False
        elif all(s == plain[0] for s in plain):
            annotation, empty = self.annotation(first, module, owner + pascal(json_name)), False
        else:
            annotation, empty = "Any", False
        return Property(
            json_name=json_name,
            name=python_name(json_name, model=True),
            annotation=annotation,
            required=False,
            nullable=annotation.endswith("| None") or annotation == "Any",
            description=_docstring_text(first.get("description", "")),
            empty_default=empty,
        )

    def _is_object_ref(self, schema: Schema) -> bool:
        return "$ref" in schema and not self.spec.is_alias(ref_name(schema["$ref"]))

    def inline_object(self, schema: Schema, module: TypeModule, hint: str) -> str:
        name = hint + ("Param" if self.context == "param" and not hint.endswith("Param") else "")
        if name not in self.types.location:
            self.types.location[name] = module.name
            module.objects.append(self.object(name, schema, module))
        return name

    @staticmethod
    def constraints(schema: Schema) -> str:
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
        found = [f"{mapping[key]}={json.dumps(schema[key])}" for key in mapping if key in schema]
        return ", ".join(found)


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
                "str"
                if location == "path"
                else params.annotation(schema, module, pascal(raw["name"]))
            )
            parameters.append(
                Parameter(
                    json_name=raw["name"],
                    name=python_name(raw["name"]),
                    location=location,
                    annotation=annotation,
                    required=bool(raw.get("required", location == "path")),
                    description=_docstring_text(raw.get("description", "")),
                )
            )
            if location == "query":
                query_schemas[raw["name"]] = (schema, bool(raw.get("required")))

        idempotency = operation.get("x-ccx-idempotency")
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
                parameters.append(
                    Parameter(
                        json_name=json_name,
                        name=python_name(json_name),
                        location="body",
                        annotation=params.annotation(
                            prop, module, body_schema_name + pascal(json_name)
                        ),
                        required=json_name in required,
                        description=_docstring_text(prop.get("description", "")),
                    )
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
                summary=_docstring_text(operation.get("summary", "")),
                description=_docstring_text(operation.get("description", "")),
                parameters=parameters,
                kind=kind,
                return_type=return_type,
                cast_expression=cast,
                body_idempotency_key=idempotency == "body",
                idempotency=idempotency,
                scope=operation.get("x-ccx-scope"),
                sandbox_only=bool(operation.get("x-ccx-sandbox-only", False)),
                success_status=status,
                body_schema=body_schema_name,
                query_model=pascal(operation_id) + "Query" if query_schemas else None,
                deprecated=bool(operation.get("deprecated", False)),
                page_model=page_model,
            )
        )
    return roots


def _return(
    spec: Spec, models: Builder, operation: Mapping[str, Any], content: Mapping[str, Any]
) -> tuple[Any, str, str]:
    module = models.types.module(operation["operationId"].split(".")[0])
    if not content:
        return "empty", "None", "None"
    if "text/event-stream" in content:
        # The schema is one SSE message, whose `data` holds the event (OpenAPI's SSE model),
        # possibly beside plain text for tools that validate the body whole.
        stream = content["text/event-stream"]["schema"]
        reference = next(member["$ref"] for member in stream.get("oneOf", [stream]))
        message = spec.schemas[ref_name(reference)]
        event = models.annotation(message["properties"]["data"]["contentSchema"], module, "Event")
        return "stream", event, event
    if "application/json" not in content:
        return "bytes", "bytes", "bytes"
    schema = content["application/json"]["schema"]
    if operation.get("x-ccx-paginated"):
        listing = spec.schemas[ref_name(schema["$ref"])]
        items = listing["properties"]["data"]["items"]
        item = models.annotation(items, module, "Item")
        union = "$ref" in items and spec.is_union(ref_name(items["$ref"]))
        return "page", item, f"cast(Any, {item})" if union else item
    name = ref_name(schema["$ref"])
    annotation = models.define(name)
    cast = f"cast(Any, {annotation})" if spec.is_union(name) else annotation
    return "json", annotation, cast
