"""The two cookies: the session (HttpOnly, SameSite=Lax) and the CSRF token the pages read
(SameSite=Strict). Secure whenever the request came over HTTPS."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

from app.auth.csrf import CSRF_COOKIE

SESSION_COOKIE = "viva_session"


def is_https(connection: HTTPConnection) -> bool:
    return connection.url.scheme in ("https", "wss")


def set_session_cookies(
    response: Response, token: str, csrf_token: str, *, days: int, secure: bool
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=days * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    set_csrf_cookie(response, csrf_token, secure=secure)


def set_csrf_cookie(response: Response, csrf_token: str, *, secure: bool) -> None:
    # Readable by the pages' scripts (that is its point), sent only to this site.
    response.set_cookie(
        CSRF_COOKIE, csrf_token, path="/", httponly=False, samesite="strict", secure=secure
    )


def clear_session_cookies(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)


def csrf_cookie_header(csrf_token: str, *, secure: bool) -> tuple[bytes, bytes]:
    response = Response()
    set_csrf_cookie(response, csrf_token, secure=secure)
    return response.raw_headers[-1]
