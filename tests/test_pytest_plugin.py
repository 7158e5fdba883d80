"""The pytest plugin as users meet it: test files run by pytest, using its fixtures and marker."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ccx.mock import MockServer

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module", autouse=True)
def _mock_loaded() -> None:
    """Load the mock, a client and their lazy imports once, before any inner run.

    pytester's in-process runs unload the modules they import; loaded here first, every run
    reuses them instead of importing them (and registering the mock's handlers) again.
    """
    with MockServer() as server, server.client() as client:
        client.me.retrieve()
        client.webhooks  # noqa: B018 - the attribute's first access imports ccx.webhooks


STRICT = ("-p", "no:cacheprovider", "-W", "error::pytest.PytestUnraisableExceptionWarning")
"""Inner runs fail on unclosed sockets and other unraisable errors, like this suite does."""

PRELUDE = """
import ccx
import pytest
from ccx.types import MessageReadEvent

ORDER = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
}
READS = "+15550000001"
SENT_ONLY = "+15550000004"


def send(client, to=READS):
    return client.messages.send(to=to, channel="whatsapp", template=ORDER)
"""


CLOCK_START = "2026-11-20T00:00:00Z"
"""Inner runs start their mocks here, as this suite does: no test depends on the calendar."""


def run(pytester: pytest.Pytester, source: str, *, ini: str = "") -> pytest.RunResult:
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        f"ccx_mock_clock_start = {CLOCK_START}\n{ini}"
    )
    pytester.makepyfile(PRELUDE + textwrap.dedent(source))
    return pytester.runpytest(*STRICT, "-rA")


def test_a_sent_message_reaches_the_receiver_as_verified_typed_webhooks(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        def test_read_receipt(ccx_client, ccx_mock, ccx_webhook_receiver):
            message = send(ccx_client)

            event = ccx_webhook_receiver.wait_for("message.read", message_id=message.id)

            assert isinstance(event, MessageReadEvent)
            assert event.data.message_id == message.id
            received = ccx_webhook_receiver.deliveries
            assert received and all(d.error is None and d.status == 200 for d in received)
            about_message = [d.event_type for d in received if d.message_id == message.id]
            assert about_message == [
                "message.queued", "message.sent", "message.delivered", "message.read"
            ]
            # Events about different subjects may arrive in any order; each was sent once.
            assert sorted(a.event_id for a in ccx_mock.deliveries) == sorted(
                d.event_id for d in received
            )
            assert all(attempt.acknowledged for attempt in ccx_mock.deliveries)
            assert ccx_client.messages.retrieve(message.id).status == "read"
        """,
    )
    result.assert_outcomes(passed=1)


def test_the_mock_clock_is_frozen_until_the_test_moves_it(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_frozen(ccx_client, ccx_mock):
            assert ccx_client.test_helpers.clock.retrieve().time_scale == 0
            message = send(ccx_client)
            assert ccx_client.messages.retrieve(message.id).status in {"queued", "sent"}

            ccx_mock.advance(1)
            assert ccx_client.messages.retrieve(message.id).status == "delivered"
            ccx_mock.advance(2)
            assert ccx_client.messages.retrieve(message.id).status == "read"
        """,
    )
    result.assert_outcomes(passed=1)


def test_each_test_gets_a_fresh_mock_by_default(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_first(ccx_client, ccx_mock, ccx_mock_session):
            assert ccx_mock is not ccx_mock_session
            ccx_client.segments.create(name="only here", recipients=["+5511900000001"])

        def test_second(ccx_client):
            names = [segment.name for segment in ccx_client.segments.list()]
            assert "only here" not in names
        """,
    )
    result.assert_outcomes(passed=2)


def test_the_session_scope_option_shares_one_mock_but_marked_tests_get_their_own(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        def test_shared(ccx_mock, ccx_mock_session, ccx_client):
            assert ccx_mock is ccx_mock_session
            ccx_client.segments.create(name="kept", recipients=["+5511900000001"])

        def test_state_carries_over(ccx_client, ccx_webhook_receiver):
            assert "kept" in [segment.name for segment in ccx_client.segments.list()]

        def test_receivers_unsubscribe_after_their_test(ccx_client):
            assert list(ccx_client.webhook_endpoints.list()) == []

        @pytest.mark.ccx_mock
        def test_marked(ccx_mock, ccx_mock_session):
            assert ccx_mock is not ccx_mock_session
        """,
        ini="ccx_mock_scope = session",
    )
    result.assert_outcomes(passed=4)


def test_an_unknown_scope_option_stops_the_run_with_a_usage_error(
    pytester: pytest.Pytester,
) -> None:
    result = run(pytester, "def test_nothing(): pass", ini="ccx_mock_scope = module")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ccx_mock_scope = 'module' is not valid*'session'*"])


def test_the_marker_configures_faults_limits_and_the_clock(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from datetime import datetime, timezone

        @pytest.mark.ccx_mock(faults="status=503")
        def test_faults(ccx_client, ccx_webhook_receiver):
            with pytest.raises(ccx.InternalServerError) as raised:
                ccx_client.me.retrieve(max_retries=0)
            assert raised.value.status_code == 503
            assert ccx_webhook_receiver.secret is not None  # its registration was spared

        @pytest.mark.ccx_mock(rate_limit_per_minute=100)
        def test_rate_limit(ccx_client):
            ccx_client.me.retrieve()
            assert ccx_client.rate_limit.limit == 100

        @pytest.mark.ccx_mock(time_scale=60)
        def test_real_clock(ccx_client):
            assert ccx_client.test_helpers.clock.retrieve().time_scale == 60

        START = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)

        @pytest.mark.ccx_mock(clock_start=START)
        def test_start(ccx_client):
            assert ccx_client.test_helpers.clock.retrieve().now == START

        @pytest.mark.ccx_mock(clock_start="2026-11-28T06:00:00-03:00")
        def test_start_as_text(ccx_client):
            assert ccx_client.test_helpers.clock.retrieve().now == START

        def test_the_ini_option_starts_unmarked_mocks(ccx_client):
            now = ccx_client.test_helpers.clock.retrieve().now
            assert now == datetime(2026, 11, 20, tzinfo=timezone.utc)

        @pytest.mark.ccx_mock(faults="status=503")
        class TestClassMarker:
            @pytest.mark.ccx_mock(rate_limit_per_minute=100)
            def test_closest_marker_adds_to_the_class_one(self, ccx_client, ccx_mock):
                assert ccx_mock.config.faults == "status=503"
                assert ccx_mock.config.rate_limit_per_minute == 100
        """,
    )
    result.assert_outcomes(passed=7)


def test_marker_mistakes_fail_naming_the_option_and_the_fix(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from datetime import datetime

        @pytest.mark.ccx_mock(fautls="status=503")
        def test_typo(ccx_mock):
            pass

        @pytest.mark.ccx_mock(rate_limit_per_minute="many")
        def test_wrong_type(ccx_mock):
            pass

        @pytest.mark.ccx_mock("status=503")
        def test_positional(ccx_mock):
            pass

        @pytest.mark.ccx_mock(clock_start=datetime(2026, 11, 28))
        def test_naive_start(ccx_mock):
            pass

        @pytest.mark.ccx_mock(clock_start="next tuesday")
        def test_unreadable_start(ccx_mock):
            pass
        """,
    )
    result.assert_outcomes(errors=5)
    result.stdout.fnmatch_lines_random(
        [
            "*unknown option(s) fautls; valid: *faults*",
            "*ccx_mock: rate_limit_per_minute: Input should be a valid integer*",
            "*takes keyword options only*ccx_mock(faults='status=503')*",
            "*clock_start=...): clock start 2026-11-28 00:00:00 has no UTC offset; add one*",
            "*clock_start=...): clock start 'next tuesday' is not an RFC 3339 time*",
        ]
    )


def test_client_waits_move_the_mock_clock_instead_of_sleeping(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        @pytest.mark.ccx_mock(faults="status=429,retry_after=30")
        def test_sync(ccx_client, ccx_mock):
            before = ccx_mock.clock.now()
            with pytest.raises(ccx.RateLimitError):
                ccx_client.me.retrieve()
            assert ccx_mock.clock.now() - before >= 30 * ccx_client.max_retries

        @pytest.mark.asyncio
        @pytest.mark.ccx_mock(faults="status=429,retry_after=30")
        async def test_async(ccx_async_client, ccx_mock):
            before = ccx_mock.clock.now()
            with pytest.raises(ccx.RateLimitError):
                await ccx_async_client.me.retrieve()
            assert ccx_mock.clock.now() - before >= 30 * ccx_async_client.max_retries
        """,
    )
    result.assert_outcomes(passed=2)


def test_the_async_client_works_and_is_closed_on_the_tests_loop(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        @pytest.mark.asyncio
        async def test_send(ccx_async_client):
            message = await ccx_async_client.messages.send(
                to=READS, channel="whatsapp", template=ORDER
            )
            assert (await ccx_async_client.messages.retrieve(message.id)).id == message.id
        """,
    )
    result.assert_outcomes(passed=1)


ASYNC_TESTS = """
async def me(client):
    return (await client.me.retrieve()).workspace.name

@pytest.mark.anyio
async def test_anyio(ccx_async_client):
    assert await me(ccx_async_client) == "Demo Workspace"

@pytest.mark.asyncio
async def test_asyncio(ccx_async_client):
    assert await me(ccx_async_client) == "Demo Workspace"

async def test_unmarked(ccx_async_client):
    assert await me(ccx_async_client) == "Demo Workspace"

@pytest.mark.anyio
@pytest.mark.asyncio
async def test_both(ccx_async_client):
    assert await me(ccx_async_client) == "Demo Workspace"

def test_sync(ccx_async_client):
    assert ccx_async_client.strict_response_validation
"""
NOTHING_RUNS_IT = (
    "*{test} uses ccx_async_client, an async fixture, but nothing runs the test on an event "
    "loop. Mark it @pytest.mark.anyio (anyio comes with ccx-sdk: nothing to install), or "
    "install pytest-asyncio and mark it @pytest.mark.asyncio*"
)
BOTH_LOOPS = "*{test} is marked anyio, but pytest-asyncio runs it*drop one of the two markers*"


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """Each test's outcome by name, from the -rA summary."""
    found: dict[str, str] = {}
    for line in result.outlines:
        outcome, _, rest = line.partition(" ")
        if outcome in ("PASSED", "FAILED", "ERROR"):
            name = rest.split("::")[-1].split(" ")[0].split("[")[0]
            found[name] = "ERROR" if outcome == "ERROR" or name in found else outcome
    return found


def test_the_async_client_runs_on_anyio_without_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nccx_mock_clock_start = {CLOCK_START}\n")
    pytester.makepyfile(PRELUDE + ASYNC_TESTS)

    result = pytester.runpytest(*STRICT, "-p", "no:asyncio", "-rA")

    assert outcomes(result) == {
        "test_anyio": "PASSED",
        "test_asyncio": "ERROR",
        "test_unmarked": "ERROR",
        "test_both": "PASSED",
        "test_sync": "ERROR",
    }
    result.stdout.fnmatch_lines_random(
        [
            "*test_sync uses ccx_async_client, an async fixture, in a sync test: that needs "
            "pytest-asyncio installed*",
            NOTHING_RUNS_IT.format(test="test_unmarked"),
            NOTHING_RUNS_IT.format(test="test_asyncio")
            + "marked asyncio, but pytest-asyncio is not installed, or is disabled*",
        ]
    )


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_the_async_client_runs_on_pytest_asyncio_in_either_mode(
    pytester: pytest.Pytester, mode: str
) -> None:
    result = run(pytester, ASYNC_TESTS, ini=f"asyncio_mode = {mode}\n")

    result_outcomes = outcomes(result)
    assert result_outcomes["test_asyncio"] == "PASSED"
    assert result_outcomes["test_sync"] == "PASSED"
    assert result_outcomes["test_both"] == "ERROR"
    result.stdout.fnmatch_lines_random([BOTH_LOOPS.format(test="test_both*")])
    if mode == "strict":  # anyio runs what pytest-asyncio leaves unmarked
        assert result_outcomes["test_anyio"] == "PASSED"
        assert result_outcomes["test_unmarked"] == "ERROR"
        result.stdout.fnmatch_lines_random([NOTHING_RUNS_IT.format(test="test_unmarked")])
    else:  # auto mode takes every async test, and anyio cannot share it
        assert result_outcomes["test_anyio"] == "ERROR"
        assert result_outcomes["test_unmarked"] == "PASSED"


def test_the_receiver_answers_forged_deliveries_400_and_keeps_them_out_of_events(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import json
        import time
        import httpx
        import ccx.webhooks

        BODY = json.dumps({
            "id": "evt_1", "object": "event", "event": "message.delivered",
            "created_at": "2026-11-21T08:00:00Z", "api_version": "2026-11-01",
            "trace_id": None,
            "data": {"message_id": "msg_1", "status": "delivered", "direction": "outbound",
                     "channel": "whatsapp", "created_at": "2026-11-21T08:00:00Z"},
        }).encode()

        def post(receiver, ccx_mock, secret):
            now = int(time.time())  # signatures carry the wall time, as the mock's do
            headers = {
                "CCX-Signature": ccx.webhooks.sign(BODY, secret, timestamp=now),
                "CCX-Event-Id": "evt_1",
                "CCX-Event-Type": "message.delivered",
            }
            return httpx.post(receiver.url, content=BODY, headers=headers).status_code

        def test_forged(ccx_webhook_receiver, ccx_mock):
            receiver = ccx_webhook_receiver
            assert post(receiver, ccx_mock, "whsec_forged") == 400
            assert "signature" in receiver.deliveries[-1].error.lower()
            assert receiver.events == []

            assert post(receiver, ccx_mock, receiver.secret) == 200
            assert [event.id for event in receiver.events] == ["evt_1"]
            assert receiver.secret not in repr(receiver)
        """,
    )
    result.assert_outcomes(passed=1)


def test_scripted_failures_are_redelivered_by_the_mock_while_waiting(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        def test_redelivery(ccx_client, ccx_mock, ccx_webhook_receiver):
            ccx_webhook_receiver.script["message.delivered"] = [500, 503]
            message = send(ccx_client)

            event = ccx_webhook_receiver.wait_for("message.delivered", message_id=message.id)

            assert event.data.message_id == message.id
            attempts = [a for a in ccx_mock.deliveries if a.event_type == "message.delivered"]
            assert [a.status for a in attempts] == [500, 503, 200]
            assert len({a.event_id for a in attempts}) == 1
        """,
    )
    result.assert_outcomes(passed=1)


def test_waiting_for_an_event_that_never_comes_says_what_came(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_never_delivered(ccx_client, ccx_webhook_receiver):
            message = send(ccx_client, to=SENT_ONLY)
            ccx_webhook_receiver.wait_for("message.sent", message_id=message.id)
            with pytest.raises(TimeoutError) as raised:
                ccx_webhook_receiver.wait_for(
                    "message.delivered", message_id=message.id, timeout=0.2
                )
            text = str(raised.value)
            assert f"No verified message.delivered for {message.id} webhook" in text
            assert f"message.sent ({message.id})" in text
        """,
    )
    result.assert_outcomes(passed=1)


def test_without_the_mock_extra_pytest_runs_and_fixtures_say_what_to_install(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import sys

        # What an install without ccx-sdk[mock] looks like: these imports fail.
        sys.modules["starlette"] = None
        sys.modules["uvicorn"] = None
        """
    )
    pytester.makepyfile(
        """
        def test_plain():
            assert True

        def test_mock(ccx_mock):
            pass
        """
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess(*STRICT)
    result.assert_outcomes(passed=1, errors=1)
    assert (
        "The CCX pytest fixtures need the mock server, which is not installed (no module named "
        "'uvicorn'): pip install 'ccx-sdk[mock]'"
    ) in result.stdout.lines


def test_loading_the_plugin_imports_neither_the_mock_nor_the_client() -> None:
    probe = (
        "import sys, ccx.pytest_plugin; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'httpx', 'pydantic', 'ccx.mock', "
        "'ccx._client', 'http.server') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_the_receiver_is_still_importable_from_the_plugin() -> None:
    import ccx.pytest_plugin
    import ccx.testing

    assert ccx.pytest_plugin.WebhookReceiver is ccx.testing.WebhookReceiver
    assert ccx.pytest_plugin.WebhookDelivery is ccx.testing.WebhookDelivery
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = ccx.pytest_plugin.Nope


def test_wait_for_has_an_overload_for_every_event_type_giving_its_class() -> None:
    """The overloads are written out for type checkers; this keeps them true to the spec."""
    import typing

    from typing_extensions import Unpack, get_overloads

    import ccx.types
    from ccx._models import EventModel
    from ccx.testing import WebhookReceiver

    names = {name: getattr(ccx.types, name) for name in ccx.types.__all__}
    event_classes = {
        typing.get_args(model.model_fields["event"].annotation)[0]: model
        for model in names.values()
        if isinstance(model, type)
        and issubclass(model, EventModel)
        and model.__name__ != "UnknownEvent"
    }
    namespace = {**names, "Literal": typing.Literal, "Unpack": Unpack, "_WaitOptions": dict}

    overloads = {}
    for overload in get_overloads(WebhookReceiver.wait_for):
        annotations = {
            name: eval(annotation, namespace)  # the receiver's own annotation strings
            for name, annotation in overload.__annotations__.items()
        }
        literal = typing.get_args(annotations["event_type"])
        overloads[literal[0] if literal else annotations["event_type"]] = annotations["return"]

    assert set(event_classes) == set(ccx.types.EVENT_TYPES)
    assert overloads == {**event_classes, str: names["Event"]}
