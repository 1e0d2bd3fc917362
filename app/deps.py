"""Request dependencies, as Annotated aliases the endpoints declare."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Header, HTTPException, Request, WebSocket, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from app.auth import limits
from app.auth.middleware import SIGNED_IN
from app.runtime import Content
from app.settings import Settings


async def _db_session(request: Request) -> AsyncIterator[AsyncSession]:
    # One session per request owning the transaction: committed when the endpoint returns.
    maker: async_sessionmaker = request.app.state.sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


@dataclass(frozen=True)
class User:
    """The person using Viva. Local mode has one user without an id."""

    id: str | None
    username: str | None = None


LOCAL_USER = User(id=None)


def connection_user(connection: HTTPConnection) -> User | None:
    """The signed-in user (accounts mode), the local user (local mode), or None."""
    if connection.app.state.settings.auth == "local":
        return LOCAL_USER
    signed_in = connection.scope.get("state", {}).get(SIGNED_IN)
    return User(id=signed_in.user_id, username=signed_in.username) if signed_in else None


def _current_user(connection: HTTPConnection) -> User:
    user = connection_user(connection)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Sign in first.")
    return user


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _content(request: Request) -> Content:
    return request.app.state.content  # type: ignore[no-any-return]


def _ws_content(websocket: WebSocket) -> Content:
    return websocket.app.state.content  # type: ignore[no-any-return]


# scope="function": the transaction commits before the response is sent, so a client that
# acts on a response (opens the WebSocket of an interview it just created) finds it stored.
SessionDep = Annotated[AsyncSession, Depends(_db_session, scope="function")]
CurrentUser = Annotated[User, Depends(_current_user)]
SettingsDep = Annotated[Settings, Depends(_settings)]
ContentDep = Annotated[Content, Depends(_content)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Retries with the same key get the first answer; nothing is made twice.",
    ),
]


def rate_limited(
    group: Literal["interviews", "scoring"], cost: float = 1.0
) -> Callable[..., Awaitable[None]]:
    """A dependency taking `cost` from the group's buckets of this user and this address
    (when rate limits are on; see Settings.rate_limits_on)."""

    async def limited(request: Request, user: CurrentUser, settings: SettingsDep) -> None:
        if not settings.rate_limits_on:
            return
        per_user, per_address = {
            "interviews": (settings.rate_interviews, settings.rate_interviews_address),
            "scoring": (settings.rate_scoring, settings.rate_scoring_address),
        }[group]
        await limits.enforce(
            request,
            [
                (f"{group}:user:{user.id or 'local'}", per_user),
                (f"{group}:address:{limits.client_address(request)}", per_address),
            ],
            cost,
        )

    return limited
