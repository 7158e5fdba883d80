"""A Flask view decorator that verifies a CCX webhook request and passes its typed event.

    from ccx.webhooks.flask import verify_webhook

    @app.post("/webhooks/ccx")
    @verify_webhook()  # reads CCX_WEBHOOK_SECRET; or verify_webhook(secret="whsec_...")
    def receive(event: Event) -> tuple[str, int]:
        return "", 204

A request that fails verification never reaches the view: it gets a 400 with the JSON body
``{"error": {"type", "code", "message"}}``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from ._errors import WebhookVerificationError
from ._receiver import REJECTED_STATUS, Receiver, error_body
from ._signature import DEFAULT_TOLERANCE, NoTolerance, Secret

__all__ = ["verify_webhook"]

View = Callable[..., ResponseReturnValue]


def verify_webhook(
    *, secret: Secret | None = None, tolerance: float | NoTolerance = DEFAULT_TOLERANCE
) -> Callable[[View], View]:
    """Decorate a view to receive the verified event as its ``event`` keyword argument."""
    receiver = Receiver(secret, tolerance)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def verified_view(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            try:
                event = receiver.receive(request.get_data(cache=True), request.headers)
            except WebhookVerificationError as error:
                return jsonify(error_body(error)), REJECTED_STATUS
            return view(*args, event=event, **kwargs)

        return verified_view

    return decorate
