"""Render the built definitions into Python files, formatted and import-sorted."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from . import expr
from .build import (
    MOCK_MODULE,
    Builder,
    TypeSet,
    build_operations,
    docstring_text,
    owners,
    types_module,
)
from .expr import ANNOTATED, CAST, FIELD, LITERAL, REQUIRED, Expr, Ref, subscript
from .spec import (
    ENUMS_MODULE,
    EVENTS_MODULE,
    Deprecation,
    ObjectDef,
    OperationDef,
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
# A Python string literal (JSON's escapes are Python's too).
_ENVIRONMENT.filters["literal"] = partial(json.dumps, ensure_ascii=False)

# Names the templates print themselves, beside the expressions they are given.
_BASE_MODEL = Ref("ccx._models", "BaseModel")
_TYPE_ALIAS = Ref("typing", "TypeAlias")
_TYPED_DICT = Ref("typing_extensions", "TypedDict")
_DEPRECATED = expr.name("typing_extensions", "deprecated")
_OVERLOAD = expr.name("typing", "overload")
_WARN = expr.name("warnings", "warn")
_SYNC_PAGE = expr.name("ccx._pagination", "SyncCursorPage")
_ASYNC_PAGE = expr.name("ccx._pagination", "AsyncPaginator")
_SYNC_STREAM = expr.name("ccx._streaming", "Stream")
_ASYNC_STREAM = expr.name("ccx._streaming", "AsyncStream")
_RAW_WRAPPER = expr.name("ccx._response", "to_raw_response_wrapper")
_ASYNC_RAW_WRAPPERS = {
    "page": expr.name("ccx._response", "async_paginator_raw_wrapper"),
    "stream": expr.name("ccx._response", "async_stream_raw_wrapper"),
}
_ASYNC_RAW_WRAPPER = expr.name("ccx._response", "async_to_raw_response_wrapper")
# The builtins a generated class body may hide, by a field or a method of that name (`list`):
# annotations after it must name them through `builtins`. Resource classes always hide `list`.
_SHADOWABLE = frozenset({"list"})


def _relative(module: str, here: str) -> str:
    """``module`` as the generated module ``here`` imports it: relative inside the package."""
    if not module.startswith("ccx."):
        return module
    package = here.split(".")[:-1]
    parts = module.split(".")
    shared = 0
    while shared < min(len(package), len(parts) - 1) and package[shared] == parts[shared]:
        shared += 1
    return "." * (len(package) - shared + 1) + ".".join(parts[shared:])


def _import_groups(refs: Iterable[Ref], here: str) -> list[tuple[str, list[str]]]:
    """(module, names) to import, ``names`` empty for ``import module``; ruff orders them."""
    by_module: dict[str, set[str]] = {}
    for ref in refs:
        if ref.module != here:
            names = by_module.setdefault(_relative(ref.module, here), set())
            if ref.name:
                names.add(ref.name)
    return [(module, sorted(names)) for module, names in sorted(by_module.items())]


def _render(
    template: str, *, here: str, refs: Iterable[Ref], shadowed: Collection[str], **values: Any
) -> str:
    return _ENVIRONMENT.get_template(template).render(
        imports=_import_groups(refs, here),
        show=partial(expr.render, shadowed=shadowed),
        **values,
    )


# --------------------------------------------------------------------------- type modules


def _shadowed(module: TypeModule) -> frozenset[str]:
    """The builtins a class of ``module`` hides by naming a field after one."""
    names = {p.name for obj in module.objects for p in obj.properties}
    return _SHADOWABLE & names


def _printed(module: TypeModule) -> list[Expr]:
    found: list[Expr] = [obj.base for obj in module.objects if obj.base is not None]
    found += [p.annotation for obj in module.objects for p in obj.properties]
    found += [alias.annotation for alias in module.aliases]
    return found


def _order(objects: list[ObjectDef], here: str) -> list[ObjectDef]:
    """Definitions before their users, so pydantic and functional TypedDicts resolve at import."""
    by_name = {obj.name: obj for obj in objects}
    ordered: list[ObjectDef] = []
    seen: set[str] = set()

    def visit(obj: ObjectDef) -> None:
        if obj.name in seen:
            return
        seen.add(obj.name)
        printed: list[Expr] = [obj.base] if obj.base is not None else []
        printed += [p.annotation for p in obj.properties]
        mentioned = {ref.name for e in printed for ref in expr.references(e) if ref.module == here}
        for name in sorted(mentioned):
            if name in by_name and name != obj.name:
                visit(by_name[name])
        ordered.append(obj)

    for obj in objects:
        visit(obj)
    return ordered


def _event_types(spec: Spec, module: TypeModule) -> list[str]:
    """``EVENT_TYPES`` of the events module: every event type, in the spec's order."""
    return (
        [event for event, _schema in spec.webhook_events()] if module.name == EVENTS_MODULE else []
    )


def _exports(spec: Spec, module: TypeModule) -> list[str]:
    return module.exports + (["EVENT_TYPES"] if _event_types(spec, module) else [])


def render_model_module(spec: Spec, module: TypeModule) -> str:
    here = types_module(module.name)
    shadowed = _shadowed(module)
    refs = expr.imports(_printed(module), shadowed)
    if module.aliases:
        refs.add(_TYPE_ALIAS)
    if any(obj.base is None for obj in module.objects):
        refs.add(_BASE_MODEL)
    if any(
        p.name != p.json_name or p.secret or p.empty_default or p.deprecation
        for obj in module.objects
        for p in obj.properties
    ):
        refs.add(FIELD.ref)
    if any(obj.deprecation for obj in module.objects):
        refs.add(_DEPRECATED.ref)
    return _render(
        "types_module.py.jinja",
        here=here,
        refs=refs,
        shadowed=shadowed,
        version=spec.version,
        doc=_module_doc(module.name),
        exports=_exports(spec, module),
        objects=_order(module.objects, here),
        aliases=module.aliases,
        event_types=_event_types(spec, module),
    )


@dataclass
class _TypedDictProperty:
    json_name: str
    annotation: Expr
    description: str


@dataclass
class _TypedDictView:
    name: str
    base: Expr | None
    description: str
    properties: list[_TypedDictProperty]
    functional: bool
    """Keys that are no identifiers (`from`) need the functional syntax."""
    deprecation: Deprecation | None
    """Printed as ``@deprecated`` on the class syntax only; the docstring says it either way."""


def _typed_dict(obj: ObjectDef) -> _TypedDictView:
    properties = [
        _TypedDictProperty(
            prop.json_name,
            subscript(REQUIRED, prop.annotation) if prop.required else prop.annotation,
            prop.description,
        )
        for prop in obj.properties
    ]
    functional = any(
        not p.json_name.isidentifier() or p.json_name != python_name(p.json_name)
        for p in obj.properties
    )
    return _TypedDictView(
        obj.name, obj.base, obj.description, properties, functional, obj.deprecation
    )


def render_params_module(spec: Spec, module: TypeModule) -> str:
    here = types_module(module.name)
    objects = [_typed_dict(obj) for obj in _order(module.objects, here)]
    printed: list[Expr] = [view.base for view in objects if view.base is not None]
    printed += [p.annotation for view in objects for p in view.properties]
    printed += [alias.annotation for alias in module.aliases]
    shadowed = _shadowed(module)
    refs = expr.imports(printed, shadowed) | {_TYPED_DICT}
    if any(view.deprecation and not view.functional for view in objects):
        refs.add(_DEPRECATED.ref)
    if module.aliases:
        refs.add(_TYPE_ALIAS)
    return _render(
        "params_module.py.jinja",
        here=here,
        refs=refs,
        shadowed=shadowed,
        version=spec.version,
        doc=_module_doc(module.name),
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
    sync_return: Expr
    async_return: Expr
    docstring: str
    union: bool
    async_raw_wrapper: Expr

    def __getattr__(self, name: str) -> Any:
        return getattr(self.op, name)

    def printed(self) -> list[Expr]:
        """Every expression the template prints for this operation."""
        found = [self.sync_return, self.async_return, self.op.cast_expression, self.op.return_type]
        found += [p.annotation for p in self.op.parameters]
        found += [self.async_raw_wrapper, _RAW_WRAPPER]
        if self.op.page_model is not None:
            found.append(self.op.page_model)
        if self.union:  # the template wraps the call in `cast(<return type>, ...)`
            found.append(CAST)
        if self.op.deprecation or self.op.deprecated_parameters:
            found.append(_DEPRECATED)
        if self.op.deprecated_parameters:
            found.append(_WARN)
            if not self.op.deprecation:
                found.append(_OVERLOAD)
        return found

    @property
    def parameters_warning(self) -> str:
        """What type checkers say of a call passing any of the deprecated arguments."""
        return " ".join(
            p.deprecation.warning for p in self.op.deprecated_parameters if p.deprecation
        )


def _docstring(op: OperationDef) -> str:
    lines = [op.summary.rstrip(".") + "." if op.summary else op.id]
    if op.deprecation:
        lines += ["", docstring_text(op.deprecation.note)]
    if op.description and op.description != op.summary:
        lines += ["", op.description]
    documented = [p for p in op.positional + op.keyword if p.description or p.deprecation]
    if documented:
        lines += ["", "Args:"]
        for parameter in documented:
            notes = [parameter.description]
            if parameter.deprecation:
                notes.append(docstring_text(parameter.deprecation.note))
            text = " ".join(" ".join(notes).split())
            lines.append(f"  {parameter.name}: {text}")
    return "\n".join(lines)


def _method_view(op: OperationDef) -> MethodView:
    returns = op.return_type
    sync_return = {
        "page": subscript(_SYNC_PAGE, returns),
        "stream": subscript(_SYNC_STREAM, returns),
    }
    async_return = {
        "page": subscript(_ASYNC_PAGE, returns),
        "stream": subscript(_ASYNC_STREAM, returns),
    }
    constant = "_" + "_".join([*op.resource[1:], op.method_name]).upper()
    return MethodView(
        op=op,
        constant_name=constant,
        sync_return=sync_return.get(op.kind, returns),
        async_return=async_return.get(op.kind, returns),
        docstring=_docstring(op),
        union=op.kind == "json" and _is_cast(op.cast_expression),
        async_raw_wrapper=_ASYNC_RAW_WRAPPERS.get(op.kind, _ASYNC_RAW_WRAPPER),
    )


def _is_cast(expression: Expr) -> bool:
    return isinstance(expression, expr.Call) and expression.function == CAST


@dataclass
class ResourceView:
    class_name: str
    docstring: str
    first_line: str
    module: str
    operations: list[MethodView]
    children: dict[str, ResourceView]


def _resource_view(resource: ResourceDef, type_names: Collection[str]) -> ResourceView:
    description = resource.description or f"The `{'.'.join(resource.path)}` operations."
    # A resource may share its name with a model (`me` returns `Me`): the resource gives way.
    class_name = resource.class_name + ("Resource" if resource.class_name in type_names else "")
    return ResourceView(
        class_name=class_name,
        docstring=description.strip(),
        first_line=description.strip().split("\n")[0],
        module=resource.module,
        operations=[_method_view(op) for op in resource.operations],
        children={
            name: _resource_view(child, type_names) for name, child in resource.children.items()
        },
    )


def _flatten(view: ResourceView) -> list[ResourceView]:
    found = []
    for child in view.children.values():
        found += _flatten(child)
    return [*found, view]


def render_resource_module(spec: Spec, resource: ResourceDef, type_names: Collection[str]) -> str:
    views = _flatten(_resource_view(resource, type_names))
    printed = [e for view in views for method in view.operations for e in method.printed()]
    return _render(
        "resource_module.py.jinja",
        here=f"ccx.resources.{resource.module}",
        refs=expr.imports(printed, _SHADOWABLE),
        shadowed=_SHADOWABLE,
        version=spec.version,
        doc=views[-1].docstring.split("\n")[0],
        resources=views,
    )


# --------------------------------------------------------------------------- mock route table


def render_mock_spec(spec: Spec, operations: list[OperationDef]) -> str:
    mock = Builder(spec, "mock", TypeSet("mock"), {})
    for op in operations:
        if op.body_schema:
            mock.define(op.body_schema)
    module = mock.types.module("mock")
    for _path, _method, operation, parameters in spec.operations():
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
    shadowed = _shadowed(module)
    # The template prints `Literal` (the route table) and `Annotated` (optional fields) itself,
    # and imports `Field` with the rest of pydantic.
    refs = expr.imports(_printed(module), shadowed) | {LITERAL.ref, ANNOTATED.ref}
    refs.discard(FIELD.ref)
    if module.aliases:
        refs.add(_TYPE_ALIAS)
    return _render(
        "mock_spec.py.jinja",
        here=MOCK_MODULE,
        refs=refs,
        shadowed=shadowed,
        version=spec.version,
        objects=_order(module.objects, MOCK_MODULE),
        aliases=module.aliases,
        operations=operations,
    )


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

    type_names = {**model_types.location, **params.types.location}
    files: dict[Path, str] = {}
    type_exports: list[tuple[str, list[str]]] = []
    for module in model_types.modules.values():
        if module.objects or module.aliases:
            files[TYPES_DIR / f"{module.name}.py"] = render_model_module(spec, module)
            type_exports.append((module.name, sorted(_exports(spec, module))))
    for module in params.types.modules.values():
        if module.objects or module.aliases:
            files[TYPES_DIR / f"{module.name}.py"] = render_params_module(spec, module)
            type_exports.append((module.name, sorted(module.exports)))
    type_exports.sort()
    files[TYPES_DIR / "__init__.py"] = _ENVIRONMENT.get_template("lazy_init.py.jinja").render(
        version=spec.version,
        doc="Every type of the API. Names are imported from their module on first use.",
        exports=type_exports,
    )
    operations: list[OperationDef] = []
    for name, resource in roots.items():
        files[RESOURCES_DIR / f"{name}.py"] = render_resource_module(spec, resource, type_names)
        operations += [op for node in resource.walk() for op in node.operations]
    views = [_resource_view(resource, type_names) for resource in roots.values()]
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


def spec_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def format_sources(files: dict[Path, str]) -> dict[Path, str]:
    """Sort the imports and format with ruff, in a scratch directory, the same way every time.

    Only sorting: the imports themselves are exactly the references printed, so an unused or a
    missing one is a generator bug for `make lint` to report, not something to fix up here.
    """
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for path, text in files.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        ruff = [sys.executable, "-m", "ruff"]
        options = ["--line-length", "100", "--target-version", "py310", "--no-cache", "--isolated"]
        subprocess.run(
            [*ruff, "check", "--fix", "--select", "I", "--quiet", *options, str(root)],
            check=False,
        )
        subprocess.run([*ruff, "format", "--quiet", *options, str(root)], check=True)
        return {path: (root / path).read_text() for path in files}
