"""After an interview: export downloads, explicit re-scoring, and progress over time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status

from app.db.models import Turn, utcnow
from app.db.repositories import InterviewRepository, TurnRepository
from app.deps import ContentDep, CurrentUser, SessionDep
from app.export import MEDIA_TYPES, ExportFormat, export_filename, interview_dict, render
from app.progress import StoredAnswer, StoredInterview, progress_points
from app.rescore import StoredScore, rescore_answer, rescore_plan
from app.runtime import Content

router = APIRouter(prefix="/api/v1", tags=["review"])

NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "interview not found")
PROGRESS_LIMIT = 1000  # interviews; the newest are kept


@router.get("/interviews/{interview_id}/export")
async def export(
    interview_id: str,
    db: SessionDep,
    user: CurrentUser,
    fmt: Annotated[ExportFormat, Query(alias="format")] = "md",
) -> Response:
    interview = await InterviewRepository(db).get_with_turns(interview_id, owner_id=user.id)
    if interview is None:
        raise NOT_FOUND
    data = interview_dict(interview)
    return Response(
        render(data, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{export_filename(data, fmt)}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/interviews/{interview_id}/rescore")
async def rescore_preview(
    interview_id: str, db: SessionDep, user: CurrentUser, content: ContentDep
) -> dict[str, Any]:
    """What re-scoring would do: each answer's stored rubric version against the current one."""
    answers = await _stored_answers(db, interview_id, user.id)
    items = rescore_plan(content, [_stored_score(t) for t in answers])
    return {
        "outdated": sum(item.outdated for item in items),
        "answers": [item.to_dict() for item in items],
    }


@router.post("/interviews/{interview_id}/rescore")
async def rescore(
    interview_id: str,
    db: SessionDep,
    user: CurrentUser,
    content: ContentDep,
    all_answers: Annotated[bool, Query(alias="all")] = False,
) -> dict[str, Any]:
    """Re-score answers with the rubrics loaded now: those scored by another rubric version,
    or every answer with `?all=true`. Each new report keeps the one it replaced as `previous`."""
    answers = await _stored_answers(db, interview_id, user.id)
    stored = [_stored_score(t) for t in answers]
    plan = rescore_plan(content, stored)
    chosen = [
        (turn, answer)
        for turn, answer, item in zip(answers, stored, plan, strict=True)
        if item.current_rubric_id is not None and (all_answers or item.outdated)
    ]
    reports = await asyncio.to_thread(_rescore_all, content, [a for _, a in chosen])
    turns = TurnRepository(db)
    results = []
    for (turn, answer), report in zip(chosen, reports, strict=True):
        if report is None:
            continue
        await turns.set_score(turn, report)
        previous = answer.score or {}
        results.append(
            {
                "turn_id": turn.id,
                "question_id": turn.question_id,
                "previous_rubric_version": answer.rubric_version,
                "rubric_id": report.get("rubric_id"),
                "rubric_version": report.get("rubric_version"),
                "previous_overall": previous.get("overall"),
                "overall": report.get("overall"),
            }
        )
    # Committed before answering: the request session's own commit runs after the response.
    await db.commit()
    return {"rescored": len(results), "answers": results}


@router.get("/progress")
async def progress(db: SessionDep, user: CurrentUser) -> list[dict[str, Any]]:
    """One point per interview with scored answers, oldest first, from stored scores only."""
    interviews = await InterviewRepository(db).list(owner_id=user.id, limit=PROGRESS_LIMIT)
    return progress_points(
        StoredInterview(
            id=i.id,
            role=i.role,
            round=i.round,
            status=i.status,
            created_at=i.created_at,
            answers=tuple(StoredAnswer(t.score) for t in i.turns if t.speaker == "candidate"),
        )
        for i in interviews
    )


async def _stored_answers(db: Any, interview_id: str, owner_id: str | None) -> Sequence[Turn]:
    if await InterviewRepository(db).get(interview_id, owner_id=owner_id) is None:
        raise NOT_FOUND
    turns = await TurnRepository(db).list_for(interview_id)
    return [t for t in turns if t.speaker == "candidate"]


def _stored_score(turn: Turn) -> StoredScore:
    return StoredScore(
        turn_id=turn.id,
        question_id=turn.question_id,
        text=turn.text,
        words=turn.words or [],
        score=turn.score,
        rubric_id=turn.rubric_id,
        rubric_version=turn.rubric_version,
    )


def _rescore_all(content: Content, answers: list[StoredScore]) -> list[dict[str, Any] | None]:
    rescored_at = utcnow()
    return [rescore_answer(content, answer, rescored_at=rescored_at) for answer in answers]
