"""Receive CCX webhooks in Django: a view decorator verifies the signature and passes the event.

    pip install 'ccx-sdk[django]'
    CCX_WEBHOOK_SECRET=whsec_... python examples/webhooks_django.py   # serves on :8000
    python examples/webhooks_django.py --selftest   # the bundled mock delivers to it; exit 0

The whole project fits in this file; in yours, the view goes in an app's ``views.py`` and the
secret in ``settings.CCX_WEBHOOK_SECRET`` (read before the environment variable). A request
whose signature does not verify never reaches ``receive``: it is answered 400.
"""

from __future__ import annotations

import queue
import sys

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    SECRET_KEY="example-only: Django signs sessions with this; webhooks do not use it",
)
django.setup()

from _support import WEBHOOK_PATH, selftest, serve_wsgi  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import execute_from_command_line  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

from ccx.types import Event, MessageDeliveredEvent  # noqa: E402
from ccx.webhooks.django import verify_webhook  # noqa: E402

events: queue.Queue[Event] = queue.Queue()
"""Where this example hands events on; your app would enqueue a job or update a record."""


@verify_webhook()  # CSRF-exempt: the signature is the proof of origin
def receive(request: HttpRequest, event: Event) -> HttpResponse:
    # Answer quickly (CCX waits 10 s at most, then redelivers) and do slow work elsewhere.
    if isinstance(event, MessageDeliveredEvent):
        print(f"{event.data.message_id} was delivered")
    events.put(event)
    return HttpResponse(status=204)


urlpatterns = [path(WEBHOOK_PATH.lstrip("/"), receive)]


def main() -> None:
    if "--selftest" in sys.argv[1:]:
        with serve_wsgi(WSGIHandler()) as base_url:
            selftest(base_url + WEBHOOK_PATH, events)
    else:
        execute_from_command_line([sys.argv[0], "runserver", "127.0.0.1:8000", "--noreload"])


if __name__ == "__main__":
    main()
