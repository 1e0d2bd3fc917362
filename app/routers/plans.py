"""Plans before an interview, weak spots after many, and the 7-day practice plan.

`POST /plans/preview` takes the body `POST /interviews` takes and answers with the questions
that interview would ask, each with its reason; the setup page then creates the interview with
those question ids in order (see docs/plans.md).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.practice import PracticePlan, PracticePlanRepository
from app.deps import ContentDep, CurrentUser, SessionDep
from app.interviews import plan_interview, profile_json
from app.practice import create_practice_plan, find_weak_spots, practice_plan_json
from app.runtime import Content
from app.schemas import InterviewCreate
from interviewer.drills import PLAN_DAYS

router = APIRouter(prefix="/api/v1", tags=["plans"])

PLAN_NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "practice plan not found")


class PlanPreviewRequest(InterviewCreate):
    # The same seed gives the same plan, so a preview stays put while the candidate types.
    seed: int | None = Field(None, ge=0, lt=2**31)


class PreviewQuestion(BaseModel):
    id: str
    text: str
    type: str
    reason: str
    why_asked: str | None = None


class TermOut(BaseModel):
    term: str
    source: str
    weight: float


class ProfileOut(BaseModel):
    role_title: str | None
    company: str | None
    matched_role: str | None
    terms: list[TermOut]


class PlanPreview(BaseModel):
    role: str
    round: str
    kind: str
    role_title: str
    seed: int
    questions: list[PreviewQuestion]
    profile: ProfileOut | None
    estimated_minutes: float


class MissedCriterionOut(BaseModel):
    id: str
    label: str
    missed: int
    answers: int


class WeakSpotOut(BaseModel):
    id: str
    text: str
    type: str
    role: str
    missed_share: float
    answers: int
    missed_criteria: list[MissedCriterionOut]


class PracticePlanCreate(BaseModel):
    role: str = Field(..., max_length=64)


class DrillOut(BaseModel):
    id: str
    text: str
    type: str | None
    practiced: bool


class PracticeDayOut(BaseModel):
    day: int
    focus: str
    note: str
    timed: bool
    drills: list[DrillOut]
    done: bool
    marked_done_at: datetime | None


class PracticePlanOut(BaseModel):
    id: str
    role: str
    role_title: str
    created_at: datetime
    days: list[PracticeDayOut]
    days_done: int


@router.post("/plans/preview", response_model=PlanPreview)
async def preview(
    body: PlanPreviewRequest, db: SessionDep, user: CurrentUser, content: ContentDep
) -> PlanPreview:
    seed = body.seed if body.seed is not None else secrets.randbelow(2**31)
    planned = await plan_interview(db, content, body, owner_id=user.id, seed=seed)
    profile = profile_json(planned.profile)
    return PlanPreview(
        role=planned.role,
        round=planned.round,
        kind=planned.kind,
        role_title=planned.role_title,
        seed=seed,
        questions=[
            PreviewQuestion(
                id=q.id,
                text=q.text,
                type=q.type,
                reason=planned.reasons.get(q.id, ""),
                why_asked=str(q.extra.get("why_asked") or "") or None,
            )
            for q in planned.questions
        ],
        profile=ProfileOut.model_validate(profile) if profile else None,
        estimated_minutes=round(planned.estimated_minutes, 1),
    )


@router.get("/weak-spots", response_model=list[WeakSpotOut])
async def weak_spots(
    db: SessionDep,
    user: CurrentUser,
    content: ContentDep,
    role: str | None = None,
    limit: int = Query(5, ge=1, le=20),
) -> list[WeakSpotOut]:
    if role is not None:
        _known_role(content, role, status.HTTP_404_NOT_FOUND)
    spots = await find_weak_spots(db, content, owner_id=user.id, role=role, limit=limit)
    return [
        WeakSpotOut(
            id=spot.question.id,
            text=spot.question.text,
            type=spot.question.type,
            role=spot.question.role,
            missed_share=round(spot.missed_share, 3),
            answers=spot.answers,
            missed_criteria=[MissedCriterionOut(**vars(c)) for c in spot.missed_criteria],
        )
        for spot in spots
    ]


@router.post("/practice-plans", status_code=status.HTTP_201_CREATED, response_model=PracticePlanOut)
async def create_plan(
    body: PracticePlanCreate, db: SessionDep, user: CurrentUser, content: ContentDep
) -> dict[str, Any]:
    _known_role(content, body.role, status.HTTP_422_UNPROCESSABLE_CONTENT)
    plan = await create_practice_plan(db, content, owner_id=user.id, role=body.role)
    return await practice_plan_json(db, content, plan, owner_id=user.id)


@router.get("/practice-plans/current", response_model=PracticePlanOut)
async def current_plan(db: SessionDep, user: CurrentUser, content: ContentDep) -> dict[str, Any]:
    plan = await PracticePlanRepository(db).current(owner_id=user.id)
    if plan is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no practice plan yet")
    return await practice_plan_json(db, content, plan, owner_id=user.id)


@router.get("/practice-plans/{plan_id}", response_model=PracticePlanOut)
async def get_plan(
    plan_id: str, db: SessionDep, user: CurrentUser, content: ContentDep
) -> dict[str, Any]:
    plan = await _owned_plan(db, plan_id, user.id)
    return await practice_plan_json(db, content, plan, owner_id=user.id)


@router.post("/practice-plans/{plan_id}/days/{day}/done", response_model=PracticePlanOut)
async def mark_day_done(
    plan_id: str, day: int, db: SessionDep, user: CurrentUser, content: ContentDep
) -> dict[str, Any]:
    return await _mark_day(db, content, plan_id, day, user.id, done=True)


@router.delete("/practice-plans/{plan_id}/days/{day}/done", response_model=PracticePlanOut)
async def unmark_day_done(
    plan_id: str, day: int, db: SessionDep, user: CurrentUser, content: ContentDep
) -> dict[str, Any]:
    return await _mark_day(db, content, plan_id, day, user.id, done=False)


async def _mark_day(
    db: AsyncSession, content: Content, plan_id: str, day: int, owner_id: str | None, *, done: bool
) -> dict[str, Any]:
    plan = await _owned_plan(db, plan_id, owner_id)
    row = next((d for d in plan.days if d.day == day), None)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"a plan has days 1 to {PLAN_DAYS}")
    await PracticePlanRepository(db).mark_day(row, done=done)
    return await practice_plan_json(db, content, plan, owner_id=owner_id)


async def _owned_plan(db: AsyncSession, plan_id: str, owner_id: str | None) -> PracticePlan:
    plan = await PracticePlanRepository(db).get(plan_id, owner_id=owner_id)
    if plan is None:
        raise PLAN_NOT_FOUND
    return plan


def _known_role(content: Content, role: str, code: int) -> None:
    roles = {r.id for r in content.bank.roles()}
    if role not in roles:
        raise HTTPException(code, f"unknown role {role!r}; known roles: {', '.join(sorted(roles))}")
