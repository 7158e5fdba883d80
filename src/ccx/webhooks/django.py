"""A Django view decorator that verifies a CCX webhook request and passes its typed event.

    from ccx.webhooks.django import verify_webhook

    @verify_webhook()  # settings.CCX_WEBHOOK_SECRET, then the CCX_WEBHOOK_SECRET variable
    def receive(request: HttpRequest, event: Event) -> HttpResponse:
        return HttpResponse(status=204)

Sync and ``async def`` views both work. The view is CSRF-exempt (CCX cannot send a CSRF token;
the signature is the proof of origin). A request that fails verification never reaches the
view: it gets a 400 with the JSON body ``{"error": {"type", "code", "message"}}``.

Without ``secret=``, a secret must be configured when the view is decorated, as its module is
imported with the URLconf: otherwise ``WebhookSecretMissingError`` is raised there. Django loads
the URLconf in ``manage.py check`` and ``runserver``, so those fail at once; under a WSGI or
ASGI server it loads on the first request, so run ``manage.py check`` when you deploy. The
secret is read on every request, so ``override_settings`` in tests works.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse

from ccx._constants import WEBHOOK_SECRET_ENV

from ._errors import WebhookVerificationError
from ._receiver import REJECTED_STATUS, Receiver, environment_secret, error_body
from ._signature import DEFAULT_TOLERANCE, NoTolerance, Secret

if TYPE_CHECKING:
    from ccx.types import Event

__all__ = ["verify_webhook"]

View = TypeVar("View", bound=Callable[..., Any])
"""A view, sync or async, whatever its own parameters: decorating keeps its type."""


def _configured_secret() -> str | None:
    secret: str | None = getattr(settings, "CCX_WEBHOOK_SECRET", None)
    return secret or environment_secret()


def _csrf_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    # What django.views.decorators.csrf.csrf_exempt sets. Set directly: Django 4.2's
    # csrf_exempt wraps the view in a sync function, which would break async views.
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def verify_webhook(
    *, secret: Secret | None = None, tolerance: float | NoTolerance = DEFAULT_TOLERANCE
) -> Callable[[View], View]:
    """Decorate a view to receive the verified event as its ``event`` keyword argument.

    Raises ``WebhookSecretMissingError`` at once when no secret is given or configured.
    """
    receiver = Receiver(
        secret,
        tolerance,
        fallback=_configured_secret,
        sources=f"settings.CCX_WEBHOOK_SECRET or the {WEBHOOK_SECRET_ENV} environment variable",
    )

    def verified(request: HttpRequest) -> Event | HttpResponseBase:
        try:
            return receiver.receive(request.body, request.headers)
        except WebhookVerificationError as error:
            return JsonResponse(error_body(error), status=REJECTED_STATUS)

    def decorate(view: View) -> View:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def verified_async_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                outcome = verified(request)
                if isinstance(outcome, HttpResponseBase):
                    return outcome
                return await view(request, *args, event=outcome, **kwargs)

            return cast("View", _csrf_exempt(verified_async_view))

        @functools.wraps(view)
        def verified_view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            outcome = verified(request)
            if isinstance(outcome, HttpResponseBase):
                return outcome
            return view(request, *args, event=outcome, **kwargs)

        return cast("View", _csrf_exempt(verified_view))

    return decorate
