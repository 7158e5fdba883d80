"""Render the built definitions into Python files, formatted and import-sorted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2

from .build import Builder, TypeSet, build_operations, owners
from .spec import (
    ENUMS_MODULE,
    EVENTS_MODULE,
    ObjectDef,
    OperationDef,
    Property,
    ResourceDef,
    Spec,
    TypeModule,
    pascal,
    python_name,
)

TYPES_DIR = Path("src/ccx/types")
RESOURCES_DIR = Path("src/ccx/resources")
MOCK_SPEC = Path("src/ccx/mock/_spec.py")
MOCK_SPEC_JSON = Path("src/ccx/mock/openapi.json")

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=False,
)

# Where each name that generated code may mention comes from, outside the generated modules.
_STDLIB = {
    "datetime": "datetime",
    "Any": "typing",
    "Literal": "typing",
    "cast": "typing",
    "Mapping": "collections.abc",
    "cached_property": "functools",
    "builtins": "",
    "Annotated": "typing_extensions",
    "TypeAlias": "typing_extensions",
    "TypedDict": "typing_extensions",
    "Required": "typing_extensions",
    "Field": "pydantic",
    "Discriminator": "pydantic",
    "AwareDatetime": "pydantic",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_EVENT_TYPES = '''

EVENT_TYPES: tuple[str, ...] = ({types})
"""Every event type this SDK version knows, in the spec's order."""
'''
# What generated models may take from the hand-written core (`ccx._models`).
_MODEL_CORE = ("BaseModel", "EventModel", "OpenEnum", "OpenUnion")


_LIST_TYPE = re.compile(r"\blist\[")


def _shield_list(module: TypeModule) -> TypeModule:
    """A field called `list` shadows the builtin inside its class body: name the builtin."""
    if not any(p.json_name == "list" for obj in module.objects for p in obj.properties):
        return module
    objects = [
        replace(
            obj,
            properties=[
                replace(p, annotation=_LIST_TYPE.sub("builtins.list[", p.annotation))
                for p in obj.properties
            ],
        )
        for obj in module.objects
    ]
    return replace(module, objects=objects)


def _names(text: str) -> set[str]:
    return set(_IDENTIFIER.findall(text))


def stdlib_imports(used: Iterable[str]) -> str:
    by_module: dict[str, set[str]] = {}
    for name in used:
        if name in _STDLIB:
            by_module.setdefault(_STDLIB[name], set()).add(name)
    lines = ["import builtins"] if by_module.pop("", None) else []
    lines += [
        f"from {module} import {', '.join(sorted(names))}"
        for module, names in sorted(by_module.items())
    ]
    return "\n".join(lines)


def local_imports(
    used: Iterable[str], location: Mapping[str, str], here: str
) -> list[tuple[str, list[str]]]:
    by_module: dict[str, set[str]] = {}
    for name in used:
        module = location.get(name)
        if module is not None and module != here:
            by_module.setdefault(module, set()).add(name)
    return [(module, sorted(names)) for module, names in sorted(by_module.items())]


def module_text(module: TypeModule) -> str:
    parts = [obj.base or "" for obj in module.objects]
    parts += [prop.annotation for obj in module.objects for prop in obj.properties]
    parts += [alias.annotation for alias in module.aliases]
    return " ".join(parts)


# --------------------------------------------------------------------------- type modules


def _order(objects: list[ObjectDef]) -> list[ObjectDef]:
    """Definitions before their users, so pydantic and functional TypedDicts resolve at import."""
    by_name = {obj.name: obj for obj in objects}
    ordered: list[ObjectDef] = []
    seen: set[str] = set()

    def visit(obj: ObjectDef) -> None:
        if obj.name in seen:
            return
        seen.add(obj.name)
        mentioned = _names(" ".join([obj.base or ""] + [p.annotation for p in obj.properties]))
        for name in sorted(mentioned):
            if name in by_name and name != obj.name:
                visit(by_name[name])
        ordered.append(obj)

    for obj in objects:
        visit(obj)
    return ordered


def render_model_module(spec: Spec, module: TypeModule, location: Mapping[str, str]) -> str:
    module = _shield_list(module)
    footer = ""
    exports = module.exports
    if module.name == EVENTS_MODULE:
        types = "".join(f'"{event}", ' for event, _schema in spec.webhook_events())
        footer = _EVENT_TYPES.format(types=types)
        exports = [*exports, "EVENT_TYPES"]
    used = (
        _names(module_text(module) + footer) | {"TypeAlias"}
        if module.aliases
        else _names(module_text(module) + footer)
    )
    for obj in module.objects:
        if any(p.name != p.json_name or p.secret or p.empty_default for p in obj.properties):
            used.add("Field")
    used |= {"BaseModel"} if any(obj.base is None for obj in module.objects) else set()
    doc = _module_doc(module.name)
    return _ENVIRONMENT.get_template("types_module.py.jinja").render(
        version=spec.version,
        doc=doc,
        stdlib_imports=stdlib_imports(used),
        core_imports=[name for name in _MODEL_CORE if name in used],
        imports=local_imports(used, location, module.name),
        exports=exports,
        objects=_order(module.objects),
        aliases=module.aliases,
        footer=footer,
    )


@dataclass
class _TypedDictProperty:
    json_name: str
    typed_dict_annotation: str
    description: str


def render_params_module(spec: Spec, module: TypeModule, location: Mapping[str, str]) -> str:
    module = _shield_list(module)
    objects = []
    used = _names(module_text(module)) | {"TypedDict"}
    for obj in _order(module.objects):
        properties = []
        for prop in obj.properties:
            annotation = f"Required[{prop.annotation}]" if prop.required else prop.annotation
            if prop.required:
                used.add("Required")
            properties.append(_TypedDictProperty(prop.json_name, annotation, prop.description))
        functional = any(
            not p.json_name.isidentifier() or p.json_name != python_name(p.json_name)
            for p in obj.properties
        )
        objects.append(
            {
                "name": obj.name,
                "base": obj.base,
                "description": obj.description,
                "properties": properties,
                "functional": functional,
            }
        )
    if module.aliases:
        used.add("TypeAlias")
    return _ENVIRONMENT.get_template("params_module.py.jinja").render(
        version=spec.version,
        doc=_module_doc(module.name),
        stdlib_imports=stdlib_imports(used),
        imports=local_imports(used, location, module.name),
        exports=module.exports,
        objects=objects,
        aliases=module.aliases,
    )


def _module_doc(name: str) -> str:
    if name == ENUMS_MODULE:
        return "Named enumerations of the API, as `Literal` unions."
    if name == EVENTS_MODULE:
        return "Webhook events: one model per event type, and the `Event` union discriminated on `event`."
    if name.endswith("_params"):
        return f"TypedDicts for the nested request objects of `{name.removesuffix('_params')}`."
    return (
        f"Response models of `{name}`."
        if name != "shared"
        else "Response models shared by several resources."
    )


# --------------------------------------------------------------------------- resources


@dataclass
class MethodView:
    """What the resource template prints for one operation."""

    op: OperationDef
    constant_name: str
    sync_return: str
    async_return: str
    docstring: str
    union: bool
    async_raw_wrapper: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.op, name)

    def located(self, location: str) -> list[Any]:
        return self.op.located(location)


def _docstring(op: OperationDef) -> str:
    lines = [op.summary.rstrip(".") + "." if op.summary else op.id]
    if op.description and op.description != op.summary:
        lines += ["", op.description]
    documented = [p for p in op.positional + op.keyword if p.description]
    if documented:
        lines += ["", "Args:"]
        for parameter in documented:
            text = " ".join(parameter.description.split())
            lines.append(f"  {parameter.name}: {text}")
    return "\n".join(lines)


def _method_view(spec: Spec, op: OperationDef) -> MethodView:
    # Inside a resource class a method may be called `list`, so annotations name the builtin.
    parameters = [
        replace(p, annotation=_LIST_TYPE.sub("builtins.list[", p.annotation)) for p in op.parameters
    ]
    op = replace(op, parameters=parameters)
    returns = op.return_type
    sync_return = {"page": f"SyncCursorPage[{returns}]", "stream": f"Stream[{returns}]"}.get(
        op.kind, returns
    )
    async_return = {"page": f"AsyncPaginator[{returns}]", "stream": f"AsyncStream[{returns}]"}.get(
        op.kind, returns
    )
    wrapper = {
        "page": "async_paginator_raw_wrapper",
        "stream": "async_stream_raw_wrapper",
    }.get(op.kind, "async_to_raw_response_wrapper")
    constant = "_" + "_".join([*op.resource[1:], op.method_name]).upper()
    return MethodView(
        op=op,
        constant_name=constant,
        sync_return=sync_return,
        async_return=async_return,
        docstring=_docstring(op),
        union=op.kind == "json" and op.cast_expression.startswith("cast("),
        async_raw_wrapper=wrapper,
    )


@dataclass
class ResourceView:
    class_name: str
    docstring: str
    first_line: str
    module: str
    operations: list[MethodView]
    children: dict[str, ResourceView]


def _resource_view(spec: Spec, resource: ResourceDef, type_names: Collection[str]) -> ResourceView:
    description = resource.description or f"The `{'.'.join(resource.path)}` operations."
    # A resource may share its name with a model (`me` returns `Me`): the resource gives way.
    class_name = resource.class_name + ("Resource" if resource.class_name in type_names else "")
    return ResourceView(
        class_name=class_name,
        docstring=description.strip(),
        first_line=description.strip().split("\n")[0],
        module=resource.module,
        operations=[_method_view(spec, op) for op in resource.operations],
        children={
            name: _resource_view(spec, child, type_names)
            for name, child in resource.children.items()
        },
    )


def _flatten(view: ResourceView) -> list[ResourceView]:
    found = []
    for child in view.children.values():
        found += _flatten(child)
    return [*found, view]


def render_resource_module(spec: Spec, resource: ResourceDef, location: Mapping[str, str]) -> str:
    views = _flatten(_resource_view(spec, resource, location))
    operations = [m for v in views for m in v.operations]
    text = " ".join(
        " ".join(
            [m.sync_return, m.cast_expression, m.op.page_model or ""]
            + [p.annotation for p in m.op.parameters]
        )
        for m in operations
    )
    used = _names(text) | {"cached_property", "builtins"}
    if any(m.cast_expression.startswith("cast(") for m in operations):
        used |= {"cast", "Any"}
    response_imports = {"to_raw_response_wrapper"} | {m.async_raw_wrapper for m in operations}
    if not operations:
        response_imports = set()
    types_imports = ["NOT_GIVEN", "Body", "Headers", "NotGiven", "Query", "Timeout"]
    return _ENVIRONMENT.get_template("resource_module.py.jinja").render(
        version=spec.version,
        doc=views[-1].docstring.split("\n")[0],
        stdlib_imports=stdlib_imports(used),
        response_imports=sorted(response_imports) or ["APIResponse"],
        types_imports=types_imports,
        uses_page=any(m.kind == "page" for m in operations),
        uses_stream=any(m.kind == "stream" for m in operations),
        imports=local_imports(used, location, ""),
        resources=views,
    )


# --------------------------------------------------------------------------- mock route table


def render_mock_spec(spec: Spec, operations: list[OperationDef]) -> str:
    mock = Builder(spec, "mock", TypeSet("mock"), {})
    for op in operations:
        if op.body_schema:
            mock.define(op.body_schema)
    module = mock.types.module("mock")
    for path, _method, operation, parameters in spec.operations():
        del path
        query = [p for p in parameters if p["in"] == "query"]
        if not query:
            continue
        required = {p["name"] for p in query if p.get("required")}
        schema = {
            "type": "object",
            "properties": {p["name"]: p.get("schema", {}) for p in query},
            "required": sorted(required),
        }
        module.objects.append(
            replace(
                mock.object(pascal(operation["operationId"]) + "Query", schema, module),
                forbid_extra=False,
            )
        )
    module = _shield_list(module)
    for obj in module.objects:
        obj.properties = [_with_field(p) for p in obj.properties]
    used = _names(module_text(module)) | {"Literal", "Annotated"}
    used |= {"TypeAlias"} if module.aliases else set()
    return _ENVIRONMENT.get_template("mock_spec.py.jinja").render(
        version=spec.version,
        stdlib_imports=stdlib_imports(used - {"Field"}),
        objects=_order(module.objects),
        aliases=module.aliases,
        operations=operations,
    )


@dataclass
class _MockProperty:
    name: str
    json_name: str
    annotation: str
    required: bool
    field: str


def _with_field(prop: Property) -> Any:
    arguments = []
    if not prop.required:
        arguments.append("default=None")
    if prop.name != prop.json_name:
        arguments.append(f'alias="{prop.json_name}"')
    if prop.constraints:
        arguments.append(prop.constraints)
    if arguments == ["default=None"]:
        field_text = " = None"
    else:
        field_text = f" = Field({', '.join(arguments)})" if arguments else ""
    return _MockProperty(prop.name, prop.json_name, prop.annotation, prop.required, field_text)


# --------------------------------------------------------------------------- everything


def render_all(document: Mapping[str, Any]) -> dict[Path, str]:
    spec = Spec(document)
    model_types = TypeSet("model")
    models = Builder(spec, "model", model_types, owners(spec, requests=False))
    params = Builder(spec, "param", TypeSet("param"), owners(spec, requests=True), aliases=models)
    response_owners, request_owners = owners(spec, requests=False), owners(spec, requests=True)
    # Response schemas become models, request schemas TypedDicts; a schema nothing uses still
    # gets a model, so every schema of the spec has a type.
    for name in spec.schemas:
        if name in response_owners or name not in request_owners:
            models.define(name)
    for name in spec.schemas:
        if name in request_owners:
            params.define(name)
    roots = build_operations(spec, models, params)

    location = {**model_types.location, **params.types.location}
    files: dict[Path, str] = {}
    for module in model_types.modules.values():
        if module.objects or module.aliases:
            files[TYPES_DIR / f"{module.name}.py"] = render_model_module(
                spec, module, model_types.location
            )
    for module in params.types.modules.values():
        if module.objects or module.aliases:
            files[TYPES_DIR / f"{module.name}.py"] = render_params_module(spec, module, location)
    type_exports = sorted(
        (path.stem, sorted(_exports(files[path]))) for path in files if path.parent == TYPES_DIR
    )
    files[TYPES_DIR / "__init__.py"] = _ENVIRONMENT.get_template("lazy_init.py.jinja").render(
        version=spec.version,
        doc="Every type of the API. Names are imported from their module on first use.",
        exports=type_exports,
    )
    operations: list[OperationDef] = []
    for name, resource in roots.items():
        files[RESOURCES_DIR / f"{name}.py"] = render_resource_module(spec, resource, location)
        operations += [op for node in resource.walk() for op in node.operations]
    views = [_resource_view(spec, resource, location) for resource in roots.values()]
    files[RESOURCES_DIR / "_root.py"] = _ENVIRONMENT.get_template("root.py.jinja").render(
        version=spec.version, resources=views
    )
    resource_exports = sorted(
        (
            view.module,
            sorted({f"{prefix}{v.class_name}" for v in _flatten(view) for prefix in ("", "Async")}),
        )
        for view in views
    )
    files[RESOURCES_DIR / "__init__.py"] = _ENVIRONMENT.get_template("lazy_init.py.jinja").render(
        version=spec.version,
        doc="The API's resources, one module each, imported on first use.",
        exports=resource_exports,
    )
    files[MOCK_SPEC] = render_mock_spec(spec, operations)
    return files


def _exports(source: str) -> list[str]:
    match = re.search(r"__all__ = \[(.*?)\]", source, re.S)
    return re.findall(r'"([^"]+)"', match.group(1)) if match else []


def spec_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def format_sources(files: dict[Path, str]) -> dict[Path, str]:
    """Run ruff over the rendered sources in a scratch directory, the same way every time."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for path, text in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        ruff = [sys.executable, "-m", "ruff"]
        options = ["--line-length", "100", "--target-version", "py310", "--no-cache", "--isolated"]
        subprocess.run(
            [*ruff, "check", "--fix", "--select", "I,F401,UP", "--quiet", *options, str(root)],
            check=False,
        )
        subprocess.run([*ruff, "format", "--quiet", *options, str(root)], check=True)
        return {path: (root / path).read_text() for path in files}
