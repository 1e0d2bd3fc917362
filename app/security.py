"""The edge of every request: security headers, which hosts and origins are answered, and
body size limits. Accounts and sessions are app/auth/middleware.py."""

from __future__ import annotations

import ipaddress

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from app.auth.csrf import SAFE_METHODS, is_cross_origin, is_same_origin
from app.settings import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"microphone=(self), camera=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

MAX_BODY_BYTES = 1 << 20  # JSON and forms; a posting and a resume of 20,000 characters fit
MAX_UPLOAD_BODY_BYTES = (20 << 20) + (1 << 20)  # a 20 MB recording and its multipart framing
UPLOAD_PATHS = frozenset({"/api/v1/score/recording", "/v1/audio/transcriptions"})


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestGuard:
    """Refuses, before any endpoint runs:

    - in local mode, a Host that is not a loopback name: a page whose DNS name was rebound
      to 127.0.0.1 cannot read a local Viva;
    - a browser's cross-origin request that changes something, and a cross-origin
      WebSocket handshake (in accounts mode the handshake must name its Origin);
    - a body over its limit, or of unknown length, before reading it.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.local = settings.auth == "local"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await WebSocketClose(code=1008, reason=refusal[1])(scope, receive, send)
        else:
            status, detail = refusal
            await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        if self.local and not is_loopback_host(headers.get("host", "")):
            return 421, (
                "This Viva runs in local mode and answers only to localhost; "
                "serve it with VIVA_AUTH=accounts to reach it by another name."
            )
        if scope["type"] == "websocket":
            if is_cross_origin(headers):
                return 403, "cross-origin WebSocket refused"
            if not self.local and not is_same_origin(headers):
                return 403, "the WebSocket handshake must come from this origin"
            return None
        if scope["method"] in SAFE_METHODS:
            return None
        if is_cross_origin(headers):
            return 403, "Cross-origin request refused."
        return _body_refusal(scope["path"], headers)


def _body_refusal(path: str, headers: Headers) -> tuple[int, str] | None:
    limit = MAX_UPLOAD_BODY_BYTES if path in UPLOAD_PATHS else MAX_BODY_BYTES
    length = headers.get("content-length")
    if length is None:
        if "transfer-encoding" in headers:
            return 411, "Send a Content-Length with the request body."
        return None
    if not length.isdigit():
        return 400, "Content-Length must be a number."
    if int(length) > limit:
        return 413, f"Request bodies here are limited to {limit // (1 << 20)} MB."
    return None


def is_loopback_address(host: str) -> bool:
    """A host to bind or serve: "localhost", 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_host(host_header: str) -> bool:
    """A Host header ("127.0.0.1:8000", "[::1]:8000", "localhost") naming this machine."""
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return is_loopback_address(host)
