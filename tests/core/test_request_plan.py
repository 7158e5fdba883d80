"""Request planning as a pure function: URL, query, body, headers and the idempotency key; and
each attempt's request, as sent and as httpx shows it."""

from __future__ import annotations

import datetime
import json

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ccx._exceptions import InvalidArgumentError
from ccx._operation import CallOptions, Operation
from ccx._request import RequestPlan, attempt_request, plan_request, with_retry_count
from ccx._types import NOT_GIVEN, Body, Query

SEND = Operation("messages.send", "POST", "/v1/messages", idempotency="body")
CANCEL = Operation("messages.cancel", "POST", "/v1/messages/{id}/cancel", idempotency="header")
LIST = Operation("messages.list", "GET", "/v1/messages")
TIMEOUT = httpx.Timeout(10.0)


def plan(
    operation: Operation,
    *,
    path: dict[str, object] | None = None,
    query: Query | None = None,
    body: Body | None = None,
    options: CallOptions | None = None,
) -> RequestPlan:
    return plan_request(
        operation,
        base_url="https://api.ccx.co",
        headers=with_retry_count({"Authorization": "Bearer t"}),
        timeout=TIMEOUT,
        max_retries=2,
        attempt_timeout=NOT_GIVEN,
        call_timeout=300.0,
        path=path,
        query=query,
        body=body,
        options=options or CallOptions(),
        new_idempotency_key=lambda: "generated-key",
    )


def test_generated_key_fills_the_header_and_the_body() -> None:
    planned = plan(SEND, body={"to": "+1", "text": NOT_GIVEN})

    assert planned.idempotency_key == "generated-key"
    assert planned.headers["Idempotency-Key"] == "generated-key"
    assert json.loads(planned.content or b"") == {"to": "+1", "idempotency_key": "generated-key"}


def test_the_callers_key_wins() -> None:
    planned = plan(SEND, body={"to": "+1"}, options=CallOptions(idempotency_key="mine"))

    assert planned.headers["Idempotency-Key"] == "mine"
    assert json.loads(planned.content or b"")["idempotency_key"] == "mine"


def test_a_key_already_in_the_body_is_used() -> None:
    planned = plan(SEND, body={"to": "+1", "idempotency_key": "in-body"})

    assert planned.idempotency_key == "in-body"


def test_other_mutations_carry_only_the_header() -> None:
    planned = plan(CANCEL, path={"id": "msg_1"})

    assert planned.url == "https://api.ccx.co/v1/messages/msg_1/cancel"
    assert planned.headers["Idempotency-Key"] == "generated-key"
    assert planned.content is None


def test_reads_carry_no_key_and_drop_unset_query_values() -> None:
    since = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
    planned = plan(
        LIST,
        query={"limit": 10, "status": NOT_GIVEN, "to": None, "created_after": since, "flag": True},
        options=CallOptions(extra_query={"beta": "1"}),
    )

    assert planned.idempotency_key is None
    assert "Idempotency-Key" not in planned.headers
    assert planned.parsed_url.params == httpx.QueryParams(
        {
            "limit": "10",
            "created_after": "2026-11-01T00:00:00+00:00",
            "flag": "true",
            "beta": "1",
        }
    )
    assert planned.url == str(planned.parsed_url)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.one_of(st.text(max_size=12), st.lists(st.text(max_size=6), min_size=1, max_size=3)),
        max_size=4,
    )
)
def test_the_url_sent_is_the_one_httpx_shows(query: dict[str, str | list[str]]) -> None:
    """A transport that takes the SDK's own request sends ``url``; the ``httpx.Request`` users
    see is made from it: both must be what httpx makes of the same call."""
    try:
        planned = plan(LIST, query=query)
    except InvalidArgumentError:
        return  # text that is no valid Unicode is refused before anything is built
    expected = httpx.Request("GET", "https://api.ccx.co/v1/messages", params=query or None).url

    assert planned.url == str(expected)
    assert attempt_request(planned, 0, None).to_httpx().url == expected


def test_per_call_options() -> None:
    planned = plan(
        SEND,
        body={"to": "+1"},
        options=CallOptions(
            timeout=3.0,
            max_retries=0,
            extra_headers={"X-Extra": "1"},
            extra_body={"metadata": {"a": "b"}},
        ),
    )

    assert planned.timeout == httpx.Timeout(3.0)
    assert planned.max_retries == 0
    assert planned.headers["X-Extra"] == "1"
    assert json.loads(planned.content or b"")["metadata"] == {"a": "b"}
    assert planned.headers["Content-Type"] == "application/json"


def test_defaults_come_from_the_client() -> None:
    planned = plan(LIST)

    assert (planned.timeout, planned.max_retries) == (TIMEOUT, 2)


def test_body_values_are_serialized() -> None:
    when = datetime.datetime(2026, 11, 28, 9, 0, tzinfo=datetime.timezone.utc)
    planned = plan(SEND, body={"to": "+1", "schedule_at": when})

    assert json.loads(planned.content or b"")["schedule_at"] == "2026-11-28T09:00:00Z"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (CallOptions(idempotency_key=""), "idempotency_key"),
        (CallOptions(idempotency_key="x" * 129), "idempotency_key"),
        (CallOptions(max_retries=-1), "max_retries"),
    ],
)
def test_bad_options_name_the_field(options: CallOptions, field: str) -> None:
    with pytest.raises(InvalidArgumentError, match=f"`{field}`"):
        plan(SEND, body={"to": "+1"}, options=options)


def test_missing_path_parameter() -> None:
    with pytest.raises(InvalidArgumentError, match="`id` is required"):
        plan(CANCEL)


@given(st.text(min_size=1, max_size=30))
@example(".")
@example("..")
@example("a/../b")
def test_any_id_stays_inside_its_path_segment(id: str) -> None:
    planned = plan(CANCEL, path={"id": id})
    request = attempt_request(planned, 0, None).to_httpx()

    assert str(request.url) == planned.url
    segments = request.url.raw_path.decode().split("/")
    assert segments[:3] == ["", "v1", "messages"]
    assert segments[4:] == ["cancel"]
    assert request.headers["Idempotency-Key"] == "generated-key"


def test_an_attempt_carries_the_timeout() -> None:
    request = attempt_request(plan(LIST, options=CallOptions(timeout=2.5)), 0, None).to_httpx()

    assert request.extensions["timeout"] == httpx.Timeout(2.5).as_dict()


def test_no_wait_of_an_attempt_outlasts_its_limit() -> None:
    planned = plan(LIST, options=CallOptions(timeout=httpx.Timeout(2.5, connect=None)))

    request = attempt_request(planned, 0, 1.0)

    assert request.timeouts == {"connect": 1.0, "read": 1.0, "write": 1.0, "pool": 1.0}
    assert request.to_httpx().extensions["timeout"] == request.timeouts
    assert attempt_request(planned, 0, 5.0).timeouts == {
        "connect": 5.0,
        "read": 2.5,
        "write": 2.5,
        "pool": 2.5,
    }


def test_each_attempt_sends_its_own_retry_count() -> None:
    planned = plan(SEND, body={"to": "+1"}, options=CallOptions(extra_headers={"X-Extra": "1"}))

    first, second = attempt_request(planned, 0, None), attempt_request(planned, 1, None)
    second.headers["traceparent"] = "00-1-2-01"  # as the attempt hooks add it

    assert first.to_httpx().headers["CCX-Retry-Count"] == "0"
    assert second.to_httpx().headers["CCX-Retry-Count"] == "1"
    assert "traceparent" not in first.headers
    assert "traceparent" not in planned.headers
    assert second.to_httpx().headers["X-Extra"] == "1"
    assert second.to_httpx().content == planned.content
