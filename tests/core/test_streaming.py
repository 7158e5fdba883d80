"""SSE parsing (checked against httpx-sse) and typed streams that resume after a drop."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource
from hypothesis import given, settings
from hypothesis import strategies as st

from ccx._constants import STREAM_MAX_RECONNECTS
from ccx._exceptions import APIConnectionError, NotFoundError
from ccx._streaming import AsyncStream, ServerSentEvent, SSEDecoder, Stream

from ._resources import AsyncMessages, Completed, Messages, Progress
from ._server import Reply, ScriptedServer, Seen, error
from .conftest import FakeClock


def parse(chunks: list[bytes]) -> tuple[list[ServerSentEvent], SSEDecoder]:
    decoder = SSEDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    events += decoder.end()
    return events, decoder


def datas(stream: bytes) -> list[str]:
    return [event.data for event in parse([stream])[0]]


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (b"data: YHOO\ndata: +2\ndata: 10\n\n", ["YHOO\n+2\n10"]),
        (b"data\n\ndata\ndata\n\ndata:", ["", "\n"]),
        (b"data:test\n\ndata: test\n\n", ["test", "test"]),
        (b"data:  two spaces\n\n", [" two spaces"]),
        (b": a comment\n\ndata: after\n\n", ["after"]),
        (b"data: a\r\rdata: b\r\n\r\ndata: c\n\n", ["a", "b", "c"]),
        (b"\xef\xbb\xbfdata: bom\n\n", ["bom"]),
        (b"\xef\xbb\xbf\xef\xbb\xbfdata: two boms\n\n", []),
        (b"unknown: x\ndata: kept\n\n", ["kept"]),
        (b"data: unfinished", []),
        (b"data: ends with cr\n\r", ["ends with cr"]),
    ],
    ids=[
        "multi-line",
        "empty-data",
        "optional-space",
        "one-space-only",
        "comment",
        "cr-crlf",
        "bom",
        "second-bom",
        "unknown-field",
        "eof-discards",
        "final-cr",
    ],
)
def test_spec_examples(stream: bytes, expected: list[str]) -> None:
    assert datas(stream) == expected


def test_ids_persist_and_nul_ids_are_ignored() -> None:
    events, decoder = parse([b"id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\n"])
    assert [(e.data, e.id) for e in events] == [("a", "1"), ("b", "1"), ("c", "1"), ("d", "")]
    assert decoder.last_event_id == ""


def test_event_types() -> None:
    events, _ = parse([b"event: broadcast.progress\ndata: x\n\ndata: y\n\n"])
    assert [e.event for e in events] == ["broadcast.progress", "message"]


@pytest.mark.parametrize(
    ("line", "retry"),
    [
        (b"retry: 1500", 1500),
        (b"retry: 15x", None),
        (b"retry: -5", None),
        ("retry: ١٢".encode(), None),
    ],
)
def test_retry_takes_ascii_digits_only(line: bytes, retry: int | None) -> None:
    assert parse([line + b"\n\n"])[1].retry == retry


def test_chunk_boundaries_inside_crlf_and_utf8() -> None:
    stream = "data: café ☕\r\n\r\ndata: b\r\n\r\n".encode()
    one_byte_chunks = [stream[i : i + 1] for i in range(len(stream))]
    assert [e.data for e in parse(one_byte_chunks)[0]] == ["café ☕", "b"]


# -- differential test against httpx-sse -------------------------------------------------------

_values = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\r\n", exclude_categories=("Cs",)),
    max_size=12,
)
_names = st.sampled_from(["data", "event", "id", "retry", "", "dat", "Data", "x"])
_line = st.one_of(
    st.tuples(_names, st.sampled_from([":", ": ", ":  ", ""]), _values).map("".join),
    _values.map(lambda value: f":{value}"),
    st.just(""),
    st.sampled_from(["retry: 12", "id: 7", "data: \0", "id: a\0b"]),
)
_ending = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def _streams(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    lines = draw(st.lists(st.tuples(_line, _ending), max_size=25))
    text = "".join(line + ending for line, ending in lines) + draw(
        st.sampled_from(["", "data: tail"])
    )
    raw = text.encode()
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=len(raw)), max_size=6)))
    return raw, cuts


def _oracle(raw: bytes, cuts: list[int]) -> list[tuple[str, str, str]]:
    chunks = [raw[start:end] for start, end in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    response = httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=iter(chunks)
    )
    return [(e.event or "message", e.data, e.id) for e in EventSource(response).iter_sse()]


@settings(max_examples=400)
@given(_streams())
def test_parser_agrees_with_httpx_sse(stream: tuple[bytes, list[int]]) -> None:
    raw, cuts = stream
    chunks = [raw[start:end] for start, end in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    ours = [(e.event, e.data, e.id) for e in parse(chunks)[0]]
    # httpx-sse also dispatches blocks without data (the spec drops them), so both sides are
    # compared on events that carry data.
    expected = [event for event in _oracle(raw, cuts) if event[1]]
    assert [event for event in ours if event[1]] == expected


# -- typed streams over a socket ---------------------------------------------------------------

EVENTS_PATH = "/v1/broadcasts/brd_1/events"


def sse(event_id: int, event: str, sent: int) -> bytes:
    data = json.dumps({"event": event, "sent": sent})
    return f"id: {event_id}\nevent: {event}\ndata: {data}\n\n".encode()


def resume_after_two(request: Seen) -> Reply:
    assert request.headers["last-event-id"] == "2"
    return Reply(
        events=[
            sse(3, "broadcast.progress", 300),
            sse(4, "broadcast.completed", 400),
            sse(5, "broadcast.progress", 999),  # after completion: never read
        ]
    )


def script_dropping_stream(server: ScriptedServer) -> None:
    first = Reply(
        events=[
            b"retry: 25\n\n",
            sse(1, "broadcast.progress", 100),
            sse(2, "broadcast.progress", 200),
            b'id: 3\nevent: broadcast.progress\ndata: {"event": "broadc',
        ],
        drop=True,
    )
    server.script("GET", EVENTS_PATH, first, resume_after_two)


EXPECTED = [
    Progress(event="broadcast.progress", sent=100),
    Progress(event="broadcast.progress", sent=200),
    Progress(event="broadcast.progress", sent=300),
    Completed(event="broadcast.completed", sent=400),
]


def test_stream_resumes_after_a_drop_without_loss_or_repeat(
    server: ScriptedServer, messages: Messages, clock: FakeClock
) -> None:
    script_dropping_stream(server)

    with messages.events("brd_1") as stream:
        events = list(stream)

    assert events == EXPECTED
    assert clock.sleeps == [0.025]
    first, _ = server.seen("GET", EVENTS_PATH)
    assert first.headers["accept"] == "text/event-stream"
    assert "last-event-id" not in first.headers


async def test_async_stream_resumes_after_a_drop_without_loss_or_repeat(
    server: ScriptedServer, async_messages: AsyncMessages, clock: FakeClock
) -> None:
    script_dropping_stream(server)

    async with async_messages.events("brd_1") as stream:
        events = [event async for event in stream]

    assert events == EXPECTED
    assert clock.sleeps == [0.025]


def test_reconnecting_gives_up_when_no_event_arrives(
    server: ScriptedServer, messages: Messages, clock: FakeClock
) -> None:
    empty_drop = Reply(events=[b": keep-alive\n"], drop=True)
    server.script("GET", EVENTS_PATH, *[empty_drop] * (STREAM_MAX_RECONNECTS + 1))

    with (
        pytest.raises(APIConnectionError, match="reconnections"),
        messages.events("brd_1") as stream,
    ):
        list(stream)

    assert len(server.seen("GET", EVENTS_PATH)) == STREAM_MAX_RECONNECTS + 1


def use(stream: Stream[Any], how: str) -> None:
    if how == "with":
        with stream:
            pytest.fail("the body of the with statement must not run")
    else:
        next(stream)


async def use_async(stream: AsyncStream[Any], how: str) -> None:
    if how == "with":
        async with stream:
            pytest.fail("the body of the async with statement must not run")
    else:
        await anext(stream)


# The sync client is called beside the async one in the same test, on purpose; the warning that
# this blocks the loop is tested in tests/core/test_misuse.py.
@pytest.mark.filterwarnings("ignore::ccx.BlockingCallWarning")
@pytest.mark.parametrize("how", ["with", "first event"])
async def test_both_streams_connect_on_first_use_and_raise_the_typed_error_there(
    server: ScriptedServer, messages: Messages, async_messages: AsyncMessages, how: str
) -> None:
    missing = error(404, "not_found", "no such broadcast")
    server.script("GET", EVENTS_PATH, missing, missing)
    stream, async_stream = messages.events("brd_1"), async_messages.events("brd_1")

    assert server.seen("GET", EVENTS_PATH) == []
    with pytest.raises(NotFoundError, match="no such broadcast"):
        use(stream, how)
    with pytest.raises(NotFoundError, match="no such broadcast"):
        await use_async(async_stream, how)
    assert len(server.seen("GET", EVENTS_PATH)) == 2


def test_raw_stream_response(server: ScriptedServer, messages: Messages) -> None:
    server.script(
        "GET",
        EVENTS_PATH,
        Reply(events=[sse(1, "broadcast.completed", 1)], headers={"X-Request-Id": "req_s"}),
    )

    raw = messages.with_raw_response.events("brd_1")

    assert raw.request_id == "req_s"
    with raw.parse() as stream:
        assert list(stream) == [Completed(event="broadcast.completed", sent=1)]


async def test_async_raw_stream_response(
    server: ScriptedServer, async_messages: AsyncMessages
) -> None:
    server.script(
        "GET",
        EVENTS_PATH,
        Reply(events=[sse(1, "broadcast.completed", 1)], headers={"X-Request-Id": "req_s"}),
    )

    raw = await async_messages.with_raw_response.events("brd_1")

    assert raw.request_id == "req_s"
    async with raw.parse() as stream:
        assert [event async for event in stream] == [Completed(event="broadcast.completed", sent=1)]
