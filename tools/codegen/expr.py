"""Python expressions as data: every name carries the module it comes from.

The builder composes annotations (and the few value expressions the resources print) from these
nodes; a generated file's imports are then the references of what it prints, collected rather
than searched for again in the printed text. Printing happens once, in `render`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

BUILTINS = "builtins"


@dataclass(frozen=True, order=True)
class Ref:
    """A name and the module it is imported from (``builtins`` for names nobody imports)."""

    module: str
    name: str


@dataclass(frozen=True)
class Name:
    ref: Ref


@dataclass(frozen=True)
class Subscript:
    """``base[arguments]``: a generic alias such as ``list[str]`` or ``Literal["a", "b"]``."""

    base: Expr
    arguments: tuple[Expr, ...]


@dataclass(frozen=True)
class UnionOf:
    """``a | b | None``."""

    members: tuple[Expr, ...]


@dataclass(frozen=True)
class Call:
    function: Expr
    arguments: tuple[Expr, ...] = ()
    keywords: tuple[tuple[str, Expr], ...] = ()


@dataclass(frozen=True)
class Source:
    """Text printed as it is, naming nothing: a literal value such as ``"sms"`` or ``128``."""

    text: str


Expr = Name | Subscript | UnionOf | Call | Source


def name(module: str, identifier: str) -> Name:
    return Name(Ref(module, identifier))


def builtin(identifier: str) -> Name:
    return name(BUILTINS, identifier)


NONE = builtin("None")
STR = builtin("str")
LIST = builtin("list")
DICT = builtin("dict")
ANY = name("typing", "Any")
LITERAL = name("typing", "Literal")
CAST = name("typing", "cast")
MAPPING = name("collections.abc", "Mapping")
DATETIME = name("datetime", "datetime")
ANNOTATED = name("typing", "Annotated")
REQUIRED = name("typing_extensions", "Required")
FIELD = name("pydantic", "Field")
DISCRIMINATOR = name("pydantic", "Discriminator")
AWARE_DATETIME = name("pydantic", "AwareDatetime")


def union(members: Iterable[Expr]) -> Expr:
    """The union of ``members``, each once, ``None`` last; a single member stands alone.

    A member that is itself a union is flattened into it, so ``str | (str | datetime)`` is
    ``str | datetime``.
    """
    flat = (
        part
        for member in members
        for part in (member.members if isinstance(member, UnionOf) else (member,))
    )
    unique = list(dict.fromkeys(flat))
    if NONE in unique:
        unique = [member for member in unique if member != NONE] + [NONE]
    return UnionOf(tuple(unique)) if len(unique) > 1 else unique[0]


def subscript(base: Expr, *arguments: Expr) -> Subscript:
    return Subscript(base, arguments)


def literal(*texts: str) -> Subscript:
    return Subscript(LITERAL, tuple(Source(text) for text in texts))


def is_optional(expression: Expr) -> bool:
    """Whether ``None`` is one of the values: the expression is ``None`` or a union with it."""
    return expression == NONE or (isinstance(expression, UnionOf) and NONE in expression.members)


def references(expression: Expr) -> Iterator[Ref]:
    if isinstance(expression, Name):
        yield expression.ref
    elif isinstance(expression, Subscript):
        yield from references(expression.base)
        for argument in expression.arguments:
            yield from references(argument)
    elif isinstance(expression, UnionOf):
        for member in expression.members:
            yield from references(member)
    elif isinstance(expression, Call):
        yield from references(expression.function)
        for argument in expression.arguments:
            yield from references(argument)
        for _keyword, value in expression.keywords:
            yield from references(value)


def render(expression: Expr, shadowed: Collection[str] = ()) -> str:
    """The expression as Python source; builtins named in ``shadowed`` print as ``builtins.x``.

    A class body that defines ``list`` (a field, a method) hides the builtin from the
    annotations after it, so there they must name it through the ``builtins`` module.
    """
    if isinstance(expression, Name):
        ref = expression.ref
        if ref.module == BUILTINS and ref.name in shadowed:
            return f"{BUILTINS}.{ref.name}"
        return ref.name
    if isinstance(expression, Subscript):
        inner = ", ".join(render(argument, shadowed) for argument in expression.arguments)
        return f"{render(expression.base, shadowed)}[{inner}]"
    if isinstance(expression, UnionOf):
        return " | ".join(render(member, shadowed) for member in expression.members)
    if isinstance(expression, Call):
        arguments = [render(argument, shadowed) for argument in expression.arguments]
        arguments += [f"{key}={render(value, shadowed)}" for key, value in expression.keywords]
        return f"{render(expression.function, shadowed)}({', '.join(arguments)})"
    return expression.text


def imports(expressions: Iterable[Expr], shadowed: Collection[str] = ()) -> set[Ref]:
    """What printing ``expressions`` needs imported; a shadowed builtin needs ``builtins``."""
    needed: set[Ref] = set()
    for expression in expressions:
        for ref in references(expression):
            if ref.module != BUILTINS:
                needed.add(ref)
            elif ref.name in shadowed:
                needed.add(Ref(BUILTINS, ""))
    return needed
