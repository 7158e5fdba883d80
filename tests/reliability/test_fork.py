"""A client created before ``os.fork()`` works in every child, on connections of its own.

gunicorn ``--preload``, Celery's prefork pool and ``multiprocessing`` with fork all hand a
client (and whatever connections its pool holds) to each child. Sharing a socket between
processes mixes up responses, so here the parent fills its pool first, then the parent and
twenty children send at once through the same client object. Every message carries its
sender and number in its text, and every answer must echo its own.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import httpx
import pytest

from ccx import CCX, AiohttpTransport, AsyncCCX, ConfigurationError
from ccx.mock import FrozenClock, MockConfig, MockServer

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")

T = TypeVar("T")

CHILDREN = 20
PER_CHILD = 5
PER_PARENT = 30
WAIT_FOR_CHILDREN = 120.0
"""Seconds the children may take in all (generous: a loaded two-core machine)."""
CLIENT_OPTIONS = {"timeout": 20.0, "max_retries": 0}
"""No retry hides a crossed response, and a request whose answer went to another process
fails in seconds instead of hanging the test."""


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    config = MockConfig(rate_limit_per_minute=10**9, burst_per_second=10**9)
    with MockServer(config, clock=FrozenClock("2026-11-20T00:00:00Z")) as running:
        yield running


def send(client: CCX, sender: str, number: int) -> str | None:
    """One send; what went wrong, if anything."""
    text = f"{sender}-{number}"
    try:
        message = client.messages.send(to="+15550000001", channel="sms", text=text)
    except Exception as error:
        return f"{text}: {type(error).__name__}: {error}"
    return None if message.text == text else f"{text}: got the answer to {message.text}"


def send_many(client: CCX, sender: str, count: int) -> list[str]:
    """``count`` sends at once, from as many threads."""
    with ThreadPoolExecutor(count) as pool:
        outcomes = pool.map(partial(send, client, sender), range(count))
    return [problem for problem in outcomes if problem is not None]


async def async_send_many(client: AsyncCCX, sender: str, count: int) -> list[str]:
    async def one(number: int) -> str | None:
        text = f"{sender}-{number}"
        try:
            message = await client.messages.send(to="+15550000001", channel="sms", text=text)
        except Exception as error:
            return f"{text}: {type(error).__name__}: {error}"
        return None if message.text == text else f"{text}: got the answer to {message.text}"

    outcomes = await asyncio.gather(*(one(number) for number in range(count)))
    return [problem for problem in outcomes if problem is not None]


def fork_children(
    work: Callable[[int], list[str]],
    count: int = CHILDREN,
    meanwhile: Callable[[], object] = lambda: None,
) -> list[tuple[int, int, str]]:
    """Forks ``count`` children running ``work(n)``, each reporting its problems on a pipe.

    The children wait until all are forked, then start with ``meanwhile`` (the parent's own
    sends). Nothing runs in another thread of the parent while it forks: a child inherits any
    lock a thread held at that moment (an import's, say) and would wait on it forever.
    """
    go_reading, go_writing = os.pipe()
    children: list[tuple[int, int]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: forking a threaded process
        for number in range(count):
            reading, writing = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never return into pytest
                code = 1
                try:
                    os.close(reading)
                    os.read(go_reading, 1)
                    problems = work(number)
                    os.write(writing, json.dumps(problems).encode())
                    code = 0
                finally:
                    os._exit(code)
            os.close(writing)
            children.append((pid, reading))
    meanwhile()
    os.write(go_writing, b"go" * count)
    os.close(go_writing)
    os.close(go_reading)
    deadline = time.monotonic() + WAIT_FOR_CHILDREN
    return [(pid, *_collect(pid, reading, deadline)) for pid, reading in children]


def _collect(pid: int, reading: int, deadline: float) -> tuple[int, str]:
    while time.monotonic() < deadline:
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        status = -1
    with os.fdopen(reading, "rb") as report:
        return status, report.read().decode()


def assert_all_sent(outcomes: list[tuple[int, int, str]], parent_problems: list[str]) -> None:
    assert parent_problems == []
    for pid, status, report in outcomes:
        assert status == 0, f"child {pid} ended with status {status}"
        assert json.loads(report) == [], f"child {pid}"


def test_forked_children_get_their_own_connections(server: MockServer) -> None:
    with server.client(**CLIENT_OPTIONS) as client:
        assert send_many(client, "warm-up", PER_PARENT) == []  # the pool now holds connections

        parent = ThreadPoolExecutor(1)
        parent_problems: list[Future[list[str]]] = []
        outcomes = fork_children(
            lambda n: send_many(client, f"child{n}", PER_CHILD),
            meanwhile=lambda: parent_problems.append(
                parent.submit(send_many, client, "parent", PER_PARENT)
            ),
        )
        parent.shutdown()

        assert_all_sent(outcomes, parent_problems[0].result())
        assert send_many(client, "after", PER_PARENT) == []  # the parent's pool still works


@pytest.fixture
def parent_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The parent's event loop, running in a thread while the main thread forks."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.mark.parametrize("transport", [None, AiohttpTransport], ids=["httpx", "aiohttp"])
def test_forked_children_get_their_own_async_connections(
    server: MockServer,
    parent_loop: asyncio.AbstractEventLoop,
    transport: type[AiohttpTransport] | None,
) -> None:
    def in_parent(work: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(work, parent_loop)

    async def in_child(number: int) -> list[str]:
        problems = await async_send_many(client, f"child{number}", PER_CHILD)
        await client.close()  # closes what the child opened, not what it inherited
        return problems

    client = server.async_client(transport=transport() if transport else None, **CLIENT_OPTIONS)
    assert in_parent(async_send_many(client, "warm-up", PER_PARENT)).result() == []

    parent_problems: list[Future[list[str]]] = []
    outcomes = fork_children(
        lambda n: asyncio.run(in_child(n)),
        meanwhile=lambda: parent_problems.append(
            in_parent(async_send_many(client, "parent", PER_PARENT))
        ),
    )

    assert_all_sent(outcomes, parent_problems[0].result(WAIT_FOR_CHILDREN))
    assert in_parent(async_send_many(client, "after", PER_PARENT)).result() == []
    in_parent(client.close()).result()


_inherited: CCX | None = None
"""The client a ``multiprocessing`` fork pool's workers inherit."""


def _worker_sends(sender: str) -> tuple[int, list[str]]:
    assert _inherited is not None
    return os.getpid(), send_many(_inherited, sender, PER_CHILD)


def test_a_multiprocessing_fork_pool_shares_the_client_safely(server: MockServer) -> None:
    global _inherited  # noqa: PLW0603 - what the forked workers inherit
    with server.client(**CLIENT_OPTIONS) as client:
        assert send_many(client, "warm-up", PER_PARENT) == []
        _inherited = client
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context = multiprocessing.get_context("fork")
                with context.Pool(CHILDREN) as pool:
                    pending = pool.map_async(
                        _worker_sends, [f"worker{n}" for n in range(CHILDREN)], chunksize=1
                    )
                    parent_problems = send_many(client, "parent", PER_PARENT)
                    results = pending.get(WAIT_FOR_CHILDREN)
        finally:
            _inherited = None

    assert parent_problems == []
    assert [problems for _, problems in results] == [[]] * CHILDREN
    assert len({pid for pid, _ in results}) > 1


def test_an_http_client_of_yours_is_refused_in_a_child(server: MockServer) -> None:
    """The SDK cannot open a fresh one of yours: sharing it would mix up responses."""
    with httpx.Client() as http, server.client(http_client=http) as client:
        client.me.retrieve()

        def in_child(_: int) -> list[str]:
            try:
                client.me.retrieve()
            except ConfigurationError as error:
                return [] if "created in another process" in str(error) else [str(error)]
            return ["the inherited http_client was used"]

        outcomes = fork_children(in_child, count=2)

    assert_all_sent(outcomes, [])
