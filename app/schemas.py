"""The JSON shapes of the HTTP API (see docs/protocol.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from app.db.models import as_utc

UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class InterviewCreate(BaseModel):
    role: str = Field("backend-engineer", max_length=64)
    round: Literal["behavioral", "technical", "mixed"] = "mixed"
    questions: int = Field(5, ge=1, le=20)
    timed: bool = False
    answer_seconds: int = Field(120, ge=30, le=600)
    # Practise these exact questions, in this order (a drill), instead of a planned set.
    question_ids: list[str] | None = Field(None, min_length=1, max_length=20)
    # A length in minutes instead of a count: as many questions as fit (wins over `questions`).
    minutes: int | None = Field(None, ge=1, le=180)
    # Tailoring: analysed for terms, title and company; the texts themselves are not stored.
    posting: str | None = Field(None, max_length=20_000)
    resume: str | None = Field(None, max_length=20_000)
    # With question_ids: each question asked this many times in a row (a drill).
    repeat: int = Field(1, ge=1, le=5)


class InterviewCreated(BaseModel):
    id: str
    ws_url: str
    review_url: str
    questions: list[dict[str, Any]]


class WordOut(BaseModel):
    text: str
    start: float
    end: float


class TurnOut(BaseModel):
    id: str
    seq: int
    speaker: str
    kind: str
    text: str
    question_id: str | None
    partial: bool
    started_at: UtcDatetime
    ended_at: UtcDatetime | None
    words: list[WordOut] | None = None
    audio_url: str | None = None
    score: dict[str, Any] | None = None


class InterviewOut(BaseModel):
    id: str
    status: str
    role: str
    round: str
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    answer_seconds: int | None = None  # timed interviews: each answer's limit
    questions: list[dict[str, Any]]
    turns: list[TurnOut]


class InterviewSummary(BaseModel):
    id: str
    role: str
    round: str
    status: str
    created_at: UtcDatetime
    question_count: int
    answer_count: int
    overall: float | None
    duration_seconds: float | None = None  # first turn's start to the last turn's end


class RoleOut(BaseModel):
    id: str
    title: str
    description: str
    question_count: int


class QuestionOut(BaseModel):
    id: str
    text: str
    type: str
    role: str
    difficulty: int
    tags: list[str]
    rubric: str
    guidance: str = ""
