"""The inbox's pages, its actions and its live feed, mounted at ``/inbox`` on the mock.

Pages are server-rendered (Jinja2); a little plain JavaScript (``static/inbox.js``) listens to
the feed and swaps in the parts of the page that changed, and sends forms without a reload.
Without JavaScript every form still works (a POST, then a redirect back).

Every request but the login needs the session cookie. Changes are POSTs from this origin only:
the cookie is ``SameSite=Strict`` and a POST whose ``Origin`` is another site is refused, so
another page open in the browser cannot press the inbox's buttons.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jinja2
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from .._auth import check_scope
from .._clock import isoformat
from .._errors import MockAPIError
from .._records import TokenRecord
from .._state import MockState
from .._workspace import Workspace
from . import _views
from ._actions import ACTIONS, FormError
from ._feed import Position, changes
from ._operations import Endpoint, Operations
from ._sessions import COOKIE, LoginRefused, Sessions

__all__ = ["INBOX_PATH", "inbox_routes"]

INBOX_PATH = "/inbox"
_HERE = Path(__file__).parent
_SECTIONS = (
    ("conversations", "Conversations", "messages:read"),
    ("webhooks", "Webhooks", "webhooks:manage"),
    ("broadcasts", "Broadcasts", "broadcasts:read"),
    ("templates", "Templates", "templates:read"),
)
_FORM_LIMIT = 64 * 1024
"""Bytes of form a POST may carry (a reply is at most 4,096 characters)."""

Page = Callable[[Request, Workspace, TokenRecord], Awaitable[Response]]


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["clock"] = isoformat
    return environment


class Inbox:
    def __init__(self, state: MockState, endpoints: Mapping[str, Endpoint]) -> None:
        self.state = state
        self.sessions = Sessions(state)
        self.operations = Operations(endpoints)
        self.templates = _environment()

    # -- rendering ---------------------------------------------------------------------------

    def render(
        self,
        name: str,
        status: int = 200,
        workspace: Workspace | None = None,
        token: TokenRecord | None = None,
        **values: Any,
    ) -> HTMLResponse:
        context: dict[str, Any] = {
            "root": INBOX_PATH,
            "workspace": workspace,
            "sections": [
                (section, title, token is not None and scope in token.scopes)
                for section, title, scope in _SECTIONS
            ],
            "current": values.pop("current", ""),
            "now": None if workspace is None else workspace.clock.now(),
            "position": None if workspace is None else Position.of(workspace),
            "clock": None if workspace is None else workspace.clock,
            "server_faults": self.state.config.faults,
            "error": None,
            "new_key": _new_key,
            **values,
        }
        html = self.templates.get_template(name).render(context)
        headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
        return HTMLResponse(html, status_code=status, headers=headers)

    def page(
        self, section: str, scope: str, view: Page
    ) -> Callable[[Request], Awaitable[Response]]:
        """A page of ``section``: logged in, and shown only with the scope the API would want."""

        async def endpoint(request: Request) -> Response:
            session = self.sessions.resolve(request.cookies.get(COOKIE))
            if session is None:
                return RedirectResponse(f"{INBOX_PATH}/login", status_code=303)
            workspace, token = session
            try:
                check_scope(token, scope)
            except MockAPIError as refusal:
                return self.render(
                    "denied.html",
                    403,
                    workspace,
                    token,
                    current=section,
                    error=refusal.message,
                )
            return await view(request, workspace, token)

        return endpoint

    # -- login -------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        secret = request.query_params.get("token")
        if secret is not None:
            return self._login(secret)
        if self.sessions.resolve(request.cookies.get(COOKIE)) is None:
            return RedirectResponse(f"{INBOX_PATH}/login", status_code=303)
        return RedirectResponse(f"{INBOX_PATH}/conversations", status_code=303)

    async def login_form(self, request: Request) -> Response:
        del request
        return self.render("login.html")

    async def login(self, request: Request) -> Response:
        if not _same_origin(request):
            return self.render("login.html", 403, error=_CROSS_SITE)
        form = await _read_form(request)
        return self._login("" if form is None else form.get("token", ""))

    def _login(self, secret: str) -> Response:
        try:
            session = self.sessions.login(secret)
        except LoginRefused as refusal:
            return self.render("login.html", 401, error=str(refusal))
        # Redirect, so the token leaves the address bar and the history.
        response = RedirectResponse(f"{INBOX_PATH}/conversations", status_code=303)
        response.set_cookie(COOKIE, session, httponly=True, samesite="strict", path=INBOX_PATH)
        return response

    async def logout(self, request: Request) -> Response:
        if _same_origin(request):
            self.sessions.logout(request.cookies.get(COOKIE, ""))
        response = RedirectResponse(f"{INBOX_PATH}/login", status_code=303)
        response.delete_cookie(COOKIE, path=INBOX_PATH)
        return response

    # -- pages -------------------------------------------------------------------------------

    async def conversations(
        self, request: Request, workspace: Workspace, token: TokenRecord
    ) -> Response:
        conversation_id = request.path_params.get("id")
        selected = None
        if conversation_id is not None:
            selected = workspace.conversations.get(conversation_id)
            if selected is None:
                return self.render(
                    "denied.html",
                    404,
                    workspace,
                    token,
                    current="conversations",
                    error=f"No conversation {conversation_id[:60]} in this workspace.",
                )
        return self.render(
            "conversations.html",
            200,
            workspace,
            token,
            current="conversations",
            conversations=_views.conversations(workspace),
            selected=selected,
            bubbles=[] if selected is None else _views.bubbles(workspace, selected),
            reply_kinds=_views.REPLY_KINDS,
            tap_kinds=_views.INBOUND_KINDS,
        )

    async def webhooks(
        self, request: Request, workspace: Workspace, token: TokenRecord
    ) -> Response:
        endpoints = list(reversed(workspace.endpoints.values()))
        return self.render(
            "webhooks.html",
            200,
            workspace,
            token,
            current="webhooks",
            endpoints=[
                (endpoint, _views.deliveries(workspace, endpoint)) for endpoint in endpoints
            ],
        )

    async def broadcasts(
        self, request: Request, workspace: Workspace, token: TokenRecord
    ) -> Response:
        return self.render(
            "broadcasts.html",
            200,
            workspace,
            token,
            current="broadcasts",
            broadcasts=list(reversed(workspace.broadcasts.values())),
            percent=_views.progress_percent,
        )

    async def templates_page(
        self, request: Request, workspace: Workspace, token: TokenRecord
    ) -> Response:
        return self.render(
            "templates.html",
            200,
            workspace,
            token,
            current="templates",
            templates=list(reversed(workspace.templates.values())),
        )

    # -- actions and the feed ----------------------------------------------------------------

    async def act(self, request: Request) -> Response:
        """Run one action as one API operation; JSON for the page's script, else a redirect."""
        wants_json = "application/json" in request.headers.get("accept", "")
        session = self.sessions.resolve(request.cookies.get(COOKIE))
        if session is None:
            return _outcome(wants_json, 401, "Log in to the inbox first.", f"{INBOX_PATH}/login")
        if not _same_origin(request):
            return _outcome(wants_json, 403, _CROSS_SITE, INBOX_PATH)
        workspace, token = session
        fields = await _read_form(request)
        if fields is None:
            return _outcome(wants_json, 400, _BAD_FORM, INBOX_PATH)
        back = fields.get("next", "")
        if not back.startswith(f"{INBOX_PATH}/") or "//" in back:
            back = f"{INBOX_PATH}/conversations"
        action = ACTIONS.get(request.path_params["action"])
        if action is None:
            return _outcome(wants_json, 404, "No such inbox action.", back)
        try:
            call = action(fields, workspace)
        except FormError as problem:
            return _outcome(wants_json, 400, str(problem), back)
        result = await self.operations.call(
            token,
            call.operation_id,
            path=call.path,
            body=call.body,
            idempotency_key=fields.get("idempotency_key") or None,
        )
        if not result.ok:
            message = result.error_message
        elif result.replayed:
            message = "Already done: this form was sent before, and sent once."
        else:
            message = "Done."
        return _outcome(wants_json, result.status, message, back, request_id=result.request_id)

    async def stream(self, request: Request) -> Response:
        session = self.sessions.resolve(request.cookies.get(COOKIE))
        if session is None:
            return Response("Log in to the inbox first.", status_code=401)
        workspace = session[0]
        since = Position.parse(request.query_params, workspace)
        return StreamingResponse(
            changes(workspace, since),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


def _new_key() -> str:
    """A fresh idempotency key for a form: sent twice, it acts once."""
    return secrets.token_hex(16)


_BAD_FORM = (
    f"The inbox takes URL-encoded forms (application/x-www-form-urlencoded) of at most "
    f"{_FORM_LIMIT // 1024} KiB."
)


async def _read_form(request: Request) -> dict[str, str] | None:
    """An HTML form's fields (the last value of a repeated one), or None if it is no form."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return None
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > _FORM_LIMIT:
            return None
        chunks.append(chunk)
    try:
        pairs = parse_qsl(
            b"".join(chunks).decode(),
            keep_blank_values=True,
            max_num_fields=100,
            strict_parsing=False,
        )
    except (UnicodeDecodeError, ValueError):
        return None
    return dict(pairs)


_CROSS_SITE = "Refused: this request came from another site, not from the inbox's own page."


def _same_origin(request: Request) -> bool:
    """A POST from the inbox's own page (browsers send ``Origin`` on every POST)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host")


def _outcome(
    wants_json: bool, status: int, message: str, back: str, *, request_id: str | None = None
) -> Response:
    if wants_json:
        return JSONResponse(
            {
                "ok": 200 <= status < 300,
                "status": status,
                "message": message,
                "request_id": request_id,
                "next_key": _new_key(),
            },
            status_code=200 if status < 500 else 502,
        )
    if 200 <= status < 300:
        return RedirectResponse(back, status_code=303)
    return HTMLResponse(
        f"<!doctype html><title>Not done</title><p role=alert>{escape(message)}</p>"
        f'<p><a href="{escape(back)}">Back to the inbox</a></p>',
        status_code=status if 400 <= status < 600 else 400,
    )


def inbox_routes(state: MockState, endpoints: Mapping[str, Endpoint]) -> list[BaseRoute]:
    """The inbox's routes, to mount next to the API's."""
    inbox = Inbox(state, endpoints)
    pages: list[BaseRoute] = [
        Route("/", inbox.home, methods=["GET"]),
        Route("/login", inbox.login_form, methods=["GET"]),
        Route("/login", inbox.login, methods=["POST"]),
        Route("/logout", inbox.logout, methods=["POST"]),
        Route("/stream", inbox.stream, methods=["GET"]),
        Route("/actions/{action}", inbox.act, methods=["POST"]),
        Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    views: dict[str, Page] = {
        "conversations": inbox.conversations,
        "webhooks": inbox.webhooks,
        "broadcasts": inbox.broadcasts,
        "templates": inbox.templates_page,
    }
    for section, _, scope in _SECTIONS:
        pages.append(Route(f"/{section}", inbox.page(section, scope, views[section])))
    pages.append(
        Route(
            "/conversations/{id}",
            inbox.page("conversations", "messages:read", inbox.conversations),
        )
    )
    return [
        Route(INBOX_PATH, inbox.home, methods=["GET"]),
        Mount(INBOX_PATH, routes=pages),
    ]
