"""Tables of accounts mode: users, their sign-in sessions, and idempotency keys.

Interviews and practice plans point at a user by `owner_id` (NULL = the local user);
deleting an account deletes the rows of every table with an `owner_id` column
(app/auth/accounts.py), and these tables' own rows by cascade.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base, new_id, utcnow


class UserAccount(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # normalized, lower case
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignInSession(Base):
    __tablename__ = "user_sessions"

    # SHA-256 of the cookie's token: a copy of the database signs nobody in.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class IdempotencyRecord(Base):
    """The first answer to a request sent with an Idempotency-Key; retries get it back.

    The unique constraint decides between two racing retries: the second insert waits for
    the first transaction and then fails, and reads what the first stored."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("owner_key", "endpoint", "key", name="uq_idempotency_owner_endpoint_key"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_key: Mapped[str] = mapped_column(String(32))  # user id; "" for the local user
    endpoint: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
