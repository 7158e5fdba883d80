"""A fixed-response ASGI app on uvicorn, so client benchmarks time the client, not the server.

    python benchmarks/_fixture_server.py PORT   # serves on 127.0.0.1:PORT until terminated

``POST /v1/messages`` answers what the mock answers to ``messages.send`` (same body, same
headers); ``POST /v1/chat/completions`` answers a chat completion of about the same size, the
equivalent endpoint for the openai client.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MESSAGE: dict[str, Any] = {
    "id": "msg_a138a62a29a3360b",
    "object": "message",
    "direction": "outbound",
    "to": "+5511999990000",
    "channel": "whatsapp",
    "status": "queued",
    "priority": "default",
    "template": {
        "name": "order_confirmation",
        "language": "pt_BR",
        "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
    },
    "fallback": [],
    "metadata": {},
    "conversation_id": "cnv_6dd76f71b81ba667",
    "attempts": 0,
    "trace_id": "4655fd5e75c71376dab1be781ceb7242",
    "created_at": "2026-11-21T08:20:21.123Z",
    "queued_at": "2026-11-21T08:20:21.123Z",
}
CHAT_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1741570283,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Your order #A8492 is confirmed, Maria: R$ 349,90.",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 19, "completion_tokens": 14, "total_tokens": 33},
    "service_tier": "default",
    "system_fingerprint": "fp_fc9f1d7035",
}
_COMMON_HEADERS = [
    (b"content-type", b"application/json"),
    (b"x-request-id", b"req_LUZZoOx75HOdFGMnzR97n1gQ"),
]
_RESPONSES: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = {
    "/v1/messages": (
        202,
        [
            *_COMMON_HEADERS,
            (b"x-ratelimit-limit", b"6000"),
            (b"x-ratelimit-remaining", b"5999"),
            (b"x-ratelimit-reset", b"39"),
        ],
        json.dumps(MESSAGE, separators=(",", ":")).encode(),
    ),
    "/v1/chat/completions": (
        200,
        _COMMON_HEADERS,
        json.dumps(CHAT_COMPLETION, separators=(",", ":")).encode(),
    ),
}
_NOT_FOUND = (404, _COMMON_HEADERS, b'{"error":{"type":"not_found"}}')


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:  # the request body is read, as any real server would
        more = (await receive()).get("more_body", False)
    status, headers, body = _RESPONSES.get(scope["path"], _NOT_FOUND)
    content_length = (b"content-length", str(len(body)).encode())
    await send(
        {"type": "http.response.start", "status": status, "headers": [*headers, content_length]}
    )
    await send({"type": "http.response.body", "body": body})


def serve(port: int) -> None:
    """Serve on ``127.0.0.1:port`` with uvicorn's fastest parser and loop, until terminated."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http="httptools",
        loop="uvloop",
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
