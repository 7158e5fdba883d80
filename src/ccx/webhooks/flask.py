"""A Flask view decorator that verifies a CCX webhook request and passes its typed event.

    from ccx.webhooks.flask import verify_webhook

    @app.post("/webhooks/ccx")
    @verify_webhook()  # reads CCX_WEBHOOK_SECRET; or verify_webhook(secret="whsec_...")
    def receive(event: Event) -> tuple[str, int]:
        return "", 204

Sync and ``async def`` views (``flask[async]``) both work. A request that fails verification
never reaches the view: it gets a 400 with the JSON body ``{"error": {"type", "code",
"message"}}``. Without ``secret=``, ``CCX_WEBHOOK_SECRET`` must be set when the view is
decorated (as the app is made): otherwise ``WebhookSecretMissingError`` is raised there, so the
app fails to start instead of answering every delivery with a 500. It is read on every request.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import Response, jsonify, request

from ._errors import WebhookVerificationError
from ._receiver import REJECTED_STATUS, Receiver, error_body
from ._signature import DEFAULT_TOLERANCE, NoTolerance, Secret

if TYPE_CHECKING:
    from ccx.types import Event

__all__ = ["verify_webhook"]

View = TypeVar("View", bound=Callable[..., Any])
"""A view, sync or async, whatever its own parameters: decorating keeps its type."""


def verify_webhook(
    *, secret: Secret | None = None, tolerance: float | NoTolerance = DEFAULT_TOLERANCE
) -> Callable[[View], View]:
    """Decorate a view to receive the verified event as its ``event`` keyword argument.

    Raises ``WebhookSecretMissingError`` at once when no secret is given or configured.
    """
    receiver = Receiver(secret, tolerance)

    def verified() -> Event | Response:
        try:
            return receiver.receive(request.get_data(cache=True), request.headers)
        except WebhookVerificationError as error:
            response = jsonify(error_body(error))
            response.status_code = REJECTED_STATUS
            return response

    def decorate(view: View) -> View:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def verified_async_view(*args: Any, **kwargs: Any) -> Any:
                outcome = verified()
                if isinstance(outcome, Response):
                    return outcome
                return await view(*args, event=outcome, **kwargs)

            return cast("View", verified_async_view)

        @functools.wraps(view)
        def verified_view(*args: Any, **kwargs: Any) -> Any:
            outcome = verified()
            if isinstance(outcome, Response):
                return outcome
            return view(*args, event=outcome, **kwargs)

        return cast("View", verified_view)

    return decorate
