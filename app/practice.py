"""Weak spots from stored scores, and 7-day practice plans with their progress."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.practice import PracticePlan, PracticePlanRepository
from app.db.repositories import TurnRepository
from app.runtime import Content
from interviewer.bank import UnknownQuestion
from interviewer.drills import CriterionOutcome, PracticeDay, seven_day_plan, weak_spots
from interviewer.questions import Question

# Only the newest answers of each question count: once drilling fixes a gap, it stops being
# a weak spot instead of being outvoted by old attempts.
RECENT_ATTEMPTS = 3
WEAK_SPOTS_IN_A_PLAN = 5


@dataclass(frozen=True)
class MissedCriterion:
    id: str
    label: str
    missed: int  # answers that missed it
    answers: int  # answers it was scored in


@dataclass(frozen=True)
class WeakSpot:
    question: Question
    missed_share: float  # of all criteria in the counted answers, the share missed
    answers: int
    missed_criteria: list[MissedCriterion]  # most missed first


def recent_answers(
    scored: Iterable[tuple[str, dict[str, Any]]], attempts: int = RECENT_ATTEMPTS
) -> dict[str, list[dict[str, Any]]]:
    """Question id → its newest `attempts` scores; `scored` runs newest first."""
    by_question: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for question_id, score in scored:
        if len(by_question[question_id]) < attempts:
            by_question[question_id].append(score)
    return dict(by_question)


def outcomes(answers: dict[str, list[dict[str, Any]]]) -> list[CriterionOutcome]:
    return [
        CriterionOutcome(question_id, str(criterion.get("id")), bool(criterion.get("met")))
        for question_id, scores in answers.items()
        for score in scores
        for criterion in score.get("criteria") or []
        if isinstance(criterion, dict)
    ]


def missed_criteria(scores: Sequence[dict[str, Any]]) -> list[MissedCriterion]:
    labels: dict[str, str] = {}
    missed: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)
    for score in scores:
        for criterion in score.get("criteria") or []:
            if not isinstance(criterion, dict):
                continue
            criterion_id = str(criterion.get("id"))
            labels.setdefault(criterion_id, str(criterion.get("label") or criterion_id))
            seen[criterion_id] += 1
            missed[criterion_id] += not criterion.get("met")
    found = [
        MissedCriterion(cid, labels[cid], missed[cid], seen[cid]) for cid in seen if missed[cid]
    ]
    return sorted(found, key=lambda c: (-c.missed / c.answers, -c.missed))


async def find_weak_spots(
    db: AsyncSession, content: Content, *, owner_id: str | None, role: str | None, limit: int
) -> list[WeakSpot]:
    answers = recent_answers(await TurnRepository(db).scored_answers(owner_id=owner_id))
    if role is not None:
        in_role = {q.id for q in content.bank.questions(role)}
        answers = {qid: scores for qid, scores in answers.items() if qid in in_role}
    return [
        WeakSpot(question, share, len(answers[question.id]), missed_criteria(answers[question.id]))
        for question, share in weak_spots(outcomes(answers), content.bank, limit=limit)
    ]


async def create_practice_plan(
    db: AsyncSession, content: Content, *, owner_id: str | None, role: str
) -> PracticePlan:
    weak = await find_weak_spots(
        db, content, owner_id=owner_id, role=role, limit=WEAK_SPOTS_IN_A_PLAN
    )
    seed = secrets.randbelow(2**31)
    days = seven_day_plan(
        content.bank, role, [(spot.question, spot.missed_share) for spot in weak], seed=seed
    )
    rows = [
        {
            "day": day.day,
            "focus": day.focus,
            "note": day.note,
            "question_ids": list(day.question_ids),
            "timed": day.timed,
        }
        for day in days
    ]
    return await PracticePlanRepository(db).create(
        owner_id=owner_id, role=role, seed=seed, days=rows
    )


async def practice_plan_json(
    db: AsyncSession, content: Content, plan: PracticePlan, *, owner_id: str | None
) -> dict[str, Any]:
    """The week with its progress: a day is done when ticked off, or when every one of its
    drills has been answered since the plan began."""
    answered = await TurnRepository(db).answered_since(owner_id=owner_id, since=plan.created_at)
    days = []
    for row in plan.days:
        day = PracticeDay(row.day, row.focus, tuple(row.question_ids), row.note, row.timed)
        days.append(
            {
                "day": day.day,
                "focus": day.focus,
                "note": day.note,
                "timed": day.timed,
                "drills": [_drill(content, qid, qid in answered) for qid in day.question_ids],
                "done": row.marked_done_at is not None or day.is_complete(answered),
                "marked_done_at": row.marked_done_at and _aware(row.marked_done_at),
            }
        )
    role_title = next((r.title for r in content.bank.roles() if r.id == plan.role), plan.role)
    return {
        "id": plan.id,
        "role": plan.role,
        "role_title": role_title,
        "created_at": _aware(plan.created_at),
        "days": days,
        "days_done": sum(day["done"] for day in days),
    }


def _aware(moment: datetime) -> datetime:
    # SQLite hands back the stored UTC time without its zone
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _drill(content: Content, question_id: str, practiced: bool) -> dict[str, Any]:
    try:
        question = content.bank.get(question_id)
    except UnknownQuestion:  # the bank changed since the plan was made
        return {"id": question_id, "text": question_id, "type": None, "practiced": practiced}
    return {"id": question.id, "text": question.text, "type": question.type, "practiced": practiced}
