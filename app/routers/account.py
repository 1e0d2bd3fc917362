"""What Viva keeps of you, and deleting it: every recording, or the whole account.

In local mode the "account" is the one local user: the same page deletes all recordings,
or everything stored, without a password.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import limits
from app.auth.accounts import AccountRepository
from app.auth.cookies import SESSION_COOKIE, clear_session_cookies, is_https
from app.auth.passwords import (
    MAX_PASSWORD_CHARS,
    hash_password,
    password_problem,
    verify_password,
)
from app.deps import CurrentUser, SessionDep, SettingsDep, User
from app.live.session import SIGNED_OUT, close_connections_of
from app.routers.auth import ACCOUNTS_OFF
from app.routers.forms import (
    PASSWORDS_DIFFER,
    CsrfTokenField,
    PasswordField,
    form_page,
    require_form_csrf,
)
from app.settings import Settings

router = APIRouter(tags=["accounts"])

NOT_CONFIRMED = HTTPException(
    status.HTTP_422_UNPROCESSABLE_CONTENT,
    'Deleting everything stored here needs {"confirm": true} (the box ticked on the page).',
)
WRONG_PASSWORD = HTTPException(
    status.HTTP_403_FORBIDDEN, "Wrong password: type your password to delete your account."
)
WRONG_CURRENT_PASSWORD = HTTPException(
    status.HTTP_403_FORBIDDEN, "Wrong current password: your password is unchanged."
)


class AccountSummary(BaseModel):
    mode: Literal["local", "accounts"]
    username: str | None
    created_at: datetime | None
    store_audio: bool
    audio_retention_days: int | None
    interviews: int
    recordings: int
    recording_seconds: float
    recording_bytes: int


class RecordingsDeleted(BaseModel):
    deleted: int


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class AccountDelete(BaseModel):
    password: str | None = Field(None, max_length=MAX_PASSWORD_CHARS)  # accounts mode
    confirm: bool = False  # local mode, which has no password to ask for


# -- JSON ------------------------------------------------------------------------------------


@router.get("/api/v1/account", response_model=AccountSummary)
async def account(db: SessionDep, user: CurrentUser, settings: SettingsDep) -> AccountSummary:
    return await _summary(db, user, settings)


@router.delete("/api/v1/account/recordings", response_model=RecordingsDeleted)
async def delete_recordings(db: SessionDep, user: CurrentUser) -> RecordingsDeleted:
    deleted = await AccountRepository(db).delete_recordings(user.id)
    await db.commit()
    return RecordingsDeleted(deleted=deleted)


@router.post("/api/v1/account/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChange, request: Request, db: SessionDep, user: CurrentUser, settings: SettingsDep
) -> Response:
    """Accounts mode: a new password, given the current one. Every other sign-in of the
    account ends (their open interviews close); this one stays."""
    await _change_password(request, db, user, settings, body.current_password, body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/api/v1/account", status_code=status.HTTP_204_NO_CONTENT)
async def delete_account(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    body: AccountDelete | None = None,
) -> Response:
    """Deletes every interview, answer, score, recording, plan and session of the account,
    then the account. Accounts mode asks for the password; in local mode, with
    `{"confirm": true}`, everything stored is deleted."""
    body = body or AccountDelete()
    await _delete_everything(request, db, user, settings, body.password, body.confirm)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response, secure=is_https(request))
    return response


# -- page and forms --------------------------------------------------------------------------


@router.get("/account", response_class=HTMLResponse, include_in_schema=False)
async def account_page(
    request: Request, db: SessionDep, user: CurrentUser, settings: SettingsDep, done: str = ""
) -> Response:
    summary = await _summary(db, user, settings)
    return form_page(request, "account.html", {"account": summary, "done": done[:32]})


@router.post("/account/recordings/delete", include_in_schema=False)
async def delete_recordings_form(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    csrf_token: CsrfTokenField = "",
) -> Response:
    require_form_csrf(request, csrf_token)
    await AccountRepository(db).delete_recordings(user.id)
    await db.commit()
    return RedirectResponse("/account?done=recordings", status.HTTP_303_SEE_OTHER)


@router.post("/account/password", include_in_schema=False)
async def change_password_form(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    csrf_token: CsrfTokenField = "",
    current_password: PasswordField = "",
    new_password: PasswordField = "",
    new_password_again: PasswordField = "",
) -> Response:
    require_form_csrf(request, csrf_token)
    try:
        if new_password != new_password_again:
            raise PASSWORDS_DIFFER
        await _change_password(request, db, user, settings, current_password, new_password)
    except HTTPException as error:
        return await _account_page_refusing(request, db, user, settings, error)
    return RedirectResponse("/account?done=password", status.HTTP_303_SEE_OTHER)


@router.post("/account/delete", include_in_schema=False)
async def delete_account_form(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    csrf_token: CsrfTokenField = "",
    password: PasswordField = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    require_form_csrf(request, csrf_token)
    try:
        await _delete_everything(request, db, user, settings, password, confirm == "yes")
    except HTTPException as error:
        return await _account_page_refusing(request, db, user, settings, error)
    if settings.auth == "local":
        return RedirectResponse("/account?done=everything", status.HTTP_303_SEE_OTHER)
    response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    clear_session_cookies(response, secure=is_https(request))
    return response


# -- shared ----------------------------------------------------------------------------------


async def _summary(db: AsyncSession, user: User, settings: Settings) -> AccountSummary:
    accounts = AccountRepository(db)
    created_at = None
    if user.id is not None:
        row = await accounts.by_id(user.id)
        created_at = row.created_at if row else None
    counts = await accounts.summary(user.id)
    return AccountSummary(
        mode=settings.auth,
        username=user.username,
        created_at=created_at,
        store_audio=settings.store_audio,
        audio_retention_days=settings.audio_retention_days,
        **counts,
    )


async def _account_page_refusing(
    request: Request, db: AsyncSession, user: User, settings: Settings, error: HTTPException
) -> Response:
    """The account page again, saying why its form was refused."""
    summary = await _summary(db, user, settings)
    return form_page(request, "account.html", {"account": summary, "done": ""}, error)


async def _change_password(
    request: Request,
    db: AsyncSession,
    user: User,
    settings: Settings,
    current: str,
    new: str,
) -> None:
    if settings.auth != "accounts" or user.id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, ACCOUNTS_OFF)
    problem = password_problem(new)  # first: it tells nothing about the current password
    if problem:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem)
    if settings.rate_limits_on:  # a password check like signing in, throttled alike
        await limits.enforce(request, [(f"login:account:{user.username}", settings.rate_login)])
    accounts = AccountRepository(db)
    row = await accounts.by_id(user.id)
    stored = row.password_hash if row else None
    if not await asyncio.to_thread(verify_password, stored, current) or row is None:
        raise WRONG_CURRENT_PASSWORD
    row.password_hash = await asyncio.to_thread(hash_password, new)
    keeping = request.cookies.get(SESSION_COOKIE)
    await accounts.end_sessions(user.id, keeping=keeping)
    await db.commit()
    close_connections_of(request.app, user.id, SIGNED_OUT, keeping=keeping)


async def _delete_everything(
    request: Request,
    db: AsyncSession,
    user: User,
    settings: Settings,
    password: str | None,
    confirmed: bool,
) -> None:
    accounts = AccountRepository(db)
    if settings.auth == "local" and not confirmed:
        raise NOT_CONFIRMED
    if settings.auth == "accounts":
        if settings.rate_limits_on:  # a password check like signing in, throttled alike
            await limits.enforce(request, [(f"login:account:{user.username}", settings.rate_login)])
        row = await accounts.by_id(user.id) if user.id else None
        stored = row.password_hash if row else None
        if not await asyncio.to_thread(verify_password, stored, password or ""):
            raise WRONG_PASSWORD
    await accounts.delete_everything(user.id)
    await db.commit()
    close_connections_of(request.app, user.id)
