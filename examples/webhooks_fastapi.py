"""Receive CCX webhooks in FastAPI: a dependency verifies the signature and gives a typed event.

    pip install 'ccx-sdk[fastapi]' uvicorn
    CCX_WEBHOOK_SECRET=whsec_... python examples/webhooks_fastapi.py   # serves on :8000
    python examples/webhooks_fastapi.py --selftest   # the bundled mock delivers to it; exit 0

A request whose signature does not verify never reaches ``receive``: it is answered 400.
"""

from __future__ import annotations

import queue
import sys
from typing import Annotated

import uvicorn
from _support import WEBHOOK_PATH, selftest, serve_asgi
from fastapi import Depends, FastAPI

from ccx.types import Event, MessageDeliveredEvent
from ccx.webhooks.fastapi import verified_event

app = FastAPI()
events: queue.Queue[Event] = queue.Queue()
"""Where this example hands events on; your app would enqueue a job or update a record."""

CCXEvent = Annotated[Event, Depends(verified_event())]  # CCX_WEBHOOK_SECRET


@app.post(WEBHOOK_PATH, status_code=204)
async def receive(event: CCXEvent) -> None:
    # Answer quickly (CCX waits 10 s at most, then redelivers) and do slow work elsewhere.
    if isinstance(event, MessageDeliveredEvent):
        print(f"{event.data.message_id} was delivered")
    events.put(event)


def main() -> None:
    if "--selftest" in sys.argv[1:]:
        with serve_asgi(app) as base_url:
            selftest(base_url + WEBHOOK_PATH, events)
    else:
        uvicorn.run(app, host="127.0.0.1", port=8000)


if __name__ == "__main__":
    main()
