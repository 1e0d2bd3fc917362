"""Creating an interview and rebuilding its machine: the glue between content and storage."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import replace
from typing import Any

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Interview, Turn
from app.db.repositories import InterviewRepository
from app.runtime import Content
from app.schemas import InterviewCreate
from interviewer.followup import RubricFollowups
from interviewer.machine import InterviewMachine
from interviewer.plan import PlanError, PlanRequest, make_plan
from interviewer.questions import Question


async def practiced_counts(db: AsyncSession, owner_id: str | None) -> Counter[str]:
    owner = Interview.owner_id.is_(None) if owner_id is None else Interview.owner_id == owner_id
    stmt = (
        select(Turn.question_id)
        .join(Interview, Interview.id == Turn.interview_id)
        .where(owner, Turn.speaker == "candidate", Turn.question_id.is_not(None))
    )
    return Counter(qid for qid in (await db.execute(stmt)).scalars() if qid)


async def create_interview(
    db: AsyncSession, content: Content, body: InterviewCreate, *, owner_id: str | None
) -> Interview:
    roles = {r.id: r for r in content.bank.roles()}
    if body.role not in roles:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown role {body.role!r}; known roles: {', '.join(sorted(roles))}",
        )
    seed = secrets.randbelow(2**31)
    if body.question_ids:
        questions, reasons = _chosen_questions(content, body.question_ids)
    else:
        try:
            plan = make_plan(
                content.bank,
                PlanRequest(
                    role=body.role,
                    round=body.round,
                    questions=body.questions,
                    timed=body.timed,
                    answer_seconds=body.answer_seconds,
                    practiced=dict(await practiced_counts(db, owner_id)),
                    seed=seed,
                ),
            )
        except PlanError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
        questions, reasons = list(plan.questions), dict(plan.reasons)
    stored: dict[str, Any] = {
        "questions": [{"id": q.id, "text": q.text, "type": q.type} for q in questions],
        "reasons": reasons,
        "role_title": roles[body.role].title,
        "timed": body.timed,
        "answer_seconds": body.answer_seconds,
        "seed": seed,
    }
    return await InterviewRepository(db).create(
        role=body.role, round=body.round, plan=stored, owner_id=owner_id
    )


def _chosen_questions(
    content: Content, question_ids: list[str]
) -> tuple[list[Question], dict[str, str]]:
    if len(set(question_ids)) != len(question_ids):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "question_ids repeat a question")
    questions = []
    for question_id in question_ids:
        try:
            questions.append(content.bank.get(question_id))
        except KeyError:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown question {question_id!r}"
            ) from None
    return questions, {q.id: "chosen to practise" for q in questions}


def build_machine(interview: Interview, content: Content) -> InterviewMachine:
    plan = interview.plan
    questions = [content.bank.get(q["id"]) for q in plan["questions"]]
    # The stored text wins: a tailored question keeps the wording the candidate was shown.
    questions = [
        replace(q, text=stored["text"])
        for q, stored in zip(questions, plan["questions"], strict=True)
    ]
    machine = InterviewMachine(
        questions,
        RubricFollowups(content.rubrics),
        role_title=plan.get("role_title", interview.role),
        round=interview.round,
        seed=int(plan.get("seed", 0)),
    )
    if plan.get("position"):
        machine.restore(plan["position"])
    return machine
