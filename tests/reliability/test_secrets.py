"""No token or webhook secret in logs, spans, reprs or exceptions (and their chains), with
everything on.

The flows run in their own process (`secret_flows`) with ``CCX_LOG=debug`` and an OpenTelemetry
SDK tracer exporting in memory, and every logger of the process at debug level.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]


@cache
def flow_report() -> dict[str, Any]:
    environment = {**os.environ, "CCX_LOG": "debug"}
    finished = subprocess.run(
        [sys.executable, "-m", "tests.reliability.secret_flows"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr.decode()[-3000:]
    report: dict[str, Any] = json.loads(finished.stdout)
    report["surfaces"]["stderr"] = finished.stderr.decode()
    return report


def test_the_flows_exercised_every_surface() -> None:
    report = flow_report()
    surfaces = report["surfaces"]
    assert len(report["secrets"]) == 7
    assert "Request POST" in surfaces["logs"]  # the SDK's debug log of each attempt
    assert "Retrying me.retrieve" in surfaces["logs"]
    assert "ccx.idempotency_key" in surfaces["spans"]
    assert "ccx tokens.rotate" in surfaces["spans"]
    assert "AuthenticationError" in surfaces["errors"]
    assert "RemoteProtocolError" in surfaces["errors"]  # causes are read, not only the top
    assert "CallTimeoutError" in surfaces["errors"]
    assert "ClientClosedError" in surfaces["errors"]
    assert "refused the connection" in surfaces["errors"]
    assert "has a line break at position 12" in surfaces["errors"]
    assert "extra_headers['X-Api-Key']" in surfaces["errors"]
    assert "SignatureMismatchError" in surfaces["errors"]
    assert "InvalidPayloadError" in surfaces["errors"]
    assert "TokenWithSecret" in surfaces["reprs"]


@pytest.mark.parametrize("surface", ["logs", "stderr", "spans", "reprs", "errors"])
def test_no_secret_appears(surface: str) -> None:
    report = flow_report()
    text = report["surfaces"][surface]
    leaked = [
        f"{secret[:12]}… (as {'the whole' if secret in text else 'its tail'})"
        for secret in report["secrets"]
        if secret in text or secret[-16:] in text
    ]
    assert leaked == [], f"secrets in {surface}"
