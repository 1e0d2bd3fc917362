"""Tables. Ids are random 128-bit tokens: nothing of a candidate's is reachable by guessing."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_id() -> str:
    return secrets.token_urlsafe(16)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives timestamps back without a zone; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[Any]: JSON}


class Interview(Base):
    __tablename__ = "interviews"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str | None] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(64))
    round: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="created")
    # The planned question ids, in order, and the options the plan was made with.
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    turns: Mapped[list[Turn]] = relationship(
        back_populates="interview",
        order_by="Turn.seq",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Turn(Base):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("interview_id", "seq", name="uq_turns_interview_seq"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))  # interviewer | candidate
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text, default="")
    question_id: Mapped[str | None] = mapped_column(String(96))
    words: Mapped[list[Any] | None] = mapped_column(JSON)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    score: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rubric_id: Mapped[str | None] = mapped_column(String(96))
    rubric_version: Mapped[int | None] = mapped_column(Integer)

    interview: Mapped[Interview] = relationship(back_populates="turns")
    audio: Mapped[AnswerAudio | None] = relationship(
        back_populates="turn", cascade="all, delete-orphan", passive_deletes=True
    )


class AnswerAudio(Base):
    __tablename__ = "answer_audio"

    turn_id: Mapped[str] = mapped_column(
        ForeignKey("turns.id", ondelete="CASCADE"), primary_key=True
    )
    mime: Mapped[str] = mapped_column(String(48))
    duration_s: Mapped[float] = mapped_column(Float)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    turn: Mapped[Turn] = relationship(back_populates="audio")
