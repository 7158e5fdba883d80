"""A FastAPI dependency that verifies a CCX webhook request and yields its typed event.

    from typing import Annotated
    from fastapi import Depends, FastAPI
    from ccx.types import Event
    from ccx.webhooks.fastapi import verified_event

    app = FastAPI()
    CCXEvent = Annotated[Event, Depends(verified_event())]  # CCX_WEBHOOK_SECRET, or secret=...

    @app.post("/webhooks/ccx")
    async def receive(event: CCXEvent) -> None: ...

A request that fails verification never reaches the endpoint: it gets a 400 whose JSON body is
FastAPI's usual ``{"detail": {"type", "code", "message"}}``.

Without ``secret=``, ``CCX_WEBHOOK_SECRET`` must be set when ``verified_event()`` runs, as the
app module loads: otherwise it raises ``WebhookSecretMissingError`` there, and the app fails to
start instead of answering every delivery with a 500. It is read again on every request.

Keep the ``Annotated`` alias at module level when the module has ``from __future__ import
annotations``: FastAPI resolves an endpoint's annotations in the module's globals, so an alias
local to a function is not found, and the event becomes a query parameter (every delivery 422).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request

from ._errors import WebhookVerificationError
from ._receiver import REJECTED_STATUS, Receiver, error_detail
from ._signature import DEFAULT_TOLERANCE, NoTolerance, Secret

if TYPE_CHECKING:
    from ccx.types import Event

__all__ = ["verified_event"]


def verified_event(
    secret: Secret | None = None, *, tolerance: float | NoTolerance = DEFAULT_TOLERANCE
) -> Callable[[Request], Awaitable[Event]]:
    """The dependency: reads the raw body and headers, verifies, then parses the event.

    Raises ``WebhookSecretMissingError`` at once when no ``secret`` is given and
    ``CCX_WEBHOOK_SECRET`` is not set. A function rather than a callable class: FastAPI resolves
    a dependency's string annotations through its module globals, which a class instance does
    not have.
    """
    receiver = Receiver(secret, tolerance)

    async def ccx_webhook_event(request: Request) -> Event:
        body = await request.body()
        try:
            return receiver.receive(body, request.headers)
        except WebhookVerificationError as error:
            raise HTTPException(REJECTED_STATUS, detail=error_detail(error)) from error

    return ccx_webhook_event
