"""Users and their sign-in sessions in SQL. The caller owns the transaction."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.auth_models import IdempotencyRecord, SignInSession, UserAccount
from app.db.models import AnswerAudio, Base, Interview, Turn, utcnow

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,63}$")


class UsernameTaken(Exception):
    pass


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    username: str
    csrf_token: str


def normalize_username(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().casefold()


def username_problem(username: str) -> str | None:
    """Why a (normalized) account name is refused, or None."""
    if USERNAME.match(username):
        return None
    return (
        "Pick a name of 3 to 64 characters: letters, digits and . _ @ + -, "
        "starting with a letter or digit."
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def owner_key(owner_id: str | None) -> str:
    """Owner as a non-NULL key (unique constraints treat NULLs as all different)."""
    return owner_id or ""


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create_user(self, username: str, password_hash: str) -> UserAccount:
        """Raises UsernameTaken; after a race lost at the unique constraint, the caller's
        transaction is spoiled and must be rolled back."""
        if await self.by_username(username) is not None:
            raise UsernameTaken(username)
        user = UserAccount(username=username, password_hash=password_hash)
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError:
            raise UsernameTaken(username) from None
        return user

    async def by_username(self, username: str) -> UserAccount | None:
        stmt = select(UserAccount).where(UserAccount.username == username)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_id(self, user_id: str) -> UserAccount | None:
        return await self.session.get(UserAccount, user_id)

    async def start_session(self, user_id: str, *, days: int) -> tuple[str, SignInSession]:
        """A new session; returns the cookie's token (stored only as its hash)."""
        now = utcnow()
        await self.session.execute(
            delete(SignInSession).where(
                SignInSession.user_id == user_id, SignInSession.expires_at < now
            )
        )
        token = secrets.token_urlsafe(32)
        row = SignInSession(
            id=token_hash(token),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        self.session.add(row)
        await self.session.flush()
        return token, row

    async def signed_in(self, token: str) -> SignedIn | None:
        stmt = (
            select(SignInSession.user_id, UserAccount.username, SignInSession.csrf_token)
            .join(UserAccount, UserAccount.id == SignInSession.user_id)
            .where(SignInSession.id == token_hash(token), SignInSession.expires_at > utcnow())
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return SignedIn(row[0], row[1], row[2]) if row else None

    async def end_session(self, token: str) -> None:
        await self.session.execute(
            delete(SignInSession).where(SignInSession.id == token_hash(token))
        )

    async def end_sessions(self, user_id: str, *, keeping: str | None = None) -> None:
        """Every sign-in of the user but the one with token `keeping`."""
        stmt = delete(SignInSession).where(SignInSession.user_id == user_id)
        if keeping is not None:
            stmt = stmt.where(SignInSession.id != token_hash(keeping))
        await self.session.execute(stmt)

    async def summary(self, owner_id: str | None) -> dict[str, Any]:
        interviews = await self.session.scalar(
            select(func.count())
            .select_from(Interview)
            .where(_owner_is(Interview.owner_id, owner_id))
        )
        count, seconds, size = (
            await self.session.execute(
                select(
                    func.count(AnswerAudio.turn_id),
                    func.coalesce(func.sum(AnswerAudio.duration_s), 0.0),
                    func.coalesce(func.sum(func.length(AnswerAudio.data)), 0),
                )
                .join(Turn, Turn.id == AnswerAudio.turn_id)
                .join(Interview, Interview.id == Turn.interview_id)
                .where(_owner_is(Interview.owner_id, owner_id))
            )
        ).one()
        return {
            "interviews": int(interviews or 0),
            "recordings": int(count),
            "recording_seconds": round(float(seconds), 1),
            "recording_bytes": int(size),
        }

    async def delete_recordings(self, owner_id: str | None) -> int:
        """Every stored answer recording of this owner; transcripts and scores stay."""
        owned_turns = (
            select(Turn.id)
            .join(Interview, Interview.id == Turn.interview_id)
            .where(_owner_is(Interview.owner_id, owner_id))
        )
        result = await self.session.execute(
            delete(AnswerAudio).where(AnswerAudio.turn_id.in_(owned_turns))
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def delete_everything(self, owner_id: str | None) -> None:
        """Every row of every table with an `owner_id` (children go by cascade), the owner's
        idempotency records, and, for an account, the user with its sessions."""
        for table in reversed(Base.metadata.sorted_tables):
            if "owner_id" in table.c:
                await self.session.execute(_delete_owned(table, owner_id))
        await self.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.owner_key == owner_key(owner_id))
        )
        if owner_id is not None:
            await self.session.execute(delete(UserAccount).where(UserAccount.id == owner_id))


def _owner_is(column: Any, owner_id: str | None) -> ColumnElement[bool]:
    # The local user owns the rows without an owner; an account owns the rows with its id.
    return column.is_(None) if owner_id is None else column == owner_id  # type: ignore[no-any-return]


def _delete_owned(table: Table, owner_id: str | None) -> Any:
    return delete(table).where(_owner_is(table.c.owner_id, owner_id))
