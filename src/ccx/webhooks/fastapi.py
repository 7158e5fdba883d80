"""A FastAPI dependency that verifies a CCX webhook request and yields its typed event.

    from typing import Annotated
    from fastapi import Depends, FastAPI
    from ccx.types.events import Event
    from ccx.webhooks.fastapi import CCXWebhook

    app = FastAPI()
    ccx_webhook = CCXWebhook()  # reads CCX_WEBHOOK_SECRET; or CCXWebhook(secret="whsec_...")

    @app.post("/webhooks/ccx")
    async def receive(event: Annotated[Event, Depends(ccx_webhook)]) -> None: ...

A request that fails verification never reaches the endpoint: it gets a 400 whose JSON body is
FastAPI's usual ``{"detail": {"type", "code", "message"}}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import HTTPException, Request
from typing_extensions import override

from ._errors import WebhookVerificationError
from ._receiver import REJECTED_STATUS, Receiver, error_detail
from ._signature import DEFAULT_TOLERANCE, NoTolerance, Secret

if TYPE_CHECKING:
    from ccx.types.events import Event, UnknownEvent

__all__ = ["CCXWebhook"]


class CCXWebhook:
    """The dependency: reads the raw body and headers, verifies, then parses the event."""

    def __init__(
        self, secret: Secret | None = None, *, tolerance: float | NoTolerance = DEFAULT_TOLERANCE
    ) -> None:
        self._receiver = Receiver(secret, tolerance)

    async def __call__(self, request: Request) -> Event | UnknownEvent:
        body = await request.body()
        try:
            return self._receiver.receive(body, request.headers)
        except WebhookVerificationError as error:
            raise HTTPException(REJECTED_STATUS, detail=error_detail(error)) from error

    @override
    def __repr__(self) -> str:
        return f"CCXWebhook({self._receiver!r})"
