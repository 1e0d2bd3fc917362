"""Registering, signing in and out: HTML forms for the pages, JSON for other clients.

Only in accounts mode (VIVA_AUTH=accounts); in local mode the pages lead home and the API
answers 404. Both kinds of sign-in share the same checks, throttles and cookies.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import limits
from app.auth.accounts import (
    AccountRepository,
    UsernameTaken,
    normalize_username,
    username_problem,
)
from app.auth.cookies import (
    SESSION_COOKIE,
    clear_session_cookies,
    is_https,
    set_csrf_cookie,
    set_session_cookies,
)
from app.auth.csrf import new_csrf_token
from app.auth.middleware import SIGNED_IN
from app.auth.passwords import (
    MAX_PASSWORD_CHARS,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from app.deps import SessionDep, SettingsDep
from app.live.session import sign_out_connections
from app.routers.forms import (
    CSRF_REFUSED,
    PASSWORDS_DIFFER,
    CsrfTokenField,
    NextField,
    PasswordField,
    UsernameField,
    form_csrf_ok,
    form_page,
    require_form_csrf,
    safe_next,
)
from app.settings import Settings

router = APIRouter(tags=["accounts"])

ACCOUNTS_OFF = "Accounts are off: this Viva runs in local mode (VIVA_AUTH=local)."
WRONG_CREDENTIALS = "Wrong name or password."


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class AccountOut(BaseModel):
    id: str
    username: str


class SignedInOut(BaseModel):
    user: AccountOut
    csrf_token: str  # send it as X-CSRF-Token with every request that changes something


class NewSession(BaseModel):
    user: AccountOut
    token: str
    csrf_token: str


# -- JSON ------------------------------------------------------------------------------------


@router.post(
    "/api/v1/auth/register", status_code=status.HTTP_201_CREATED, response_model=SignedInOut
)
async def register_json(
    body: Credentials, request: Request, response: Response, db: SessionDep, settings: SettingsDep
) -> SignedInOut:
    signed = await register(request, db, settings, body.username, body.password)
    return _signed_in_response(request, response, settings, signed)


@router.post("/api/v1/auth/login", response_model=SignedInOut)
async def login_json(
    body: Credentials, request: Request, response: Response, db: SessionDep, settings: SettingsDep
) -> SignedInOut:
    signed = await sign_in(request, db, settings, body.username, body.password)
    return _signed_in_response(request, response, settings, signed)


@router.post("/api/v1/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout_json(request: Request, db: SessionDep, settings: SettingsDep) -> Response:
    _require_accounts(settings)
    return await _sign_out(request, db, Response(status_code=status.HTTP_204_NO_CONTENT))


# -- pages and forms -------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_page(request: Request, settings: SettingsDep, next: str = "/") -> Response:
    if settings.auth != "accounts" or _signed_in(request):
        return RedirectResponse(safe_next(next), status.HTTP_303_SEE_OTHER)
    return form_page(request, "login.html", {"next": safe_next(next)})


@router.post("/login", include_in_schema=False)
async def login_form(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    username: UsernameField = "",
    password: PasswordField = "",
    csrf_token: CsrfTokenField = "",
    next: NextField = "/",
) -> Response:
    context = {"next": safe_next(next), "username": username}
    if not form_csrf_ok(request, csrf_token):
        return form_page(request, "login.html", context, CSRF_REFUSED)
    try:
        signed = await sign_in(request, db, settings, username, password)
    except HTTPException as error:
        return form_page(request, "login.html", context, error)
    return _signed_in_redirect(request, settings, signed, safe_next(next))


@router.get("/register", response_class=HTMLResponse, include_in_schema=False)
async def register_page(request: Request, settings: SettingsDep, next: str = "/") -> Response:
    if settings.auth != "accounts" or _signed_in(request):
        return RedirectResponse(safe_next(next), status.HTTP_303_SEE_OTHER)
    return form_page(request, "register.html", {"next": safe_next(next)})


@router.post("/register", include_in_schema=False)
async def register_form(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    username: UsernameField = "",
    password: PasswordField = "",
    password_again: PasswordField = "",
    csrf_token: CsrfTokenField = "",
    next: NextField = "/",
) -> Response:
    context = {"next": safe_next(next), "username": username}
    if not form_csrf_ok(request, csrf_token):
        return form_page(request, "register.html", context, CSRF_REFUSED)
    if password != password_again:
        return form_page(request, "register.html", context, PASSWORDS_DIFFER)
    try:
        signed = await register(request, db, settings, username, password)
    except HTTPException as error:
        return form_page(request, "register.html", context, error)
    return _signed_in_redirect(request, settings, signed, safe_next(next))


@router.post("/logout", include_in_schema=False)
async def logout_form(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    csrf_token: CsrfTokenField = "",
) -> Response:
    _require_accounts(settings)
    require_form_csrf(request, csrf_token)
    return await _sign_out(request, db, RedirectResponse("/login", status.HTTP_303_SEE_OTHER))


# -- the flows -------------------------------------------------------------------------------


async def register(
    request: Request, db: AsyncSession, settings: Settings, raw_username: str, password: str
) -> NewSession:
    _require_accounts(settings)
    if settings.rate_limits_on:
        address = limits.client_address(request)
        await limits.enforce(
            request, [(f"register:address:{address}", settings.rate_register_address)]
        )
    username = normalize_username(raw_username)
    problem = username_problem(username) or password_problem(password)
    if problem:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem)
    password_hash = await asyncio.to_thread(hash_password, password)
    accounts = AccountRepository(db)
    try:
        user = await accounts.create_user(username, password_hash)
    except UsernameTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "That name is taken; pick another.") from None
    return await _new_session(db, settings, user.id, user.username)


async def sign_in(
    request: Request, db: AsyncSession, settings: Settings, raw_username: str, password: str
) -> NewSession:
    """Every attempt takes from the account name's bucket and the address's, before any
    hashing: guessing is slow for one account, and for many accounts from one address."""
    _require_accounts(settings)
    username = normalize_username(raw_username)[:64]
    if settings.rate_limits_on:
        address = limits.client_address(request)
        await limits.enforce(
            request,
            [
                (f"login:account:{username}", settings.rate_login),
                (f"login:address:{address}", settings.rate_login_address),
            ],
        )
    accounts = AccountRepository(db)
    user = await accounts.by_username(username)
    stored = user.password_hash if user else None
    if not await asyncio.to_thread(verify_password, stored, password) or user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, WRONG_CREDENTIALS)
    if needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(hash_password, password)
    old_token = request.cookies.get(SESSION_COOKIE)
    if old_token:
        await accounts.end_session(old_token)
    return await _new_session(db, settings, user.id, user.username)


async def _new_session(
    db: AsyncSession, settings: Settings, user_id: str, username: str
) -> NewSession:
    token, row = await AccountRepository(db).start_session(user_id, days=settings.session_days)
    # Committed before answering: the next request may carry the cookie at once.
    await db.commit()
    return NewSession(
        user=AccountOut(id=user_id, username=username), token=token, csrf_token=row.csrf_token
    )


async def _sign_out(request: Request, db: AsyncSession, response: Response) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await AccountRepository(db).end_session(token)
        await db.commit()
        sign_out_connections(request.app, token)
    clear_session_cookies(response, secure=is_https(request))
    set_csrf_cookie(response, new_csrf_token(), secure=is_https(request))
    return response


def _set_sign_in_cookies(
    request: Request, response: Response, settings: Settings, signed: NewSession
) -> None:
    set_session_cookies(
        response,
        signed.token,
        signed.csrf_token,
        days=settings.session_days,
        secure=is_https(request),
    )


def _signed_in_response(
    request: Request, response: Response, settings: Settings, signed: NewSession
) -> SignedInOut:
    _set_sign_in_cookies(request, response, settings, signed)
    return SignedInOut(user=signed.user, csrf_token=signed.csrf_token)


def _signed_in_redirect(
    request: Request, settings: Settings, signed: NewSession, target: str
) -> Response:
    response = RedirectResponse(target, status.HTTP_303_SEE_OTHER)
    _set_sign_in_cookies(request, response, settings, signed)
    return response


# -- helpers ---------------------------------------------------------------------------------


def _require_accounts(settings: Settings) -> None:
    if settings.auth != "accounts":
        raise HTTPException(status.HTTP_404_NOT_FOUND, ACCOUNTS_OFF)


def _signed_in(request: Request) -> bool:
    return request.scope.get("state", {}).get(SIGNED_IN) is not None
