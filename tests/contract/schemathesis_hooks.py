"""schemathesis hooks for the contract run (loaded through ``SCHEMATHESIS_HOOKS``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

import schemathesis
from schemathesis import HookContext, Response
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.case import Case
from schemathesis.generation.meta import CoveragePhaseData

_Hook = TypeVar("_Hook", bound=Callable[..., object])

_ALWAYS_SENT = frozenset({"authorization", "content-type"})
_CLOSED_PORT_URL = "http://127.0.0.1:9/hooks"
_ENDPOINT_WRITES = frozenset({"webhook_endpoints.create", "webhook_endpoints.update"})
_DEMO_SEGMENT_ID = "seg_ZZ11"


def _register(hook: _Hook) -> _Hook:
    """Register ``hook`` under its name (``schemathesis.hook`` is untyped)."""
    schemathesis.hook(hook)  # pyright: ignore[reportUnknownMemberType]
    return hook


def _operation_id(case: Case[Any]) -> object:
    raw: Mapping[str, object] = case.operation.definition.raw
    return raw.get("operationId")


@_register
def filter_failure(
    context: HookContext, failure: Failure, case: Case[Any], response: Response
) -> bool:
    """Keep every failure but one that is not the API's: accepting a header the operation
    does not declare.

    HTTP lets any request carry headers a server does not know (proxies add them), so no API
    refuses them; schemathesis's coverage phase counts that as negative data accepted.
    """
    del context, response
    if not isinstance(failure, AcceptedNegativeData) or case.meta is None:
        return True
    data = case.meta.phase.data
    if (
        not isinstance(data, CoveragePhaseData)
        or data.parameter_location != ParameterLocation.HEADER
        or data.parameter is not None
    ):
        return True
    parameters: Iterable[Any] = case.operation.headers
    declared = {str(parameter.name).lower() for parameter in parameters} | _ALWAYS_SENT
    # schemathesis types it as requests' CaseInsensitiveDict, a generic it leaves unparameterised.
    headers: object = case.headers  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    sent = cast("Mapping[str, object]", headers or {})
    return not {name.lower() for name in sent} - declared


@_register
def before_call(context: HookContext, case: Case[Any], **kwargs: object) -> None:
    """Point generated webhook endpoints at a closed local port, and broadcasts at a small
    segment.

    The mock's clock waits for the deliveries it starts, and makes each one for real.
    Deliveries to random hosts would wait on DNS; the spec's example broadcast goes to the demo
    segment's 1,000 recipients, and schemathesis sends it dozens of times, each message's
    events to every registered endpoint: tens of thousands of deliveries. Either way one
    test-helper clock advance would outlast the request timeout. (Broadcasts to 1,000 are
    tested in tests/mock/test_broadcasts.py.)
    """
    del context, kwargs
    body: object = case.body
    if not isinstance(body, dict):
        return
    fields = cast("dict[str, object]", body)
    operation = _operation_id(case)
    if operation in _ENDPOINT_WRITES and isinstance(fields.get("url"), str):
        fields["url"] = _CLOSED_PORT_URL
    if operation == "broadcasts.create" and fields.get("segment_id") == _DEMO_SEGMENT_ID:
        fields["segment_id"] = os.environ["CCX_SMALL_SEGMENT_ID"]
