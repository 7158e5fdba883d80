"""Nothing is sent twice and nothing is lost, with a third of all requests failing.

The short run of `chaos` (``make chaos`` runs 10,000 calls per mode). The proof is read from
the mock's records, not from what the client believes: one message per call.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import ccx
from ccx.mock._demo import DEMO_WORKSPACE_ID
from ccx.mock._faults import FAULT_HEADER

from .chaos import (
    ASYNC_TRANSPORTS,
    BURSTY,
    FAILING_500,
    SLOW,
    Report,
    chaos_server,
    plan_calls,
    run_async,
    run_sync,
)

CALLS = 150
SEED = 20261121
FAILURE_KINDS = {"503", "500", "429", "dropped", "timeout"}


def assert_exactly_once(report: Report) -> None:
    print("\n".join(report.lines()))  # the counts, shown with pytest -s or on failure
    assert report.tally.failed >= 0.3 * report.tally.attempts, dict(report.tally.outcomes)
    assert set(report.tally.outcomes) >= FAILURE_KINDS
    assert report.violations == []
    raised = sum(report.raised.values())
    assert 0 < raised < len(report.results)
    assert report.replayed_on_retry + report.sent_on_retry == raised


def test_the_plan_holds_every_kind_of_fault() -> None:
    faults = Counter(call.faults for call in plan_calls(CALLS, SEED))
    assert all(faults[spec] >= 3 for spec in (None, FAILING_500, SLOW, BURSTY)), faults


def test_sync_sends_under_faults_are_exactly_once() -> None:
    assert_exactly_once(run_sync(plan_calls(CALLS, SEED), SEED))


@pytest.mark.parametrize("transport", list(ASYNC_TRANSPORTS))
async def test_concurrent_async_sends_under_faults_are_exactly_once(transport: str) -> None:
    assert_exactly_once(
        await run_async(plan_calls(CALLS, SEED), SEED, concurrency=16, transport=transport)
    )


def test_a_send_that_raised_after_taking_effect_is_returned_not_repeated_on_retry() -> None:
    arguments: dict[str, Any] = {"to": "+15557000100", "channel": "sms", "text": "Code 4242."}
    with chaos_server(SEED) as server, server.client() as client:
        with pytest.raises(ccx.APIConnectionError) as raised:
            client.messages.send(
                **arguments, max_retries=0, extra_headers={FAULT_HEADER: "drop=after"}
            )
        assert raised.value.request is not None
        key = raised.value.request.headers["Idempotency-Key"]

        retried = client.messages.with_raw_response.send(
            **arguments, idempotency_key=key, extra_headers={FAULT_HEADER: "error_rate=0"}
        )

        assert retried.idempotent_replayed
        messages = list(server.state.workspaces[DEMO_WORKSPACE_ID].messages.values())
        assert [message.id for message in messages] == [retried.parse().id]
