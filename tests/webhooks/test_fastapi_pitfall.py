"""The FastAPI pitfall the webhooks guide warns about, checked so the warning stays true.

This module has ``from __future__ import annotations``, as many applications do: FastAPI then
looks an endpoint's annotations up in the module's globals. An ``Annotated`` alias local to an
app factory is not found there, so FastAPI takes the event for a query parameter and answers
every delivery 422 (older FastAPI and pydantic refuse to declare the route at all); the
annotation written out in full works.
"""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI
from pydantic.errors import PydanticUndefinedAnnotation

from ccx.types import Event
from ccx.webhooks import SIGNATURE_HEADER, sign
from ccx.webhooks.fastapi import verified_event

from ._servers import SECRET, event_body, serve_asgi


def factory_with_a_local_alias() -> FastAPI:
    app = FastAPI()
    LocalEvent = Annotated[Event, Depends(verified_event(secret=SECRET))]

    @app.post("/webhooks")
    async def receive(event: LocalEvent) -> str:  # pyright: ignore[reportInvalidTypeForm, reportUnknownParameterType]  # the pitfall under test: a local alias
        return event.event  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]  # typed by the local alias, so unknown

    return app


def factory_with_the_annotation_in_full() -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks")
    async def receive(event: Annotated[Event, Depends(verified_event(secret=SECRET))]) -> str:
        return event.event

    return app


def delivered(app: FastAPI) -> httpx.Response:
    body = event_body("message.read")
    with serve_asgi(app) as base_url:
        return httpx.post(
            f"{base_url}/webhooks",
            content=body,
            headers={SIGNATURE_HEADER: sign(body, SECRET), "Content-Type": "application/json"},
        )


def test_a_local_alias_turns_the_event_into_a_query_parameter() -> None:
    try:
        app = factory_with_a_local_alias()
    except PydanticUndefinedAnnotation as error:  # older FastAPI and pydantic: at declaration
        refusal = str(error)
    else:
        response = delivered(app)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "event"]
        return
    assert "LocalEvent" in refusal


def test_the_annotation_in_full_works_inside_a_factory() -> None:
    response = delivered(factory_with_the_annotation_in_full())

    assert response.status_code == 200, response.text
    assert response.json() == "message.read"
