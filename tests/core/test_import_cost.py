"""What ``import ccx``, a new client and a first successful call load: nothing they need not."""

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


CLIENT_PROBE = """
import json, sys
import httpx

with_httpx = set(sys.modules)
from ccx import CCX, AsyncCCX

CCX(api_key="ccx_test_key").with_options(max_retries=0)
AsyncCCX(api_key="ccx_test_key")
print(json.dumps({"client": sorted(set(sys.modules) - with_httpx)}))
"""
"""What creating clients loads beyond httpx (whose own imports depend on what is installed)."""

LOADED_ON_FIRST_USE = (
    "pydantic",
    "pydantic_core",
    "tenacity",
    "opentelemetry",
    "typing_extensions",
    "httpcore",
    "uuid",
)
"""Parsing a response, retrying, tracing, the first call (its connection pool and idempotency
key): each loads what it needs when it first happens."""


def loaded(probe: str = PROBE) -> dict[str, list[str]]:
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
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


def test_a_new_client_loads_no_validation_retry_or_tracing_library() -> None:
    """Serverless functions and CLIs pay every import at each cold start."""
    modules = loaded(CLIENT_PROBE)["client"]

    assert [m for m in modules if m.split(".")[0] in LOADED_ON_FIRST_USE] == []
    assert [m for m in modules if m.startswith(("ccx.types", "ccx.resources.messages"))] == []
