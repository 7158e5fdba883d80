"""A Django view decorator that verifies a CCX webhook request and passes its typed event.

    from ccx.webhooks.django import verify_webhook

    @verify_webhook()  # settings.CCX_WEBHOOK_SECRET, then the CCX_WEBHOOK_SECRET variable
    def receive(request: HttpRequest, event: Event) -> HttpResponse:
        return HttpResponse(status=204)

The view is CSRF-exempt (CCX cannot send a CSRF token; the signature is the proof of origin).
A request that fails verification never reaches the view: it gets a 400 with the JSON body
``{"error": {"type", "code", "message"}}``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ._errors import WebhookVerificationError
from ._receiver import REJECTED_STATUS, Receiver, environment_secret, error_body
from ._signature import DEFAULT_TOLERANCE, NoTolerance, Secret

__all__ = ["verify_webhook"]

View = Callable[..., HttpResponseBase]


def _configured_secret() -> str | None:
    secret: str | None = getattr(settings, "CCX_WEBHOOK_SECRET", None)
    return secret or environment_secret()


def verify_webhook(
    *, secret: Secret | None = None, tolerance: float | NoTolerance = DEFAULT_TOLERANCE
) -> Callable[[View], View]:
    """Decorate a view to receive the verified event as its ``event`` keyword argument."""
    receiver = Receiver(secret, tolerance, fallback=_configured_secret)

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def verified_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                event = receiver.receive(request.body, request.headers)
            except WebhookVerificationError as error:
                return JsonResponse(error_body(error), status=REJECTED_STATUS)
            return view(request, *args, event=event, **kwargs)

        return verified_view

    return decorate
