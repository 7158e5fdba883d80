"""Apply an OpenAPI Overlay 1.0 document (https://spec.openapis.org/overlay/v1.0.0.html).

The public spec describes the API; the mock's extensions (its fault-injection header) live in
``openapi/mock-overlay.yaml`` and reach only the spec the mock serves and validates against.
Overlay is the standard for this, so any Overlay tool reads the same file the same way; the
targets are RFC 9535 JSONPath, evaluated by ``jsonpath-rfc9535``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, cast

import jsonpath_rfc9535 as jsonpath

__all__ = ["OverlayError", "apply_overlay"]


class OverlayError(ValueError):
    """The overlay is malformed, or one of its actions matches nothing (a stale target)."""


def apply_overlay(document: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with ``overlay``'s actions applied in order (neither argument is changed)."""
    if not str(overlay.get("overlay", "")).startswith("1."):
        raise OverlayError("not an Overlay 1.x document: its `overlay` field must be 1.0.0")
    result = copy.deepcopy(dict(document))
    for number, action in enumerate(overlay.get("actions") or (), start=1):
        target = action.get("target")
        nodes = list(jsonpath.find(target, result)) if isinstance(target, str) else []
        # A target that matches nothing is legal Overlay, but here it means the spec moved
        # under the overlay: fail loudly instead of silently dropping the extension.
        if not nodes:
            raise OverlayError(f"action {number}: target {target!r} matches nothing")
        if action.get("remove") is True:
            # Remove from the end so earlier array indices stay valid.
            for node in reversed(nodes):
                _remove(result, node.location)
        elif "update" in action:
            for node in nodes:
                _merge(node.value, action["update"], target)
        else:
            raise OverlayError(f"action {number}: give `update` or `remove: true`")
    return result


def _merge(target: Any, update: Any, where: str) -> None:
    """Overlay's update rule: objects merge recursively, arrays append, other values replace."""
    if isinstance(target, dict) and isinstance(update, Mapping):
        node = cast("dict[str, Any]", target)
        for key, value in cast("Mapping[str, Any]", update).items():
            existing = node.get(key)
            if isinstance(existing, (dict, list)) and isinstance(value, (Mapping, list)):
                _merge(existing, value, where)
            else:
                node[key] = copy.deepcopy(value)
    elif isinstance(target, list) and isinstance(update, list):
        target.extend(copy.deepcopy(update))
    else:
        raise OverlayError(f"target {where!r}: cannot merge {type(update).__name__} into it")


def _remove(document: dict[str, Any], location: tuple[str | int, ...]) -> None:
    if not location:
        raise OverlayError("an overlay cannot remove the whole document")
    parent: Any = document
    for step in location[:-1]:
        parent = parent[step]
    del parent[location[-1]]
