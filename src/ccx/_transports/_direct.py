"""Sending a request the SDK built straight to the transport of the httpx client it built.

``httpx.Client.send`` runs an auth flow, a redirect loop, cookie extraction (an
``email.message.Message`` per response) and its own logging around the transport: work the SDK
never needs on a client it built itself (no auth, cookies or redirects), yet it costs more per
call than all of the SDK's own planning. So a whole-body call on such a client goes to the
transport httpx would have chosen (proxies from the environment included) and keeps the rest
of what ``send`` does: the request on the response and on transport errors, the body read (or
closed on failure), and ``elapsed``.

A client passed as ``http_client=``, and every streamed response, still go through ``send``:
the former may have auth, hooks or cookies of its owner, the latter is read over minutes.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Awaitable, Callable

import httpx

__all__ = ["send", "send_async"]

WholeRequest = Callable[[httpx.Request], Awaitable[httpx.Response]]


def _elapsed(started: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=time.perf_counter() - started)


def send(http: httpx.Client, request: httpx.Request) -> httpx.Response:
    """``http.send(request)`` without the client layer: the whole body read."""
    # The pool, or a proxy mounted from the environment; tests/core/test_direct_send.py fails
    # if a new httpx renames this.
    transport = http._transport_for_url(request.url)
    started = time.perf_counter()
    try:
        response = transport.handle_request(request)
    except httpx.RequestError as error:
        error.request = request  # httpx's transports raise without it; send() adds it
        raise
    response.request = request
    try:
        response.read()
    except BaseException:
        response.close()
        raise
    response.elapsed = _elapsed(started)
    return response


async def send_async(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """The async twin of ``send``."""
    transport = http._transport_for_url(request.url)
    started = time.perf_counter()
    whole: WholeRequest | None = getattr(transport, "handle_whole_async_request", None)
    if whole is not None:  # AiohttpTransport reads the body without httpx's streams
        response = await whole(request)
        response.elapsed = _elapsed(started)
        return response
    try:
        response = await transport.handle_async_request(request)
    except httpx.RequestError as error:
        error.request = request
        raise
    response.request = request
    try:
        await response.aread()
    except BaseException:
        await response.aclose()
        raise
    response.elapsed = _elapsed(started)
    return response
