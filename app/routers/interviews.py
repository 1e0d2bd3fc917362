"""Interviews over HTTP: create, read, list, delete, and the stored answer audio."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Response, status

from app.auth.idempotency import run_once
from app.db.models import Interview, Turn
from app.db.repositories import InterviewRepository, TurnRepository
from app.deps import ContentDep, CurrentUser, IdempotencyKey, SessionDep, rate_limited
from app.interviews import create_interview
from app.schemas import InterviewCreate, InterviewCreated, InterviewOut, InterviewSummary, TurnOut

router = APIRouter(prefix="/api/v1/interviews", tags=["interviews"])

NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "interview not found")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=InterviewCreated,
    dependencies=[Depends(rate_limited("interviews"))],
)
async def create(
    body: InterviewCreate,
    db: SessionDep,
    user: CurrentUser,
    content: ContentDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    async def make() -> tuple[int, InterviewCreated]:
        interview = await create_interview(db, content, body, owner_id=user.id)
        return status.HTTP_201_CREATED, InterviewCreated(
            id=interview.id,
            ws_url=f"/api/v1/interviews/{interview.id}/ws",
            review_url=f"/interviews/{interview.id}",
            questions=interview.plan["questions"],
        )

    return await run_once(
        db,
        owner_id=user.id,
        endpoint="POST /api/v1/interviews",
        key=idempotency_key,
        request=body,
        run=make,
    )


@router.get("", response_model=list[InterviewSummary])
async def list_interviews(db: SessionDep, user: CurrentUser) -> list[InterviewSummary]:
    interviews = await InterviewRepository(db).list(owner_id=user.id)
    return [_summary(i) for i in interviews]


@router.get("/{interview_id}", response_model=InterviewOut)
async def get(interview_id: str, db: SessionDep, user: CurrentUser) -> InterviewOut:
    interview = await InterviewRepository(db).get_with_turns(interview_id, owner_id=user.id)
    if interview is None:
        raise NOT_FOUND
    return InterviewOut(
        id=interview.id,
        status=interview.status,
        role=interview.role,
        round=interview.round,
        created_at=interview.created_at,
        finished_at=interview.finished_at,
        answer_seconds=interview.plan.get("answer_seconds")
        if interview.plan.get("timed")
        else None,
        questions=interview.plan.get("questions", []),
        turns=[_turn_out(interview, t) for t in interview.turns],
    )


@router.delete("/{interview_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(interview_id: str, db: SessionDep, user: CurrentUser) -> Response:
    repo = InterviewRepository(db)
    interview = await repo.get(interview_id, owner_id=user.id)
    if interview is None:
        raise NOT_FOUND
    await repo.delete(interview)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{interview_id}/turns/{turn_id}/audio")
async def answer_audio(
    interview_id: str, turn_id: str, db: SessionDep, user: CurrentUser
) -> Response:
    if await InterviewRepository(db).get(interview_id, owner_id=user.id) is None:
        raise NOT_FOUND
    audio = await TurnRepository(db).get_audio(interview_id, turn_id)
    if audio is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no audio stored for this answer")
    return Response(
        audio.data, media_type=audio.mime, headers={"Cache-Control": "private, max-age=3600"}
    )


def _turn_out(interview: Interview, turn: Turn) -> TurnOut:
    has_audio = turn.audio is not None
    return TurnOut(
        id=turn.id,
        seq=turn.seq,
        speaker=turn.speaker,
        kind=turn.kind,
        text=turn.text,
        question_id=turn.question_id,
        partial=turn.partial,
        started_at=turn.started_at,
        ended_at=turn.ended_at,
        words=turn.words,  # type: ignore[arg-type]
        audio_url=f"/api/v1/interviews/{interview.id}/turns/{turn.id}/audio" if has_audio else None,
        score=turn.score,
    )


def _summary(interview: Interview) -> InterviewSummary:
    answers = [t for t in interview.turns if t.speaker == "candidate"]
    scores: list[Any] = [t.score["overall"] for t in answers if t.score and "overall" in t.score]
    return InterviewSummary(
        id=interview.id,
        role=interview.role,
        round=interview.round,
        status=interview.status,
        created_at=interview.created_at,
        question_count=len(interview.plan.get("questions", [])),
        answer_count=len(answers),
        overall=round(sum(scores) / len(scores), 1) if scores else None,
        duration_seconds=_duration(interview),
    )


def _duration(interview: Interview) -> float | None:
    if not interview.turns:
        return None
    first = interview.turns[0].started_at
    last = max((t.ended_at or t.started_at) for t in interview.turns)
    return round((last - first).total_seconds(), 1)
