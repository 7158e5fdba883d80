"""The API reference as plain Markdown, from the package's signatures and docstrings (griffe).

Plain Markdown reads the same on GitHub as on the documentation site, which mkdocstrings'
``::: name`` directives did not. Each reference page says what it documents in an HTML
comment, invisible on both, and the part after it is rewritten:

    <!-- reference
    ccx.CCX: webhooks, api_key, with_options
    ccx.webhooks.flask.verify_webhook as flask.verify_webhook
    ccx.types.*
    -->
    (generated)
    <!-- end of reference -->

A line names an object, optionally with the heading to give it (``as``, default its own name)
and the members to show (default: its public members, with those of private bases, in source
order);
``module.*`` is every name the module exports, alphabetically. Objects are headings one level
below the page's heading before the block, their members one level below them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import griffe

__all__ = ["Reference", "load", "render_page"]

_BLOCK = re.compile(
    r"(?P<head><!-- reference\n(?P<items>.*?)\n-->\n)(?P<body>.*?)(?P<end><!-- end of reference -->)",
    re.DOTALL,
)
_HEADING = re.compile(r"^(#+) ", re.MULTILINE)
_WIDTH = 96
"""Signatures longer than this are written one parameter per line."""
_MODEL_BASES = frozenset({"BaseModel", "EventModel", "TypedDict"})
_ALIAS = re.compile(r"alias=['\"]([^'\"]+)['\"]")
_SECTION_TITLES = {
    griffe.DocstringSectionKind.parameters: "Arguments",
    griffe.DocstringSectionKind.other_parameters: "Keyword arguments",
    griffe.DocstringSectionKind.returns: "Returns",
    griffe.DocstringSectionKind.yields: "Yields",
    griffe.DocstringSectionKind.raises: "Raises",
    griffe.DocstringSectionKind.attributes: "Attributes",
}


@dataclass(frozen=True)
class Reference:
    """One line of a page's reference comment."""

    path: str
    heading: str
    members: tuple[str, ...] | None


def load(source: Path) -> griffe.Module:
    package = griffe.load("ccx", search_paths=[str(source)], docstring_parser="google")
    assert isinstance(package, griffe.Module)
    _EXPORTED.update(_exports(package))
    return package


def _exports(module: griffe.Module) -> list[str]:
    return [str(name) for name in module.exports or ()]


_EXPORTED: set[str] = set()
"""The names ``ccx`` exports, whatever private module defines them."""


def render_page(text: str, package: griffe.Module) -> str:
    """``text`` (a page) with every reference block rendered anew."""

    def render_block(match: re.Match[str]) -> str:
        references = [_parse(line) for line in match["items"].splitlines() if line.strip()]
        headings = _HEADING.findall(text, 0, match.start())
        level = len(headings[-1]) + 1 if headings else 2
        body = "\n".join(_render_references(references, package, level))
        return f"{match['head']}\n{body}\n{match['end']}"

    return _BLOCK.sub(render_block, text)


def _parse(line: str) -> Reference:
    named, _, members = line.strip().partition(":")
    path, _, heading = named.partition(" as ")
    listed = tuple(name.strip() for name in members.split(",") if name.strip())
    path = path.strip()
    return Reference(path, heading.strip() or path.rpartition(".")[2], listed or None)


def _render_references(
    references: list[Reference], package: griffe.Module, level: int
) -> Iterator[str]:
    for reference in references:
        if reference.path.endswith(".*"):
            module = _lookup(package, reference.path[:-2])
            assert isinstance(module, griffe.Module), reference.path
            for name in sorted(_exports(module), key=str.lower):
                yield from _render_object(name, _target(module.members[name]), None, level)
        else:
            obj = _lookup(package, reference.path)
            yield from _render_object(reference.heading, obj, reference.members, level)


def _lookup(package: griffe.Module, path: str) -> griffe.Object:
    parts = path.split(".")
    assert parts[0] == package.name, path
    obj: griffe.Object | griffe.Alias = package
    for part in parts[1:]:
        obj = _target(obj).members[part]
    return _target(obj)


def _target(obj: griffe.Object | griffe.Alias) -> griffe.Object:
    return obj.final_target if isinstance(obj, griffe.Alias) else obj


# -- objects ---------------------------------------------------------------------------------


def _render_object(
    heading: str, obj: griffe.Object, members: tuple[str, ...] | None, level: int
) -> Iterator[str]:
    yield f"{'#' * level} {heading}\n"
    if isinstance(obj, griffe.Class):
        yield from _render_class(obj, members, level + 1)
    elif isinstance(obj, griffe.Function):
        yield _code(_signature("def " + obj.name, obj))
        yield from _docstring(obj)
    elif isinstance(obj, griffe.Attribute):
        yield _code(_attribute_line(obj.name, obj))
        yield from _docstring(obj)


def _render_class(
    cls: griffe.Class, members: tuple[str, ...] | None, member_level: int
) -> Iterator[str]:
    name = cls.name
    bases = [str(base) for base in cls.bases if _is_public(base)]
    yield _code(f"class {name}({', '.join(bases)})" if bases else f"class {name}")
    yield from _docstring(cls)
    init = cls.members.get("__init__")
    if isinstance(init, griffe.Function) and init.docstring is not None:
        yield _code(_signature(name, init, returns=False))
        yield from _docstring(init)
    if members is None and _is_model(cls):
        yield from _fields(cls)
        return
    for member_name, member in _members(cls, members):
        yield f"{'#' * member_level} {member_name}\n"
        if isinstance(member, griffe.Function):
            yield _code(_signature("def " + member_name, member))
        elif isinstance(member, griffe.Attribute):
            yield _code(_attribute_line(member_name, member))
        yield from _docstring(member)


def _is_public(base: object) -> bool:
    """Whether a base class is one a reader can use: not private, nor from a private module
    unless the package exports it (``ccx.APIStatusError`` lives in ``ccx._exceptions``)."""
    path = str(getattr(base, "canonical_path", base))
    module, _, name = path.rpartition(".")
    private_module = any(part.startswith("_") for part in module.split("."))
    return not name.startswith("_") and (not private_module or name in _EXPORTED)


def _is_model(cls: griffe.Class) -> bool:
    return any(str(base).rpartition(".")[2] in _MODEL_BASES for base in cls.bases)


def _fields(cls: griffe.Class) -> Iterator[str]:
    fields = [
        member
        for member in cls.members.values()
        if isinstance(member, griffe.Attribute)
        and member.annotation is not None
        and not member.name.startswith("_")
        and member.name != "model_config"
    ]
    if fields:
        yield "**Fields**\n"
        yield "\n".join(
            _bullet(field.name, field.annotation, _json_name(field) + _text(field))
            for field in fields
        )
        yield ""


def _json_name(field: griffe.Attribute) -> str:
    alias = _ALIAS.search(str(field.value or ""))
    return f"(JSON `{alias[1]}`) " if alias else ""


def _members(
    cls: griffe.Class, names: tuple[str, ...] | None
) -> Iterator[tuple[str, griffe.Object]]:
    everything = cls.all_members
    if names is not None:
        for name in names:
            yield name, _target(everything[name])
        return
    for name, member in everything.items():
        target = _target(member)
        owner = target.parent
        # What a public base defines is documented with that base; a private base's is not.
        if not name.startswith("_") and (owner is cls or (owner and owner.name.startswith("_"))):
            yield name, target


# -- pieces ----------------------------------------------------------------------------------


def _code(source: str) -> str:
    return f"```python\n{source}\n```\n"


def _signature(prefix: str, function: griffe.Function, *, returns: bool = True) -> str:
    parameters = [p for p in function.parameters if p.name not in ("self", "cls")]
    rendered = list(_parameters(parameters))
    returned = function.returns if returns else None
    returns_text = f" -> {returned}" if returned is not None else ""
    line = f"{prefix}({', '.join(rendered)}){returns_text}"
    if len(line) <= _WIDTH:
        return line
    inner = "".join(f"    {item},\n" for item in rendered)
    return f"{prefix}(\n{inner}){returns_text}"


def _parameters(parameters: Iterable[griffe.Parameter]) -> Iterator[str]:
    keyword_only_marked = False
    previous: griffe.ParameterKind | None = None
    for parameter in parameters:
        kind = parameter.kind
        if previous is griffe.ParameterKind.positional_only and kind is not previous:
            yield "/"
        if kind is griffe.ParameterKind.keyword_only and not keyword_only_marked:
            yield "*"
            keyword_only_marked = True
        if kind is griffe.ParameterKind.var_positional:
            keyword_only_marked = True
            text = f"*{parameter.name}"
        elif kind is griffe.ParameterKind.var_keyword:
            text = f"**{parameter.name}"
        else:
            text = parameter.name
        if parameter.annotation is not None:
            text += f": {parameter.annotation}"
        if parameter.default is not None:
            text += f" = {parameter.default}" if parameter.annotation else f"={parameter.default}"
        yield text
        previous = kind


def _attribute_line(name: str, attribute: griffe.Attribute) -> str:
    annotation = str(attribute.annotation) if attribute.annotation is not None else None
    if annotation == "TypeAlias" and attribute.value is not None:
        return f"{name} = {attribute.value}"
    if "property" in attribute.labels or attribute.value is None:
        return f"{name}: {annotation}" if annotation else name
    typed = f": {annotation}" if annotation and "Final" not in annotation else ""
    return f"{name}{typed} = {attribute.value}"


def _text(obj: griffe.Object) -> str:
    return obj.docstring.value.strip() if obj.docstring is not None else ""


def _bullet(name: str, annotation: object, description: str) -> str:
    typed = f" (`{annotation}`)" if annotation is not None else ""
    text = " ".join(description.split())
    return f"- `{name}`{typed}" + (f": {text}" if text else "")


def _docstring(obj: griffe.Object) -> Iterator[str]:
    if obj.docstring is None:
        return
    for section in obj.docstring.parsed:
        if section.kind is griffe.DocstringSectionKind.text:
            yield str(section.value).strip() + "\n"
        elif section.kind in _SECTION_TITLES:
            yield f"**{_SECTION_TITLES[section.kind]}**\n"
            yield "\n".join(_section_items(section)) + "\n"
        elif section.kind is griffe.DocstringSectionKind.examples:
            for kind, text in section.value:
                yield _code(text) if kind is griffe.DocstringSectionKind.examples else text
        else:
            yield f"{section.title or section.kind.value.title()}: {section.value}\n"


def _section_items(section: griffe.DocstringSection) -> Iterator[str]:
    for item in section.value:
        name = getattr(item, "name", "") or ""
        annotation = getattr(item, "annotation", None)
        description = getattr(item, "description", "") or ""
        if name:
            yield _bullet(name, annotation, description)
        else:
            typed = f"`{annotation}`: " if annotation is not None else ""
            yield f"- {typed}{' '.join(description.split())}"
