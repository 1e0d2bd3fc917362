"""Request dependencies, as Annotated aliases the endpoints declare."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, WebSocket
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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


def _current_user() -> User:
    return User(id=None)


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
