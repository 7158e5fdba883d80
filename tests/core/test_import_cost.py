"""What ``import ccx`` and a first successful call load: nothing they do not need."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import ccx

after_import = set(sys.modules)
import httpx
client = ccx.CCX(
    "ccx_test_key",
    base_url="http://api.test",
    transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json={"data": [], "has_more": False})
    ),
)
from tests.core._resources import Messages
list(Messages(client).list())
print(json.dumps({"import": sorted(after_import), "call": sorted(sys.modules)}))
"""


def loaded() -> dict[str, list[str]]:
    output = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, list[str]] = json.loads(output)
    return result


def test_import_and_first_call_stay_lean() -> None:
    modules = loaded()

    heavy = ("ccx.types", "ccx.resources", "ccx.mock", "starlette", "uvicorn", "httpx", "pydantic")
    assert [m for m in modules["import"] if m.startswith(heavy)] == []
    assert "ccx._client" not in modules["import"]
    # A call that needs no retry and no tracing loads neither tenacity nor OpenTelemetry.
    assert [m for m in modules["call"] if m.startswith(("tenacity", "opentelemetry"))] == []
    assert "asyncio" not in modules["call"]
