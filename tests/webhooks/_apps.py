"""The same webhook receiver written with each framework helper, as a user would write it.

Every view answers with what it received, so a test can tell the typed event reached it:
``/webhooks`` has the secret passed in, ``/configured`` reads it from the configuration, and
``/async`` is an ``async def`` view with the secret passed in. ``CCX_WEBHOOK_SECRET`` must be
set when an app is made (for Django, when its URLs load), as the helpers check it at startup.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends

from ccx.types import Event
from ccx.webhooks.fastapi import verified_event

from ._servers import SECRET

GivenSecretEvent = Annotated[Event, Depends(verified_event(secret=SECRET))]


def describe(event: Any) -> dict[str, Any]:
    return {"model": type(event).__name__, "id": event.id, "event": event.event}


def fastapi_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/webhooks")
    async def receive(event: GivenSecretEvent) -> dict[str, Any]:
        return describe(event)

    # In full, as the webhooks guide says inside a factory: the secret is read as the app is made.
    @app.post("/configured")
    async def receive_configured(
        event: Annotated[Event, Depends(verified_event())],
    ) -> dict[str, Any]:
        return describe(event)

    @app.post("/async")
    async def receive_async(event: GivenSecretEvent) -> dict[str, Any]:
        return describe(event)

    return app


def flask_app() -> Any:
    from flask import Flask

    from ccx.webhooks.flask import verify_webhook

    app = Flask(__name__)

    @app.post("/webhooks")
    @verify_webhook(secret=SECRET)
    def receive(event: Event) -> dict[str, Any]:
        return describe(event)

    @app.post("/configured")
    @verify_webhook()
    def receive_configured(event: Event) -> dict[str, Any]:
        return describe(event)

    @app.post("/async")
    @verify_webhook(secret=SECRET)
    async def receive_async(event: Event) -> dict[str, Any]:
        return describe(event)

    return app


def django_app(*, asgi: bool = False) -> Callable[..., Any]:
    """A Django project in one function: settings, URLs and the WSGI (or ASGI) app."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="django-test-only",
            ALLOWED_HOSTS=["127.0.0.1"],
            ROOT_URLCONF=__name__,
            # CSRF protection on, as in any real project: the helper must be exempt from it.
            MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
            INSTALLED_APPS=[],
            LOGGING_CONFIG=None,
        )
        django.setup()
    from django.core.asgi import get_asgi_application
    from django.core.wsgi import get_wsgi_application

    return get_asgi_application() if asgi else get_wsgi_application()


def _django_urls() -> list[Any]:
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    from ccx.webhooks.django import verify_webhook

    @verify_webhook(secret=SECRET)
    def receive(request: HttpRequest, event: Event) -> JsonResponse:
        return JsonResponse(describe(event))

    @verify_webhook()
    def receive_configured(request: HttpRequest, event: Event) -> JsonResponse:
        return JsonResponse(describe(event))

    @verify_webhook(secret=SECRET)
    async def receive_async(request: HttpRequest, event: Event) -> JsonResponse:
        return JsonResponse(describe(event))

    return [
        path("webhooks", receive),
        path("configured", receive_configured),
        path("async", receive_async),
    ]


def __getattr__(name: str) -> Any:
    # Django imports ROOT_URLCONF (this module) only once settings exist.
    if name == "urlpatterns":
        return _django_urls()
    raise AttributeError(name)
