"""What the HTML forms share: their CSRF token, their fields' limits, and the page they
come back on when refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Form, HTTPException, Request, Response, status

from app.auth.cookies import is_https, set_csrf_cookie
from app.auth.csrf import CSRF_COOKIE, CSRF_FIELD, new_csrf_token, tokens_match
from app.auth.middleware import SIGNED_IN
from app.auth.passwords import MAX_PASSWORD_CHARS
from app.routers.pages import TEMPLATES

CSRF_REFUSED = HTTPException(
    status.HTTP_403_FORBIDDEN,
    "This form expired or came from another site. Reload the page and try again.",
)
PASSWORDS_DIFFER = HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "The two passwords differ.")

# Form fields, each capped so an oversized post is refused before any work.
CsrfTokenField = Annotated[str, Form(max_length=128)]
UsernameField = Annotated[str, Form(max_length=256)]
PasswordField = Annotated[str, Form(max_length=MAX_PASSWORD_CHARS)]
NextField = Annotated[str, Form(max_length=2048)]


def form_csrf_token(request: Request) -> str:
    """The token a form of this page must send back: the session's, or before signing in
    (and in local mode) the one in the viva_csrf cookie."""
    signed_in = request.scope.get("state", {}).get(SIGNED_IN)
    if signed_in is not None:
        return str(signed_in.csrf_token)
    return request.cookies.get(CSRF_COOKIE) or new_csrf_token()


def form_csrf_ok(request: Request, sent: str) -> bool:
    signed_in = request.scope.get("state", {}).get(SIGNED_IN)
    expected = signed_in.csrf_token if signed_in is not None else request.cookies.get(CSRF_COOKIE)
    return tokens_match(sent, expected)


def form_page(
    request: Request,
    template: str,
    context: Mapping[str, object],
    error: HTTPException | None = None,
) -> Response:
    """A page with a form, its CSRF token, and what went wrong with the last try."""
    token = form_csrf_token(request)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            **context,
            "csrf_token": token,
            "csrf_field": CSRF_FIELD,
            "error": str(error.detail) if error else None,
        },
        status_code=error.status_code if error else status.HTTP_200_OK,
        headers=dict(error.headers or {}) if error else None,
    )
    if request.cookies.get(CSRF_COOKIE) != token:
        set_csrf_cookie(response, token, secure=is_https(request))
    return response


def safe_next(target: str) -> str:
    """Only a path of this site: never another host (`//evil`, `/\\evil`, `https:`)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return "/"
    return target


def require_form_csrf(request: Request, sent: str) -> None:
    """For forms whose refusal needs no page of its own: a 403 unless the token matches."""
    if not form_csrf_ok(request, sent):
        raise CSRF_REFUSED
