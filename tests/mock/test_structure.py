"""The mock follows the spec and the SDK: a handler for every operation, found without a list,
and the SDK's own enumerations and API version rather than copies that could drift."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest
import yaml

import ccx.mock
import ccx.mock._spec
import ccx.mock.handlers
from ccx._constants import API_VERSION
from ccx.mock._registry import _HANDLERS, handler_for
from ccx.mock.handlers import load_handlers
from ccx.types import enums

SPEC = yaml.safe_load((Path(__file__).parents[2] / "openapi/openapi.yaml").read_text())
MOCK_SOURCE = Path(ccx.mock.__file__).parent
NAMED_ENUMS = sorted(
    name for name, schema in SPEC["components"]["schemas"].items() if "enum" in schema
)


def test_every_operation_of_the_spec_has_a_handler() -> None:
    load_handlers()
    operations = [
        operation["operationId"]
        for item in SPEC["paths"].values()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) > 40
    assert [operation for operation in operations if handler_for(operation) is None] == []


def test_a_new_handler_module_is_found_without_being_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "archive.py").write_text(
        "from ccx.mock._registry import handles\n\n"
        "@handles('segments.archive_for_test')\n"
        "def archive(ctx):\n"
        "    return 200, {}\n"
    )
    monkeypatch.setattr(ccx.mock.handlers, "__path__", [*ccx.mock.handlers.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "ccx.mock.handlers.archive", raising=False)
    monkeypatch.delitem(_HANDLERS, "segments.archive_for_test", raising=False)
    try:
        load_handlers()
        handler = handler_for("segments.archive_for_test")
        assert handler is not None
        assert handler.__module__ == "ccx.mock.handlers.archive"
    finally:
        _HANDLERS.pop("segments.archive_for_test", None)
        sys.modules.pop("ccx.mock.handlers.archive", None)


def _defined_names(path: Path) -> set[str]:
    """Every name a module assigns at its top level (aliases, classes, constants)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
    return names


def test_the_spec_names_enumerations() -> None:
    assert {"Channel", "MessageStatus", "Scope", "EventType"} <= set(NAMED_ENUMS)


@pytest.mark.parametrize("name", NAMED_ENUMS)
def test_the_mock_validates_with_the_sdks_own_enumeration(name: str) -> None:
    defined_in_mock = {
        module.name: _defined_names(module) for module in sorted(MOCK_SOURCE.rglob("*.py"))
    }
    copies = [module for module, names in defined_in_mock.items() if name in names]
    assert copies == [], f"{name} is defined again in the mock; import it from ccx.types.enums"
    # Only enumerations a request uses reach the route table (MessageType describes responses).
    validated = getattr(ccx.mock._spec, name, None)
    assert validated is None or validated is getattr(enums, name)


def test_the_route_table_validates_requests_with_the_sdks_enumerations() -> None:
    for name in ("Channel", "MessageStatus", "Scope", "EventType", "TemplateStatus"):
        assert getattr(ccx.mock._spec, name) is getattr(enums, name), name


def test_the_mock_speaks_the_sdks_api_version() -> None:
    constants = [
        f"{module.relative_to(MOCK_SOURCE)}:{node.lineno}"
        for module in sorted(MOCK_SOURCE.rglob("*.py"))
        for node in ast.walk(ast.parse(module.read_text()))
        if isinstance(node, ast.Constant) and node.value == API_VERSION
    ]
    assert constants == [], "the mock writes the API version itself; use ccx._constants"
    served = json.loads((MOCK_SOURCE / "openapi.json").read_text())
    assert served["info"]["version"] == API_VERSION
