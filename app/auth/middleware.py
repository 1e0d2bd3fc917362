"""Who is asking: the session cookie resolved once per request, before any endpoint.

In accounts mode everything but the sign-in pages, health checks, the OpenAPI document and
static files needs a session (the transcription endpoint under /v1/ takes a bearer key
instead): the API answers 401, pages redirect to /login. What the session may do is then
the endpoints' business (`CurrentUser`, ownership in repositories).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth.accounts import AccountRepository, SignedIn
from app.auth.cookies import SESSION_COOKIE, csrf_cookie_header, is_https
from app.auth.csrf import CSRF_COOKIE, SAFE_METHODS, api_write_allowed
from app.auth.limiter import Limiter, make_limiter
from app.settings import Settings

log = logging.getLogger("viva.auth")

SIGNED_IN = "viva_signed_in"  # request state: SignedIn | None
LIMITER = "viva_limiter"  # request state: the Limiter of this app
PUBLIC_API = frozenset({"/api/v1/auth/login", "/api/v1/auth/register"})
PUBLIC_PAGES = frozenset(
    {"/login", "/register", "/healthz", "/readyz", "/openapi.json", "/docs", "/redoc"}
)
# /v1/ is the OpenAI-compatible API other nodes call with a bearer key, never a session
# (app/routers/transcriptions.py checks the key; without one it answers only in local mode).
NO_SESSION_PREFIXES = ("/static/", "/v1/")


class Authentication:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.accounts = settings.auth == "accounts"
        self.limiter: Limiter = make_limiter(settings.redis_url, settings.redis_prefix)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._closing_limiter(send))
            return
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[LIMITER] = self.limiter
        state[SIGNED_IN] = None
        path: str = scope["path"]
        if not self.accounts or path.startswith(NO_SESSION_PREFIXES):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        signed_in = await self._signed_in(scope, connection.cookies.get(SESSION_COOKIE))
        state[SIGNED_IN] = signed_in
        if scope["type"] == "websocket":  # the endpoint answers with a close code
            await self.app(scope, receive, send)
            return
        refusal = _refusal(scope, connection, signed_in)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if signed_in is not None and connection.cookies.get(CSRF_COOKIE) != signed_in.csrf_token:
            send = _with_csrf_cookie(send, signed_in.csrf_token, secure=is_https(connection))
        await self.app(scope, receive, send)

    async def _signed_in(self, scope: Scope, token: str | None) -> SignedIn | None:
        if not token or len(token) > 128:
            return None
        async with scope["app"].state.sessionmaker() as db:
            return await AccountRepository(db).signed_in(token)

    def _closing_limiter(self, send: Send) -> Send:
        async def closing(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                try:
                    await self.limiter.aclose()
                except Exception:
                    log.warning("closing the rate limiter failed", exc_info=True)
            await send(message)

        return closing


def _refusal(
    scope: Scope, connection: HTTPConnection, signed_in: SignedIn | None
) -> JSONResponse | RedirectResponse | None:
    path: str = scope["path"]
    api = path.startswith("/api/")
    if signed_in is None:
        if api:
            if path in PUBLIC_API:
                return None
            return JSONResponse({"detail": "Sign in first."}, status_code=401)
        if path in PUBLIC_PAGES:
            return None
        target = path + (
            f"?{scope['query_string'].decode('latin-1')}" if scope["query_string"] else ""
        )
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    writes = api and scope["method"] not in SAFE_METHODS
    if writes and not api_write_allowed(connection.headers, signed_in.csrf_token):
        return JSONResponse(
            {
                "detail": "CSRF check failed: send the X-CSRF-Token header "
                "(the value of the viva_csrf cookie)."
            },
            status_code=403,
        )
    return None


def _with_csrf_cookie(send: Send, csrf_token: str, *, secure: bool) -> Send:
    """Gives the pages the session's CSRF token again when their cookie lost it (unless the
    response sets one itself: a new session)."""
    header = csrf_cookie_header(csrf_token, secure=secure)
    own = f"{CSRF_COOKIE}=".encode()

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(k == b"set-cookie" and v.startswith(own) for k, v in headers):
                message["headers"] = [*headers, header]
        await send(message)

    return sending
