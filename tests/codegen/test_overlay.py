"""OpenAPI Overlay 1.0: how the mock's extensions reach the spec the mock serves, and only it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
import yaml

# The generator's tools come with the `dev` group only.
pytest.importorskip("jsonpath_rfc9535", reason="the generator is a development tool (`dev`)")

ROOT = Path(__file__).resolve().parents[2]
_location = importlib.util.spec_from_file_location("overlay", ROOT / "tools/codegen/overlay.py")
assert _location is not None
assert _location.loader is not None
overlay_module = importlib.util.module_from_spec(_location)
_location.loader.exec_module(overlay_module)
OverlayError = overlay_module.OverlayError
apply_overlay = overlay_module.apply_overlay


def overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


DOCUMENT: dict[str, Any] = {
    "paths": {
        "/a": {"parameters": [{"$ref": "#/p/One"}], "get": {"responses": {"200": {}}}},
        "/b": {"post": {"responses": {"201": {}}}, "delete": {"responses": {"204": {}}}},
    },
    "info": {"title": "API", "description": "public"},
}


def test_update_merges_objects_appends_arrays_and_replaces_values() -> None:
    result = apply_overlay(
        DOCUMENT,
        overlay(
            {"target": "$.paths.*", "update": {"parameters": [{"$ref": "#/p/Two"}]}},
            {"target": "$.paths.*[?@.responses].responses", "update": {"500": {"d": "x"}}},
            {"target": "$.info", "update": {"description": "mock"}},
        ),
    )
    assert result["paths"]["/a"]["parameters"] == [{"$ref": "#/p/One"}, {"$ref": "#/p/Two"}]
    assert result["paths"]["/b"]["parameters"] == [{"$ref": "#/p/Two"}]
    assert {"200", "500"} == set(result["paths"]["/a"]["get"]["responses"])
    assert {"204", "500"} == set(result["paths"]["/b"]["delete"]["responses"])
    assert result["info"] == {"title": "API", "description": "mock"}
    assert "500" not in DOCUMENT["paths"]["/a"]["get"]["responses"]  # the input is untouched


def test_remove_deletes_every_match() -> None:
    result = apply_overlay(DOCUMENT, overlay({"target": "$.paths.*.delete", "remove": True}))
    assert set(result["paths"]["/b"]) == {"post"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (overlay({"target": "$.paths['/gone']", "update": {}}), "matches nothing"),
        (overlay({"target": "$.info"}), "update"),
        (overlay({"target": "$.info.title", "update": {"a": 1}}), "cannot merge"),
        ({"overlay": "2.0.0", "actions": []}, "Overlay 1"),
    ],
)
def test_a_stale_or_malformed_overlay_fails_loudly(document: dict[str, Any], message: str) -> None:
    with pytest.raises(OverlayError, match=message):
        apply_overlay(DOCUMENT, document)


def test_the_mock_overlay_adds_the_fault_header_to_every_operation() -> None:
    spec = yaml.safe_load((ROOT / "openapi" / "openapi.yaml").read_text())
    mock_overlay = yaml.safe_load((ROOT / "openapi" / "mock-overlay.yaml").read_text())
    served = apply_overlay(spec, mock_overlay)
    fault = {"$ref": "#/components/parameters/CCXMockFault"}
    for path, item in served["paths"].items():
        assert fault in item["parameters"], path
        for method, operation in item.items():
            if method != "parameters":
                assert {"429", "500", "502", "503"} <= set(operation["responses"]), (path, method)
