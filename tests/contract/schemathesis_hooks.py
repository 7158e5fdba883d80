"""schemathesis hooks for the contract run (loaded through ``SCHEMATHESIS_HOOKS``)."""

from __future__ import annotations

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
    """Point generated webhook endpoints at a closed local port.

    Deliveries to random hosts would wait on DNS, and the mock's clock waits for deliveries,
    so one test-helper clock advance could outlast the request timeout.
    """
    del context, kwargs
    body: object = case.body
    if (
        _operation_id(case) in _ENDPOINT_WRITES
        and isinstance(body, dict)
        and isinstance(cast("dict[str, object]", body).get("url"), str)
    ):
        cast("dict[str, object]", body)["url"] = _CLOSED_PORT_URL
