"""The JSON shapes of the HTTP API (see docs/protocol.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class InterviewCreate(BaseModel):
    role: str = Field("backend-engineer", max_length=64)
    round: Literal["behavioral", "technical", "mixed"] = "mixed"
    questions: int = Field(5, ge=1, le=20)
    timed: bool = False
    answer_seconds: int = Field(120, ge=30, le=600)
    # Practise these exact questions, in this order (a drill), instead of a planned set.
    question_ids: list[str] | None = Field(None, min_length=1, max_length=20)


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
    started_at: datetime
    ended_at: datetime | None
    words: list[WordOut] | None = None
    audio_url: str | None = None
    score: dict[str, Any] | None = None


class InterviewOut(BaseModel):
    id: str
    status: str
    role: str
    round: str
    created_at: datetime
    finished_at: datetime | None
    questions: list[dict[str, Any]]
    turns: list[TurnOut]


class InterviewSummary(BaseModel):
    id: str
    role: str
    round: str
    status: str
    created_at: datetime
    question_count: int
    answer_count: int
    overall: float | None


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
