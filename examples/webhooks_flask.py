"""Receive CCX webhooks in Flask: a view decorator verifies the signature and passes the event.

    pip install 'ccx-sdk[flask]'
    CCX_WEBHOOK_SECRET=whsec_... python examples/webhooks_flask.py   # serves on :8000
    python examples/webhooks_flask.py --selftest   # the bundled mock delivers to it; exit 0

A request whose signature does not verify never reaches ``receive``: it is answered 400.
"""

from __future__ import annotations

import queue
import sys

from _support import WEBHOOK_PATH, selftest, serve_wsgi
from flask import Flask

from ccx.types import Event, MessageDeliveredEvent
from ccx.webhooks.flask import verify_webhook

app = Flask(__name__)
events: queue.Queue[Event] = queue.Queue()
"""Where this example hands events on; your app would enqueue a job or update a record."""


@app.post(WEBHOOK_PATH)
@verify_webhook()  # CCX_WEBHOOK_SECRET: required as the app starts, read on each request
def receive(event: Event) -> tuple[str, int]:
    # Answer quickly (CCX waits 10 s at most, then redelivers) and do slow work elsewhere.
    if isinstance(event, MessageDeliveredEvent):
        print(f"{event.data.message_id} was delivered")
    events.put(event)
    return "", 204


def main() -> None:
    if "--selftest" in sys.argv[1:]:
        with serve_wsgi(app) as base_url:
            selftest(base_url + WEBHOOK_PATH, events)
    else:
        app.run(host="127.0.0.1", port=8000)


if __name__ == "__main__":
    main()
